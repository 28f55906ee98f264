/**
 * AWS::Lambda::Function: the functions the emulator runs. Those the API needs (routes,
 * authorizers) are read when the API's readers ask for them and must run; every other Node.js
 * function is served too, through the local Lambda Invoke API, or left out with a warning.
 */
import { existsSync, statSync } from 'node:fs';
import * as path from 'node:path';
import type { FunctionSpec } from '../app-spec';
import { AssemblyError } from '../assembly-error';
import { IntrinsicError } from '../intrinsics';
import { findGetAtt } from '../template';
import { generatedName, literalName, regionalArn, type ResourceReader, type StackReading } from './reader';

export const LAMBDA_FUNCTION = 'AWS::Lambda::Function';

/** What Lambda uses when a function's template sets no Timeout or MemorySize. */
export const LAMBDA_DEFAULTS = { timeoutSeconds: 3, memorySize: 128 } as const;

/** Lambda's limit on a function name's length. */
const FUNCTION_NAME_MAX_LENGTH = 64;

export const functionReader: ResourceReader = {
  types: [LAMBDA_FUNCTION],
  physicalId: (resource, stack) =>
    literalName(resource.properties.FunctionName) ?? generatedName(stack, resource.logicalId, FUNCTION_NAME_MAX_LENGTH),
  attributes: {
    Arn: (resource, stack) => regionalArn(stack, 'lambda', `function:${resource.physicalId}`),
  },
  // After the API's readers: these are the functions no route or authorizer named. Backends
  // invoke them through the local Lambda Invoke API (the publish function, for one). A Node
  // function that cannot run here is left out with a warning; other runtimes (mostly CDK's custom
  // resource providers) silently.
  contribute(resources, reading) {
    for (const { logicalId, properties } of resources) {
      if (reading.spec.functions.has(logicalId)) continue;
      try {
        if (reading.stringProperty(properties.Runtime, '').startsWith('nodejs')) readFunction(reading, logicalId);
      } catch (err: unknown) {
        if (!(err instanceof AssemblyError || err instanceof IntrinsicError)) throw err;
        reading.spec.warnings.push(`function ${logicalId} is not served by the local Lambda Invoke API: ${err.message}`);
      }
    }
  },
};

/** The Lambda function of this stack that an integration or authorizer URI names with `Fn::GetAtt`. */
export function functionInUri(reading: StackReading, uri: unknown): string | undefined {
  return findGetAtt(uri, (id) => reading.resource(id)?.type === LAMBDA_FUNCTION);
}

/**
 * The function with this logical id, added to the spec the first time it is asked for. A function
 * on another runtime is kept, marked unsupported (its invocations answer 500); a Node function
 * without a bundled asset folder throws AssemblyError.
 */
export function readFunction(reading: StackReading, logicalId: string): FunctionSpec {
  const existing = reading.spec.functions.get(logicalId);
  if (existing) return existing;
  const spec = functionSpec(reading, logicalId);
  reading.spec.functions.set(logicalId, spec);
  return spec;
}

function functionSpec(reading: StackReading, logicalId: string): FunctionSpec {
  const { properties, metadata } = reading.resource(logicalId)!;
  const runtime = reading.stringProperty(properties.Runtime, '');
  const common = {
    logicalId,
    functionName: reading.physicalId(logicalId),
    runtime,
    timeoutSeconds: Number(properties.Timeout ?? LAMBDA_DEFAULTS.timeoutSeconds),
    memorySize: Number(properties.MemorySize ?? LAMBDA_DEFAULTS.memorySize),
    roleArn: roleArnOf(reading, properties),
    reservedConcurrency: reservedConcurrencyOf(reading, logicalId, properties),
  };
  if (!runtime.startsWith('nodejs')) {
    // Listed at start and answered with 500, never a reason to refuse the whole app.
    return {
      ...common,
      codeDir: '',
      handler: reading.stringProperty(properties.Handler, ''),
      environment: {},
      unsupported: `runtime "${runtime || '(none)'}" is not a Node.js runtime; the emulator runs only Node.js functions`,
    };
  }
  return {
    ...common,
    activeTracing: reading.stringProperty((properties.TracingConfig as { Mode?: unknown } | undefined)?.Mode, 'PassThrough') === 'Active',
    codeDir: assetFolder(reading, logicalId, properties, metadata),
    environment: environmentVariables(reading, logicalId, properties),
    handler: reading.stringProperty(properties.Handler, 'index.handler'),
  };
}

