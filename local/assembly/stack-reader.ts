/**
 * Reads one stack's template into the app spec, through the resource readers: every resource is
 * named first (physical ids), since `Ref`, `Fn::GetAtt` and ARNs resolve to those names; then each
 * reader, in the table's order, contributes what its resources mean; the outputs resolve last.
 */
import { emptySpecDraft, type WebSocketAppSpec } from './app-spec';
import { AssemblyError } from './assembly-error';
import { IntrinsicError, pseudoParameters, resolveString, resolveValue, type IntrinsicContext } from './intrinsics';
import { websocketApiIds } from './resources/apigatewayv2';
import {
  genericAttribute,
  type NamedResource,
  type ResourceReader,
  type StackIdentity,
  type StackReading,
  type StackResource,
} from './resources/reader';
import type { Template } from './template';

/** One stack of an assembly, as listed in its manifest. */
export interface StackInput {
  readonly assemblyDir: string;
  readonly stackName: string;
  readonly template: Template;
  /** The stack's region and account from the manifest, when it names them. */
  readonly region?: string;
  readonly accountId?: string;
}

/** The account the emulator uses when the stack's environment names none. */
const LOCAL_ACCOUNT_ID = '123456789012';

/** Reads the stack into the app spec with `readers`, one per resource type they name. */
export function readStack(input: StackInput, readers: readonly ResourceReader[]): WebSocketAppSpec {
  const { stackName, template } = input;
  const apiIds = websocketApiIds(template);
  if (apiIds.length > 1) {
    throw new AssemblyError(`stack ${stackName} defines several WebSocket APIs; the emulator runs one API per stack`);
  }
  const [apiLogicalId] = apiIds;
  const region = input.region ?? process.env.AWS_REGION ?? process.env.AWS_DEFAULT_REGION ?? 'us-east-1';
  const accountId = input.accountId ?? LOCAL_ACCOUNT_ID;
  const pseudo = pseudoParameters(region, accountId, stackName);
  const stack: StackIdentity = {
    assemblyDir: input.assemblyDir,
    stackName,
    region,
    accountId,
    partition: pseudo['AWS::Partition'],
    urlSuffix: pseudo['AWS::URLSuffix'],
  };
  const readerOf = readersByType(readers);
  const resources = namedResources(template, readerOf, stack);
  const intrinsics = localIntrinsics(template, resources, readerOf, stack, pseudo);

  const spec = emptySpecDraft();
  const all = [...resources.values()];
  const reading: StackReading = {
    stack,
    apiLogicalId,
    spec,
    resource: (logicalId) => resources.get(logicalId),
    resourcesOfType: (type) => all.filter((r) => r.type === type),
    physicalId: (logicalId) => resources.get(logicalId)?.physicalId ?? logicalId,
    ref: (logicalId) => intrinsics.ref(logicalId),
    resolveValue: (value) => resolveValue(value, intrinsics),
    resolveString: (value) => resolveString(value, intrinsics),
    stringProperty: (value, fallback) => (value === undefined ? fallback : resolveString(value, intrinsics)),
  };
  for (const reader of readers) {
    reader.contribute?.(
      all.filter((r) => reader.types.includes(r.type)),
      reading,
    );
  }

  return {
    assemblyDir: stack.assemblyDir,
    stackName,
    region,
    accountId,
    urlSuffix: stack.urlSuffix,
    apiLogicalId,
    apiId: resources.get(apiLogicalId)!.physicalId,
    ...spec,
    outputs: resolvedOutputs(template, intrinsics),
  };
}

/** Every resource of the template with its physical id, which its reader gives from literals alone. */
function namedResources(
  template: Template,
  readerOf: ReadonlyMap<string, ResourceReader>,
  stack: StackIdentity,
): Map<string, NamedResource> {
  const resources = new Map<string, NamedResource>();
  for (const [logicalId, r] of Object.entries(template.Resources ?? {})) {
    const resource: StackResource = { logicalId, type: r.Type, properties: r.Properties ?? {}, metadata: r.Metadata ?? {} };
    resources.set(logicalId, { ...resource, physicalId: readerOf.get(r.Type)?.physicalId?.(resource, stack) ?? logicalId });
  }
  return resources;
}

/** What `Ref` and `Fn::GetAtt` mean here: a parameter's default, else what the resource's reader answers. */
function localIntrinsics(
  template: Template,
  resources: ReadonlyMap<string, NamedResource>,
  readerOf: ReadonlyMap<string, ResourceReader>,
  stack: StackIdentity,
  pseudo: Readonly<Record<string, string>>,
): IntrinsicContext {
  const parameters = template.Parameters ?? {};
  const context: IntrinsicContext = {
    pseudo,
    ref(logicalId) {
      if (Object.hasOwn(parameters, logicalId)) {
        const fallback = parameters[logicalId].Default;
        return fallback === undefined ? '' : scalarText(fallback);
      }
      const resource = resources.get(logicalId);
      if (!resource) return undefined;
      return readerOf.get(resource.type)?.ref?.(resource, stack) ?? resource.physicalId;
    },
    getAtt(logicalId, attribute) {
      const resource = resources.get(logicalId);
      if (!resource) return undefined;
      const attributes = readerOf.get(resource.type)?.attributes ?? {};
      return Object.hasOwn(attributes, attribute)
        ? attributes[attribute](resource, stack, (value) => resolveString(value, context))
        : genericAttribute(resource, attribute, stack);
    },
  };
  return context;
}

/** Each type's reader; two readers for one type are a mistake in the table. */
function readersByType(readers: readonly ResourceReader[]): Map<string, ResourceReader> {
  const byType = new Map<string, ResourceReader>();
  for (const reader of readers) {
    for (const type of reader.types) {
      if (byType.has(type)) throw new AssemblyError(`two resource readers are registered for ${type}; each type needs exactly one`);
      byType.set(type, reader);
    }
  }
  return byType;
}

/** The outputs that resolve locally; the others are left out. */
function resolvedOutputs(template: Template, intrinsics: IntrinsicContext): Record<string, string> {
  const outputs: Record<string, string> = {};
  for (const [name, output] of Object.entries(template.Outputs ?? {})) {
    try {
      outputs[name] = resolveString(output.Value, intrinsics);
    } catch (err: unknown) {
      if (!(err instanceof IntrinsicError)) throw err;
    }
  }
  return outputs;
}

/** A template scalar (a parameter default) as text; lists and objects as JSON. */
function scalarText(value: unknown): string {
  if (typeof value === 'string') return value;
  if (typeof value === 'number' || typeof value === 'boolean') return String(value);
  return JSON.stringify(value);
}
