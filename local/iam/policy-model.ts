/**
 * The app's IAM as the evaluator needs it, read from the app spec: each role's identity-based
 * statements (inline, customer managed and the AWS managed policies the emulator knows), and each
 * function's resource-based statements (its AWS::Lambda::Permission resources). What cannot be
 * used is listed as warnings for the start: an AWS managed policy the emulator does not know (it
 * grants nothing here), a function whose role is not in the template (none of its calls is
 * allowed), a statement that cannot be read.
 */
import type { LambdaPermissionSpec, PolicyDocumentSpec, WebSocketAppSpec } from '../assembly/app-spec';
import { pseudoParameters } from '../assembly/intrinsics';
import { awsManagedPolicy, isAwsManagedPolicy } from './aws-managed-policies';
import { parsePolicyDocument, type PolicyStatement, type PrincipalElement } from './policy';

/** What `--iam off` does, for the warnings that tell how to get past what the emulator cannot read. */
export const IAM_OFF_HINT = 'run with --iam off to turn IAM off';

export interface IamModel {
  /** The identity-based statements of the role with this ARN; undefined for a role the template does not define. */
  identityStatements(roleArn: string): readonly PolicyStatement[] | undefined;
  /** The resource-based statements of the function with this logical id: who may invoke it. */
  functionPolicy(functionLogicalId: string): readonly PolicyStatement[];
  /** `arn:<partition>:lambda:<region>:<account>:function:<name>` of a function of the app. */
  functionArn(functionLogicalId: string): string | undefined;
  /** The function of the app an ARN (qualified or not) names. */
  functionOfArn(arn: string): string | undefined;
  readonly partition: string;
  /** What the emulator could not use, one line each, for the log at start. */
  readonly warnings: readonly string[];
}

type Spec = Pick<WebSocketAppSpec, 'stackName' | 'region' | 'accountId' | 'functions' | 'roles' | 'managedPolicies' | 'lambdaPermissions'>;

/** A Permission's Principal as a policy's Principal element: services by their host-like name, `*`, else an account or ARN. */
function principalElement(principal: string): PrincipalElement {
  if (principal === '*') return '*';
  return /\.amazonaws\.com(\.cn)?$/.test(principal) ? { Service: [principal] } : { AWS: [principal] };
}

/** An AWS::Lambda::Permission as the statement Lambda adds to the function's policy for it. */
function permissionStatement(permission: LambdaPermissionSpec, functionArn: string): PolicyStatement {
  const condition: Record<string, Record<string, readonly string[]>> = {};
  const add = (operator: string, key: string, value: string | undefined) => {
    if (value !== undefined) condition[operator] = { ...condition[operator], [key]: [value] };
  };
  add('ArnLike', 'AWS:SourceArn', permission.sourceArn);
  add('StringEquals', 'AWS:SourceAccount', permission.sourceAccount);
  add('StringEquals', 'aws:PrincipalOrgID', permission.principalOrgId);
  return {
    effect: 'Allow',
    action: [permission.action],
    resource: [functionArn],
    principal: principalElement(permission.principal),
    condition: Object.keys(condition).length > 0 ? condition : undefined,
    variables: false,
    source: `permission ${permission.logicalId} (AWS::Lambda::Permission)`,
  };
}

/** Reads the app's IAM. */
export function iamModel(app: Spec): IamModel {
  const partition = pseudoParameters(app.region, app.accountId, app.stackName)['AWS::Partition'];
  const warnings: string[] = [];
  const read = (policy: PolicyDocumentSpec) => {
    const parsed = parsePolicyDocument(policy.document, policy.source);
    warnings.push(...parsed.problems);
    return parsed.statements;
  };

  const customer = new Map(app.managedPolicies.map((p) => [p.arn, p.policy]));
  const managed = new Map<string, readonly PolicyStatement[]>();
  const managedStatements = (arn: string, role: string): readonly PolicyStatement[] => {
    const known = managed.get(arn);
    if (known) return known;
    let statements: readonly PolicyStatement[] = [];
    const mine = customer.get(arn);
    const aws = mine ? undefined : awsManagedPolicy(arn);
    if (mine) statements = read(mine);
    else if (aws) statements = read({ source: `AWS managed policy ${arn}`, document: aws });
    else if (isAwsManagedPolicy(arn)) {
      warnings.push(`role ${role}: the emulator does not know the AWS managed policy ${arn}, so it grants nothing here (${IAM_OFF_HINT})`);
    } else {
      warnings.push(`role ${role}: the managed policy ${arn} is not in the template, so it grants nothing here (${IAM_OFF_HINT})`);
    }
    managed.set(arn, statements);
    return statements;
  };

  const byRole = new Map<string, readonly PolicyStatement[]>();
  for (const role of app.roles) {
    byRole.set(role.arn, [
      ...role.policies.flatMap(read),
      ...role.managedPolicyArns.flatMap((arn) => managedStatements(arn, role.logicalId)),
    ]);
  }

  const arnOf = (name: string) => `arn:${partition}:lambda:${app.region}:${app.accountId}:function:${name}`;
  const functionArns = new Map([...app.functions.values()].map((f) => [f.logicalId, arnOf(f.functionName)]));
  for (const fn of app.functions.values()) {
    if (fn.unsupported) continue;
    if (fn.roleArn === undefined) {
      warnings.push(
        `function ${fn.logicalId} has no execution role the emulator can read, so none of its AWS calls is allowed (${IAM_OFF_HINT})`,
      );
    } else if (!byRole.has(fn.roleArn)) {
      warnings.push(
        `function ${fn.logicalId}'s role ${fn.roleArn} is not in the template: the emulator knows none of its policies, so none of its AWS calls is allowed (${IAM_OFF_HINT})`,
      );
    }
  }

  const byFunction = new Map<string, PolicyStatement[]>();
  for (const permission of app.lambdaPermissions) {
    const arn = permission.functionLogicalId === undefined ? undefined : functionArns.get(permission.functionLogicalId);
    // Function URLs are not emulated, and their permissions allow only InvokeFunctionUrl.
    if (arn === undefined || permission.functionUrlAuthType !== undefined) continue;
    byFunction.set(permission.functionLogicalId!, [
      ...(byFunction.get(permission.functionLogicalId!) ?? []),
      permissionStatement(permission, arn),
    ]);
  }

  const byArn = new Map([...functionArns].map(([id, arn]) => [arn, id]));
  return {
    identityStatements: (roleArn) => byRole.get(roleArn),
    functionPolicy: (id) => byFunction.get(id) ?? [],
    functionArn: (id) => functionArns.get(id),
    functionOfArn: (arn) => byArn.get(/^(arn:[^:]+:lambda:[^:]+:[^:]+:function:[^:]+)/.exec(arn)?.[1] ?? arn),
    partition,
    warnings,
  };
}
