/**
 * What the emulator runs, as read from one stack of a cloud assembly: the WebSocket API, its
 * routes and their functions, the other functions, the tables, the user pools, and the event
 * buses and rules. The resource readers (resources/) contribute it; the gateway, the runtime and
 * the services consume it.
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
  /** Whether X-Ray samples its invocations (`TracingConfig.Mode: Active`): the `Sampled` flag of its `_X_AMZN_TRACE_ID`. @default false */
  readonly activeTracing?: boolean;
  /** ReservedConcurrentExecutions: at most this many executions at once (0: always throttled); undefined: the account's unreserved pool. */
  readonly reservedConcurrency?: number;
  /** Why the emulator cannot run this function (a runtime other than Node.js); its invocations fail with 500. */
  readonly unsupported?: string;
}

/** A Lambda REQUEST authorizer attached to a route. */
export interface AuthorizerSpec {
  readonly logicalId: string;
  /** Its id (what `Ref` gives), which the source ARN of its invocations names: `<api ARN>/authorizers/<id>`. */
  readonly id: string;
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

/** A user pool's rules for passwords (Policies.PasswordPolicy), which AdminSetUserPassword enforces. */
export interface PasswordPolicySpec {
  readonly minimumLength: number;
  readonly requireUppercase: boolean;
  readonly requireLowercase: boolean;
  readonly requireNumbers: boolean;
  readonly requireSymbols: boolean;
}

/** An app client of a user pool, as Cognito checks a sign-in against it. */
export interface UserPoolClientSpec {
  readonly logicalId: string;
  /** What `Ref` gives: 26 lowercase letters and digits, as Cognito makes them. */
  readonly clientId: string;
  /** ExplicitAuthFlows as the template sets them, or Cognito's default set when it sets none. */
  readonly authFlows: readonly string[];
  /** GenerateSecret: such a client's sign-ins carry a SECRET_HASH. */
  readonly hasSecret: boolean;
  /** How long its ID and access tokens are valid (IdTokenValidity, AccessTokenValidity in TokenValidityUnits). */
  readonly idTokenSeconds: number;
  readonly accessTokenSeconds: number;
}

/** A Cognito user pool: its AWS-shaped id (what `Ref` gives), its app clients and its rules, for the local Cognito. */
export interface UserPoolSpec {
  readonly logicalId: string;
  /** `<region>_<9 letters and digits>`, as Cognito makes them. */
  readonly poolId: string;
  /** `arn:aws:cognito-idp:<region>:<account>:userpool/<poolId>`: what IAM policies name. */
  readonly arn: string;
  readonly clients: readonly UserPoolClientSpec[];
  readonly passwordPolicy: PasswordPolicySpec;
  /** UsernameConfiguration.CaseSensitive: whether `Alice` and `alice` are two users. */
  readonly caseSensitive: boolean;
}

/** An EventBridge event bus: the account's `default` bus, and each of the template's. */
export interface EventBusSpec {
  /** Undefined for the default bus, which every account has. */
  readonly logicalId?: string;
  /** Its Name: what `Ref` gives, and what PutEvents entries name. */
  readonly name: string;
  /** `arn:aws:events:<region>:<account>:event-bus/<name>` */
  readonly arn: string;
}

/** Where a rule sends a matched event, and in what form. */
export interface EventTargetSpec {
  readonly id: string;
  readonly arn: string;
  /** The Lambda function the ARN names; undefined for another kind of target, which the emulator does not deliver to. */
  readonly functionLogicalId?: string;
  /** A constant JSON text sent instead of the event. */
  readonly input?: string;
  /** A JSONPath of the part of the event to send. */
  readonly inputPath?: string;
  readonly inputTransformer?: { readonly inputPathsMap: Readonly<Record<string, string>>; readonly inputTemplate: string };
}

/** An EventBridge rule: which events on its bus it matches, and where they go. */
export interface EventRuleSpec {
  readonly logicalId: string;
  readonly name: string;
  /** `arn:aws:events:<region>:<account>:rule/<name>`, or `rule/<bus>/<name>` on a bus of the app's. */
  readonly arn: string;
  readonly busName: string;
  /** ENABLED (the default), DISABLED, or ENABLED_WITH_ALL_CLOUDTRAIL_MANAGEMENT_EVENTS. */
  readonly state: string;
  /** The EventPattern, parsed when the template gives it as JSON text; undefined for a schedule. */
  readonly eventPattern?: unknown;
  /** A ScheduleExpression: scheduled rules are not run by the emulator. */
  readonly scheduleExpression?: string;
  readonly targets: readonly EventTargetSpec[];
}

/** A policy document as the template holds it, intrinsics resolved, and where it was written. */
export interface PolicyDocumentSpec {
  /** For logs, e.g. `policy FnRoleDefaultPolicy (AWS::IAM::Policy)`. */
  readonly source: string;
  readonly document: unknown;
}

/** An IAM role of the stack: the identity policies its sessions (a function's AWS calls) are authorized against. */
export interface RoleSpec {
  readonly logicalId: string;
  readonly roleName: string;
  readonly arn: string;
  /** Its inline policies: its `Policies`, and the AWS::IAM::Policy and AWS::IAM::RolePolicy resources that name it. */
  readonly policies: readonly PolicyDocumentSpec[];
  /** The managed policies attached: its `ManagedPolicyArns`, and the AWS::IAM::ManagedPolicy resources that name it in `Roles`. */
  readonly managedPolicyArns: readonly string[];
}

/** A customer managed policy of the stack (AWS::IAM::ManagedPolicy), found by its ARN. */
export interface ManagedPolicySpec {
  readonly logicalId: string;
  readonly arn: string;
  readonly policy: PolicyDocumentSpec;
}

/** An AWS::Lambda::Permission: one statement of a function's resource-based policy. */
export interface LambdaPermissionSpec {
  readonly logicalId: string;
  /** The function of the stack it is for; undefined when its FunctionName names none. */
  readonly functionLogicalId?: string;
  /** e.g. `lambda:InvokeFunction`. */
  readonly action: string;
  /** A service principal (`apigateway.amazonaws.com`), an account id, an ARN, or `*`. */
  readonly principal: string;
  readonly sourceArn?: string;
  readonly sourceAccount?: string;
  readonly principalOrgId?: string;
  /** Set on permissions for function URLs, which are another action's. */
  readonly functionUrlAuthType?: string;
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
  /** The IAM roles, what functions' calls are authorized against. */
  readonly roles: readonly RoleSpec[];
  /** The stack's customer managed policies. */
  readonly managedPolicies: readonly ManagedPolicySpec[];
  /** The functions' resource-based policies, statement by statement: who may invoke them. */
  readonly lambdaPermissions: readonly LambdaPermissionSpec[];
  readonly eventBuses: readonly EventBusSpec[];
  readonly eventRules: readonly EventRuleSpec[];
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
    roles: [],
    managedPolicies: [],
    lambdaPermissions: [],
    eventBuses: [],
    eventRules: [],
    queues: [],
    eventSourceMappings: [],
    warnings: [],
  };
}
