/**
 * IAM: AWS::IAM::Role with the identity policies of its sessions (its inline `Policies` and
 * `ManagedPolicyArns`, and the AWS::IAM::Policy, AWS::IAM::RolePolicy and AWS::IAM::ManagedPolicy
 * resources that name it), and the stack's customer managed policies. Documents are kept with
 * their intrinsics resolved; local/iam/ evaluates them.
 */
import type { PolicyDocumentSpec, RoleSpec } from '../app-spec';
import { IntrinsicError } from '../intrinsics';
import { refTarget } from '../template';
import {
  generatedName,
  literalName,
  type NamedResource,
  type ResourceReader,
  type StackIdentity,
  type StackReading,
  type StackResource,
} from './reader';

const ROLE = 'AWS::IAM::Role';
const POLICY = 'AWS::IAM::Policy';
const ROLE_POLICY = 'AWS::IAM::RolePolicy';
const MANAGED_POLICY = 'AWS::IAM::ManagedPolicy';

/** IAM's ARNs have no region: `arn:<partition>:iam::<account>:<kind>/<path><name>`. */
function iamArn(stack: StackIdentity, kind: 'role' | 'policy', resource: NamedResource): string {
  const written = literalName(resource.properties.Path);
  const pathPart = written && written !== '/' ? written.replace(/^\/?/, '').replace(/\/?$/, '/') : '';
  return `arn:${stack.partition}:iam::${stack.accountId}:${kind}/${pathPart}${resource.physicalId}`;
}

export const roleReader: ResourceReader = {
  types: [ROLE],
  // The logical id when RoleName is not set, as other unnamed resources here.
  physicalId: (resource) => literalName(resource.properties.RoleName) ?? resource.logicalId,
  attributes: {
    Arn: (resource, stack) => iamArn(stack, 'role', resource),
  },
  contribute(resources, reading) {
    const names = new Map(resources.map((r) => [reading.physicalId(r.logicalId), r.logicalId]));
    /** The roles of this stack a `Roles` list names: by Ref, or by a name that resolves to one of them. */
    const namedRoles = (value: unknown): string[] =>
      (Array.isArray(value) ? value : []).flatMap((entry: unknown) => {
        const target = refTarget(entry);
        if (target !== undefined && reading.resource(target)?.type === ROLE) return [target];
        const name = resolvedOrUndefined(reading, entry);
        const byName = name === undefined ? undefined : names.get(name.slice(name.lastIndexOf('/') + 1));
        return byName ? [byName] : [];
      });
    const attached = (type: string, rolesOf: (r: StackResource) => string[]) => {
      const byRole = new Map<string, StackResource[]>();
      for (const resource of reading.resourcesOfType(type)) {
        for (const role of rolesOf(resource)) byRole.set(role, [...(byRole.get(role) ?? []), resource]);
      }
      return (role: string) => byRole.get(role) ?? [];
    };
    const policiesOf = attached(POLICY, (r) => namedRoles(r.properties.Roles));
    const rolePoliciesOf = attached(ROLE_POLICY, (r) => namedRoles([r.properties.RoleName]));
    const managedOf = attached(MANAGED_POLICY, (r) => namedRoles(r.properties.Roles));

    for (const { logicalId, properties } of resources) {
      const inline = Array.isArray(properties.Policies) ? (properties.Policies as Array<Record<string, unknown>>) : [];
      const policies: PolicyDocumentSpec[] = [
        ...inline.map((p) =>
          policyDocument(reading, p.PolicyDocument, `inline policy ${describeName(reading, p.PolicyName)} of role ${logicalId}`),
        ),
        ...policiesOf(logicalId).map((p) => policyDocument(reading, p.properties.PolicyDocument, `policy ${p.logicalId} (${POLICY})`)),
        ...rolePoliciesOf(logicalId).map((p) =>
          policyDocument(reading, p.properties.PolicyDocument, `policy ${p.logicalId} (${ROLE_POLICY})`),
        ),
      ];
      const role: RoleSpec = {
        logicalId,
        roleName: reading.physicalId(logicalId),
        arn: reading.resolveString({ 'Fn::GetAtt': [logicalId, 'Arn'] }),
        policies,
        managedPolicyArns: [
          ...managedPolicyArns(reading, logicalId, properties.ManagedPolicyArns),
          ...managedOf(logicalId).map((p) => reading.ref(p.logicalId)!),
        ],
      };
      reading.spec.roles.push(role);
    }
  },
};

/** Read with the roles it names (see roleReader). */
export const policyReader: ResourceReader = { types: [POLICY] };

/** Read with the role it names (see roleReader). */
export const rolePolicyReader: ResourceReader = { types: [ROLE_POLICY] };

export const managedPolicyReader: ResourceReader = {
  types: [MANAGED_POLICY],
  physicalId: (resource, stack) => literalName(resource.properties.ManagedPolicyName) ?? generatedName(stack, resource.logicalId, 128),
  // A managed policy's Ref is its ARN.
  ref: (resource, stack) => iamArn(stack, 'policy', resource),
  contribute(resources, reading) {
    for (const { logicalId, properties } of resources) {
      reading.spec.managedPolicies.push({
        logicalId,
        arn: reading.ref(logicalId)!,
        policy: policyDocument(reading, properties.PolicyDocument, `managed policy ${logicalId} (${MANAGED_POLICY})`),
      });
    }
  },
};

/** A name property for logs: its value when it resolves, else `(unnamed)`. */
function describeName(reading: StackReading, value: unknown): string {
  return resolvedOrUndefined(reading, value) ?? '(unnamed)';
}

function resolvedOrUndefined(reading: StackReading, value: unknown): string | undefined {
  if (value === undefined) return undefined;
  try {
    return reading.resolveString(value);
  } catch (err: unknown) {
    if (err instanceof IntrinsicError) return undefined;
    throw err;
  }
}

/** A role's `ManagedPolicyArns`, each resolved; one that does not resolve is left out with a warning. */
function managedPolicyArns(reading: StackReading, roleLogicalId: string, value: unknown): string[] {
  return (Array.isArray(value) ? value : []).flatMap((entry: unknown) => {
    const arn = resolvedOrUndefined(reading, entry);
    if (arn === undefined) {
      reading.spec.warnings.push(
        `role ${roleLogicalId}: a managed policy ARN does not resolve (${JSON.stringify(entry)}); it grants nothing here`,
      );
      return [];
    }
    return [arn];
  });
}

/**
 * A policy document with its intrinsics resolved. A statement that does not resolve (an intrinsic
 * the emulator does not support) is left out with a warning: it grants nothing here.
 */
function policyDocument(reading: StackReading, document: unknown, source: string): PolicyDocumentSpec {
  try {
    return { source, document: reading.resolveValue(document) };
  } catch (err: unknown) {
    if (!(err instanceof IntrinsicError)) throw err;
  }
  const doc = (document ?? {}) as { Version?: unknown; Statement?: unknown };
  const statements = Array.isArray(doc.Statement) ? (doc.Statement as unknown[]) : [doc.Statement];
  const resolved = statements.flatMap((statement, i) => {
    try {
      return [reading.resolveValue(statement)];
    } catch (err: unknown) {
      if (!(err instanceof IntrinsicError)) throw err;
      reading.spec.warnings.push(`statement ${i + 1} of ${source} is left out, as it does not resolve locally: ${err.message}`);
      return [];
    }
  });
  return { source, document: { Version: doc.Version, Statement: resolved } };
}
