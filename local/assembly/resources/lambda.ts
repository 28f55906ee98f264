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
import { findGetAtt, findRef } from '../template';
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

/** Lambda's limits on an SQS event source mapping (CreateEventSourceMapping). */
export const SQS_EVENT_SOURCE_LIMITS = {
  defaultBatchSize: 10,
  maxBatchSizeStandard: 10_000,
  maxBatchSizeFifo: 10,
  /** A batch size above this needs a batching window of at least a second. */
  batchSizeWithoutWindow: 10,
  maxBatchingWindowSeconds: 300,
  minMaximumConcurrency: 2,
  maxMaximumConcurrency: 1000,
} as const;

/**
 * AWS::Lambda::EventSourceMapping from an SQS queue of the stack: Lambda polls it for the function.
 * A mapping AWS would refuse, or from a source the emulator does not run (Kinesis, streams), is
 * left out with a warning. After the queues' reader, whose queues it names.
 */
export const eventSourceMappingReader: ResourceReader = {
  types: ['AWS::Lambda::EventSourceMapping'],
  contribute(resources, reading) {
    for (const resource of resources) {
      const problem = (text: string) => reading.spec.warnings.push(`event source mapping ${resource.logicalId} is not run: ${text}`);
      let props: Record<string, unknown>;
      try {
        props = reading.resolveValue(resource.properties) as Record<string, unknown>;
      } catch (err: unknown) {
        if (!(err instanceof IntrinsicError)) throw err;
        problem(err.message);
        continue;
      }
      const source = typeof props.EventSourceArn === 'string' ? props.EventSourceArn : '';
      const queue = reading.spec.queues.find((q) => q.arn === source);
      if (!queue) {
        problem(`its source ${source || '(none)'} is not an SQS queue of this stack; the emulator polls SQS queues only`);
        continue;
      }
      const functionLogicalId = mappedFunction(reading, resource.properties.FunctionName, props.FunctionName);
      if (!functionLogicalId) {
        problem(`its FunctionName ${JSON.stringify(props.FunctionName)} names no function the emulator runs`);
        continue;
      }
      const limits = SQS_EVENT_SOURCE_LIMITS;
      const batchSize = Number(props.BatchSize ?? limits.defaultBatchSize);
      const window = Number(props.MaximumBatchingWindowInSeconds ?? 0);
      const maxBatch = queue.fifo ? limits.maxBatchSizeFifo : limits.maxBatchSizeStandard;
      if (!Number.isInteger(batchSize) || batchSize < 1 || batchSize > maxBatch) {
        problem(`BatchSize ${String(props.BatchSize)} must be from 1 to ${maxBatch} for ${queue.fifo ? 'a FIFO' : 'a standard'} queue`);
        continue;
      }
      if (!(window >= 0 && window <= limits.maxBatchingWindowSeconds)) {
        problem(
          `MaximumBatchingWindowInSeconds ${String(props.MaximumBatchingWindowInSeconds)} must be from 0 to ${limits.maxBatchingWindowSeconds}`,
        );
        continue;
      }
      if (batchSize > limits.batchSizeWithoutWindow && window < 1) {
        problem(`a BatchSize over ${limits.batchSizeWithoutWindow} needs MaximumBatchingWindowInSeconds of at least 1`);
        continue;
      }
      const scaling = props.ScalingConfig as { MaximumConcurrency?: unknown } | undefined;
      const maximumConcurrency = scaling?.MaximumConcurrency === undefined ? undefined : Number(scaling.MaximumConcurrency);
      if (
        maximumConcurrency !== undefined &&
        !(
          Number.isInteger(maximumConcurrency) &&
          maximumConcurrency >= limits.minMaximumConcurrency &&
          maximumConcurrency <= limits.maxMaximumConcurrency
        )
      ) {
        problem(
          `ScalingConfig.MaximumConcurrency ${String(scaling?.MaximumConcurrency)} must be from ${limits.minMaximumConcurrency} to ${limits.maxMaximumConcurrency}`,
        );
        continue;
      }
      const timeout = reading.spec.functions.get(functionLogicalId)!.timeoutSeconds;
      if (queue.visibilityTimeoutSeconds < timeout) {
        // Lambda refuses it too: a batch still running would become visible again and run twice.
        problem(
          `the queue's visibility timeout (${queue.visibilityTimeoutSeconds} s) is shorter than the function's timeout (${timeout} s)`,
        );
        continue;
      }
      const responseTypes = Array.isArray(props.FunctionResponseTypes) ? (props.FunctionResponseTypes as unknown[]) : [];
      reading.spec.eventSourceMappings.push({
        logicalId: resource.logicalId,
        functionLogicalId,
        queueArn: queue.arn,
        batchSize,
        maximumBatchingWindowSeconds: window,
        reportBatchItemFailures: responseTypes.includes('ReportBatchItemFailures'),
        ...(maximumConcurrency !== undefined && { maximumConcurrency }),
        enabled: props.Enabled !== false && props.Enabled !== 'false',
      });
    }
  },
};

/**
 * The function a mapping's FunctionName names: a `Ref` or `Fn::GetAtt` of one of the stack's
 * functions, or a name or ARN (optionally qualified, as Lambda takes it) that resolves to one.
 */
function mappedFunction(reading: StackReading, written: unknown, resolved: unknown): string | undefined {
  const isFunction = (id: string) => reading.resource(id)?.type === LAMBDA_FUNCTION;
  const byIntrinsic = findGetAtt(written, isFunction) ?? findRef(written, isFunction);
  const name = typeof resolved === 'string' ? resolved : '';
  const byName = [...reading.spec.functions.values()].find((f) => {
    const arn = regionalArn(reading.stack, 'lambda', `function:${f.functionName}`);
    return [f.functionName, arn].some((candidate) => name === candidate || name.startsWith(`${candidate}:`));
  })?.logicalId;
  const logicalId = byIntrinsic ?? byName;
  return logicalId !== undefined && reading.spec.functions.has(logicalId) ? logicalId : undefined;
}
