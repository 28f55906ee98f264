/**
 * What the emulator runs, as read from one stack of a cloud assembly: the WebSocket API, its
 * routes and their functions, the other functions, the tables and the user pools. The resource
 * readers (resources/) contribute it; the gateway, the runtime, the store and the issuer consume it.
 */

/** A Lambda function the emulator can run. */
export interface FunctionSpec {
  readonly logicalId: string;
  /** The physical function name (AWS_LAMBDA_FUNCTION_NAME). */
  readonly functionName: string;
  /** Absolute path of the bundled asset folder. */
  readonly codeDir: string;
  /** `file.export`, e.g. `index.handler`. */
  readonly handler: string;
  readonly runtime: string;
  readonly timeoutSeconds: number;
  readonly memorySize: number;
  /** Environment variables with intrinsics resolved (callback URLs not yet rewritten). */
  readonly environment: Record<string, string>;
  /** The execution role's ARN (the `Role` property, resolved), which IAM evaluates its calls against. */
  readonly roleArn?: string;
  /** Why the emulator cannot run this function (a runtime other than Node.js); its invocations fail with 500. */
  readonly unsupported?: string;
}

/** A Lambda REQUEST authorizer attached to a route. */
export interface AuthorizerSpec {
  readonly logicalId: string;
  readonly name: string;
  readonly functionLogicalId: string;
  /** e.g. `route.request.querystring.token`, `route.request.header.Authorization`. */
  readonly identitySources: readonly string[];
}

export interface AssemblyRoute {
  readonly routeKey: string;
  /** The integrated function, or undefined when the integration is not a Lambda proxy. */
  readonly functionLogicalId?: string;
  readonly authorizer?: AuthorizerSpec;
  /** True when the route has a `$default` route response (a two-way route). */
  readonly hasRouteResponse: boolean;
}

export interface TableSpec {
  readonly logicalId: string;
  readonly tableName: string;
  readonly keySchema: unknown[];
  readonly attributeDefinitions: unknown[];
  readonly globalSecondaryIndexes: unknown[];
  readonly localSecondaryIndexes: unknown[];
  /** The TTL attribute: dynalite does not expire items, so the store's TTL sweeper deletes those past it. */
  readonly ttlAttribute?: string;
}

/** A Cognito user pool (local pool id = what `Ref` gives) and its app client ids, for the local issuer. */
export interface UserPoolSpec {
  readonly poolId: string;
  readonly clientIds: readonly string[];
}

/** An SQS queue with its attributes as the template sets them, AWS's defaults filled in. */
export interface QueueSpec {
  readonly logicalId: string;
  /** The physical name: QueueName, else CloudFormation's generated name (`.fifo` for a FIFO queue). */
  readonly queueName: string;
  /** What `Ref` gives: `https://sqs.<region>.<suffix>/<account>/<name>`. */
  readonly queueUrl: string;
  readonly arn: string;
  readonly fifo: boolean;
  readonly visibilityTimeoutSeconds: number;
  readonly messageRetentionSeconds: number;
  readonly delaySeconds: number;
  readonly receiveMessageWaitSeconds: number;
  readonly maximumMessageSize: number;
  readonly contentBasedDeduplication: boolean;
  /** FIFO: whether deduplication ids are unique per queue or per message group. */
  readonly deduplicationScope: 'queue' | 'messageGroup';
  readonly fifoThroughputLimit: 'perQueue' | 'perMessageGroupId';
  /** Where messages go after `maxReceiveCount` receives. */
  readonly redrivePolicy?: { readonly deadLetterTargetArn: string; readonly maxReceiveCount: number };
}

/** An AWS::Lambda::EventSourceMapping from an SQS queue: Lambda polls the queue and invokes the function with batches. */
export interface EventSourceMappingSpec {
  readonly logicalId: string;
  readonly functionLogicalId: string;
  /** The queue's ARN (EventSourceArn). */
  readonly queueArn: string;
  readonly batchSize: number;
  readonly maximumBatchingWindowSeconds: number;
  /** FunctionResponseTypes has ReportBatchItemFailures: the function names the records that failed. */
  readonly reportBatchItemFailures: boolean;
  /** ScalingConfig.MaximumConcurrency: at most this many batches at once. @default the emulator's own bound */
  readonly maximumConcurrency?: number;
  readonly enabled: boolean;
}

/** Everything the emulator needs from one stack. */
export interface WebSocketAppSpec {
  readonly assemblyDir: string;
  readonly stackName: string;
  readonly region: string;
  readonly accountId: string;
  readonly urlSuffix: string;
  readonly apiLogicalId: string;
  readonly apiName: string;
  /** The local API id, used in apiId, methodArn and the callback URL that gets rewritten. */
  readonly apiId: string;
  readonly stage: string;
  readonly stageVariables: Record<string, string>;
  readonly routeSelectionExpression: string;
  readonly routes: ReadonlyMap<string, AssemblyRoute>;
  readonly functions: ReadonlyMap<string, FunctionSpec>;
  readonly tables: readonly TableSpec[];
  readonly userPools: readonly UserPoolSpec[];
  readonly queues: readonly QueueSpec[];
  readonly eventSourceMappings: readonly EventSourceMappingSpec[];
  /** The stack's outputs as they resolve locally (e.g. a function name output is the emulator's name for it); unresolvable ones are left out. */
  readonly outputs: Readonly<Record<string, string>>;
  /** Values that could not be resolved and were left empty. */
  readonly warnings: readonly string[];
}

/** The spec's fields that the stack and its chosen API fix before any resource is read. */
type FixedKey = 'assemblyDir' | 'stackName' | 'region' | 'accountId' | 'urlSuffix' | 'apiLogicalId' | 'apiId' | 'outputs';

/** A field as readers fill it in: maps and lists they can add to. */
type Writable<T> = T extends ReadonlyMap<infer K, infer V> ? Map<K, V> : T extends readonly (infer E)[] ? E[] : T;

/** The fields resource readers contribute, open for writing while the stack is read. */
export type SpecDraft = { -readonly [K in Exclude<keyof WebSocketAppSpec, FixedKey>]: Writable<WebSocketAppSpec[K]> };

/**
 * A draft with nothing read yet. The API's name, selection expression and stage are set by the
 * WebSocket API's readers (resources/apigatewayv2.ts), which run for every stack.
 */
export function emptySpecDraft(): SpecDraft {
  return {
    apiName: '',
    stage: '',
    stageVariables: {},
    routeSelectionExpression: '',
    routes: new Map(),
    functions: new Map(),
    tables: [],
    userPools: [],
    queues: [],
    eventSourceMappings: [],
    warnings: [],
  };
}