/** The execution role's ARN (`Role`, usually `Fn::GetAtt [Role, Arn]`), or undefined when it does not resolve. */
function roleArnOf(reading: StackReading, properties: Readonly<Record<string, unknown>>): string | undefined {
  if (properties.Role === undefined) return undefined;
  try {
    return reading.resolveString(properties.Role);
  } catch (err: unknown) {
    if (err instanceof IntrinsicError) return undefined;
    throw err;
  }
}

/**
 * ReservedConcurrentExecutions: the most executions the function may have at once, kept from the
 * account's other functions (0: every invocation is throttled). Undefined when the template sets
 * none, or a value that does not resolve here (left out, with a warning).
 */
function reservedConcurrencyOf(
  reading: StackReading,
  logicalId: string,
  properties: Readonly<Record<string, unknown>>,
): number | undefined {
  if (properties.ReservedConcurrentExecutions === undefined) return undefined;
  let text: string;
  try {
    text = reading.resolveString(properties.ReservedConcurrentExecutions);
  } catch (err: unknown) {
    if (!(err instanceof IntrinsicError)) throw err;
    reading.spec.warnings.push(`function ${logicalId}: ReservedConcurrentExecutions left out (not limited here): ${err.message}`);
    return undefined;
  }
  if (!/^\d+$/.test(text)) {
    throw new AssemblyError(
      `function ${logicalId}: ReservedConcurrentExecutions must be a whole number of executions (0 or more); got "${text}"`,
    );
  }
  return Number(text);
}

/** The bundled asset folder of a function's code. */
function assetFolder(
  reading: StackReading,
  logicalId: string,
  properties: Readonly<Record<string, unknown>>,
  metadata: Readonly<Record<string, unknown>>,
): string {
  // Asset metadata is on by default in the CDK CLI; without it, the S3 key names the asset hash.
  const s3Key = (properties.Code as { S3Key?: unknown } | undefined)?.S3Key;
  const hashFromKey = typeof s3Key === 'string' ? /^([a-f0-9]{64})\.zip$/.exec(s3Key)?.[1] : undefined;
  const assetPath = metadata['aws:asset:path'] ?? (hashFromKey ? `asset.${hashFromKey}` : undefined);
  if (typeof assetPath !== 'string') {
    throw new AssemblyError(
      `function ${logicalId} has no "aws:asset:path" metadata; only asset-bundled code (e.g. NodejsFunction) can run locally`,
    );
  }
  const codeDir = path.resolve(reading.stack.assemblyDir, assetPath);
  if (!existsSync(codeDir) || !statSync(codeDir).isDirectory()) {
    throw new AssemblyError(`function ${logicalId}: asset ${codeDir} is not a folder (zip assets are not supported)`);
  }
  return codeDir;
}

/** The function's environment variables, resolved; one that cannot be resolved is left empty, with a warning. */
function environmentVariables(
  reading: StackReading,
  logicalId: string,
  properties: Readonly<Record<string, unknown>>,
): Record<string, string> {
  const variables = (properties.Environment as { Variables?: Record<string, unknown> } | undefined)?.Variables ?? {};
  const environment: Record<string, string> = {};
  for (const [key, value] of Object.entries(variables)) {
    try {
      environment[key] = reading.resolveString(value);
    } catch (err: unknown) {
      if (!(err instanceof IntrinsicError)) throw err;
      reading.spec.warnings.push(`function ${logicalId}: environment variable ${key} left empty: ${err.message}`);
      environment[key] = '';
    }
  }
  return environment;
}
