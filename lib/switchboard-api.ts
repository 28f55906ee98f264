import { Duration, RemovalPolicy, Validations } from 'aws-cdk-lib';
import * as apigw from 'aws-cdk-lib/aws-apigateway';
import * as apigwv2 from 'aws-cdk-lib/aws-apigatewayv2';
import { WebSocketLambdaIntegration } from 'aws-cdk-lib/aws-apigatewayv2-integrations';
import type * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import * as iam from 'aws-cdk-lib/aws-iam';
import { SqsEventSource } from 'aws-cdk-lib/aws-lambda-event-sources';
import * as logs from 'aws-cdk-lib/aws-logs';
import { Construct } from 'constructs';
import { ENV, ruleClaimNames, STACK_DEFAULTS } from '../contract';
import { PUBLISH_FUNCTION } from '../protocol/publish';
import { addApiOutput, type ApiOutputName, checkOutputNames } from './api-outputs';
import { apiSettings, type ApiSettings } from './api-settings';
import { ConnectionsTable } from './connections-table';
import { CustomDomain } from './custom-domain';
import { FanoutQueue } from './fanout-queue';
import { acknowledgeWildcards } from './nag';
import { FANOUT_WORKER_DEFINITION, PUBLISH_FUNCTION_DEFINITION, type FunctionDefinition } from './routes';
import { SwitchboardAuth } from './switchboard-auth';
import type { SwitchboardApiProps } from './switchboard-api-props';
import { SwitchboardFunction } from './switchboard-function';
import { SwitchboardMonitoring } from './switchboard-monitoring';

export type { ExtraRoute, RateLimitProps, SwitchboardApiProps, ThrottleProps } from './switchboard-api-props';

/**
 * A Switchboard WebSocket API: API Gateway WebSocket API and auto-deploying
 * stage, one Lambda function per route, and the DynamoDB table of connections
 * and room memberships; by default also its alarms and dashboard, and the
 * stack outputs that name where to connect (see the props `monitoring` and `outputs`).
 */
export class SwitchboardApi extends Construct {
  public readonly api: apigwv2.WebSocketApi;
  public readonly stage: apigwv2.WebSocketStage;
  /** The table, with the grants of each function's actions. */
  public readonly connections: ConnectionsTable;
  /** The table itself (`connections.table`). */
  public readonly table: dynamodb.Table;
  /** The function behind each route, by route key. */
  public readonly functions: Readonly<Record<string, SwitchboardFunction>>;
  /** Each route, by route key. */
  public readonly routes: Readonly<Record<string, apigwv2.WebSocketRoute>>;
  /** Where clients connect: `wss://<apiId>.execute-api.<region>.amazonaws.com/<stage>`, or `wss://<domainName>` with a custom domain. */
  public readonly webSocketUrl: string;
  /**
   * `https://<apiId>.execute-api.<region>.amazonaws.com/<stage>`: the `@connections` management
   * endpoint, the functions' and backends' own, on the execute-api host even with a custom domain.
   */
  public readonly callbackUrl: string;
  /** The custom domain, with `domainName`. */
  public readonly domain?: CustomDomain;
  /** The alarms and dashboard, unless `monitoring` is false. */
  public readonly monitoring?: SwitchboardMonitoring;
  /** The `$connect` authorizer and, for Cognito, the user pool. */
  public readonly auth: SwitchboardAuth;
  /**
   * The Publish function, which backends invoke through the Lambda Invoke API with
   * `{ room, data, from? }` to reach every member of a room; see {@link grantPublish}.
   */
  public readonly publishFunction: SwitchboardFunction;
  /** The fan-out queue and its dead-letter queue, through which rooms beyond `inlineFanoutLimit` fan out. */
  public readonly fanoutQueue: FanoutQueue;
  /** The fan-out worker, which the fan-out queue's event source mapping invokes. */
  public readonly fanoutWorker: SwitchboardFunction;
  private readonly settings: ApiSettings;

  constructor(scope: Construct, id: string, props: SwitchboardApiProps = {}) {
    super(scope, id);
    this.settings = apiSettings(id, props);
    // Every API's outputs include WebSocketUrl: a second API without a prefix of its own is refused
    // here, before it builds anything (a throw halfway would leave half an API in the tree).
    if (this.settings.outputPrefix !== undefined) checkOutputNames(this, this.settings.outputPrefix, ['WebSocketUrl']);
    this.connections = new ConnectionsTable(this, 'Connections', { removalPolicy: props.tableRemovalPolicy });
    this.table = this.connections.table;
    this.api = new apigwv2.WebSocketApi(this, 'Api', {
      description: 'Switchboard WebSocket API',
      routeSelectionExpression: '$request.body.action',
    });
    this.stage = this.createStage();
    if (this.settings.domain) this.domain = new CustomDomain(this, 'Domain', { ...this.settings.domain, stage: this.stage });
    if (props.configureAccountLogRole ?? true) this.configureAccountLogRole();
    this.webSocketUrl = this.domain?.url ?? this.stage.url;
    // The execute-api host even with a custom domain: AWS documents @connections there, it answers
    // before the domain's DNS and certificate do, and through the domain the path would be the API
    // mapping's rather than the stage's (docs/design.md, "Custom domain").
    this.callbackUrl = this.stage.callbackUrl;
    this.auth = new SwitchboardAuth(this, 'Auth', {
      functionTimeout: props.functionTimeout,
      runtime: props.runtime,
      logRetention: this.settings.logRetention,
      ...props.auth,
      // The rules are judged in the join handler from these claims, which the authorizer passes on.
      ruleClaims: ruleClaimNames(this.settings.roomRules),
    });

    this.fanoutQueue = new FanoutQueue(this, 'Fanout', {
      workerTimeout: props.functionTimeout ?? Duration.seconds(STACK_DEFAULTS.functionTimeoutSeconds),
    });
    const functions: Record<string, SwitchboardFunction> = {};
    const routes: Record<string, apigwv2.WebSocketRoute> = {};
    for (const route of this.settings.routes) {
      functions[route.routeKey] = this.addFunction(route);
      routes[route.routeKey] = this.api.addRoute(route.routeKey, {
        integration: new WebSocketLambdaIntegration(`${route.id}Integration`, functions[route.routeKey].function),
        returnResponse: route.returnResponse,
        // API Gateway authorizes WebSocket connections on $connect only.
        authorizer: route.routeKey === '$connect' ? this.auth.authorizer : undefined,
      });
    }
    this.functions = functions;
    this.routes = routes;
    this.publishFunction = this.addFunction(PUBLISH_FUNCTION_DEFINITION);
    this.fanoutWorker = this.addFunction(FANOUT_WORKER_DEFINITION);
    this.fanoutWorker.function.addEventSource(
      new SqsEventSource(this.fanoutQueue.queue, {
        // One job (a shard of up to fanoutShardSize members) per invocation: each gets the whole timeout.
        batchSize: 1,
        reportBatchItemFailures: true,
        maxConcurrency: this.settings.fanoutWorkers,
      }),
    );
    this.acknowledgeNagFindings();
    if (this.settings.monitoring)
      this.monitoring = new SwitchboardMonitoring(this, 'Monitoring', { api: this, alarmTopic: props.alarmTopic });
    if (this.settings.outputPrefix !== undefined) this.addOutputs(this.settings.outputPrefix);
  }

  /** The stack outputs (lib/api-outputs.ts), each name after `prefix`. */
  private addOutputs(prefix: string): void {
    const output = (name: ApiOutputName, value: string) => addApiOutput(this, prefix, name, value);
    output('WebSocketUrl', this.webSocketUrl);
    output('CallbackUrl', this.callbackUrl);
    if (this.monitoring) output('DashboardName', this.monitoring.dashboard.dashboardName);
    output('TableName', this.table.tableName);
    output(PUBLISH_FUNCTION.output, this.publishFunction.function.functionName);
    const { userPool, userPoolClient } = this.auth;
    if (userPool && userPoolClient) {
      output('UserPoolId', userPool.userPoolId);
      output('UserPoolClientId', userPoolClient.userPoolClientId);
    }
    if (this.domain) output('CustomDomainTarget', this.domain.target);
  }

  /** The stage, auto-deployed and throttled, with JSON access logs. */
  private createStage(): apigwv2.WebSocketStage {
    const { stageName, throttle, logRetention } = this.settings;
    const accessLogs = new logs.LogGroup(this, 'AccessLogs', { retention: logRetention, removalPolicy: RemovalPolicy.DESTROY });
    return new apigwv2.WebSocketStage(this, 'Stage', {
      webSocketApi: this.api,
      stageName,
      autoDeploy: true,
      throttle,
      accessLogSettings: {
        destination: new apigwv2.LogGroupLogDestination(accessLogs),
        format: apigw.AccessLogFormat.custom(JSON.stringify(ACCESS_LOG_FIELDS)),
      },
    });
  }

  /** A function of the API, with exactly the table actions and `@connections` access its definition lists. */
  private addFunction(definition: FunctionDefinition & { readonly entry?: string }): SwitchboardFunction {
    const fn = new SwitchboardFunction(this, `${definition.id}Handler`, {
      handler: definition.handler,
      entry: definition.entry,
      timeout: this.settings.functionTimeout,
      runtime: this.settings.runtime,
      logRetention: this.settings.logRetention,
      environment: this.environmentFor(definition),
    });
    this.connections.grantActions(fn.function, definition.tableActions);
    if (definition.manageConnections) this.stage.grantManagementApiAccess(fn.function);
    // SendMessage only (SendMessageBatch is authorized as SendMessage): grantSendMessages would add
    // GetQueueAttributes and GetQueueUrl, which the handlers never call.
    if (definition.extraEnvironment?.includes(ENV.fanoutQueueUrl)) this.fanoutQueue.queue.grant(fn.function, 'sqs:SendMessage');
    return fn;
  }

  /** The variables a function reads: table, callback URL, and the configuration it asks for by name. */
  private environmentFor(definition: FunctionDefinition): Record<string, string> {
    const { functionConfig } = this.settings;
    const env: Record<string, string> = {};
    if (definition.tableActions.length > 0) env[ENV.tableName] = this.table.tableName;
    if (definition.manageConnections) env[ENV.callbackUrl] = this.stage.callbackUrl;
    for (const name of definition.extraEnvironment ?? []) {
      if (name === ENV.fanoutQueueUrl) {
        env[name] = this.fanoutQueue.queue.queueUrl;
        continue;
      }
      if (!(name in functionConfig))
        throw new Error(`Function ${definition.id} asks for ${name}, which SwitchboardApi does not know how to set.`);
      env[name] = functionConfig[name];
    }
    return env;
  }

  /** WebSocket access logging needs the account-wide API Gateway CloudWatch role. */
  private configureAccountLogRole(): void {
    const role = new iam.Role(this, 'ApiGatewayLogsRole', {
      assumedBy: new iam.ServicePrincipal('apigateway.amazonaws.com'),
      managedPolicies: [iam.ManagedPolicy.fromAwsManagedPolicyName('service-role/AmazonAPIGatewayPushToCloudWatchLogs')],
    });
    const account = new apigw.CfnAccount(this, 'ApiGatewayAccount', { cloudWatchRoleArn: role.roleArn });
    this.stage.node.addDependency(account);
    Validations.of(role).acknowledge({
      id: 'AwsSolutions::AwsSolutions-IAM4[Policy::arn:<AWS::Partition>:iam::aws:policy/service-role/AmazonAPIGatewayPushToCloudWatchLogs]',
      reason:
        'AmazonAPIGatewayPushToCloudWatchLogs is the policy AWS documents for the account-level API Gateway logging role; it must reach log groups API Gateway itself names.',
    });
  }

  private acknowledgeNagFindings(): void {
    for (const route of this.settings.routes) {
      // $connect carries the authorizer, unless authentication was explicitly turned off.
      if (route.routeKey === '$connect' && this.auth.authorizer) continue;
      Validations.of(this.routes[route.routeKey]).acknowledge({
        id: 'AwsSolutions::AwsSolutions-APIG4',
        reason:
          route.routeKey === '$connect'
            ? 'Authentication was turned off on purpose (auth provider "none", which synth warns about): clients connect anonymously, each identified by its connection id and limited by stage throttling.'
            : `WebSocket APIs authorize only on $connect; the ${route.routeKey} route runs on a connection $connect already admitted.`,
      });
    }
    // grantManagementApiAccess scopes ManageConnections to this API's stage; the wildcards stand
    // for the HTTP method and the connection id, known only at run time.
    const posting = [
      ...this.settings.routes.filter((r) => r.manageConnections).map((r) => this.functions[r.routeKey]),
      this.publishFunction,
      this.fanoutWorker,
    ];
    for (const fn of posting) {
      acknowledgeWildcards(
        fn.role,
        new RegExp(`^Resource::arn:<AWS::Partition>:execute-api:.*/${this.stage.stageName}/\\*/@connections/\\*$`),
        `ManageConnections is limited to this API's ${this.stage.stageName} stage; the wildcards are the HTTP method and the connection id, which exist only at run time.`,
      );
    }
  }

  /**
   * Lets `grantee` publish to rooms: `lambda:InvokeFunction` on the Publish function, and nothing
   * else (no table, no `@connections`).
   */
  public grantPublish(grantee: iam.IGrantable): iam.Grant {
    const fn = this.publishFunction.function;
    // The unqualified function only: grantInvoke would add `<arn>:*` (every version and alias, which
    // Switchboard never publishes), a wildcard cdk-nag flags (IAM5) in the grantee's stack.
    const grant = iam.Grant.addToPrincipal({ grantee, actions: ['lambda:InvokeFunction'], resourceArns: [fn.functionArn] });
    // A principal with no policy of its own (a service, another account) needs the function's resource policy.
    return grant.success ? grant : fn.grantInvoke(grantee);
  }
}

/** JSON access log: who, which route, what status, how long; never message bodies. */
const ACCESS_LOG_FIELDS = {
  requestId: '$context.requestId',
  extendedRequestId: '$context.extendedRequestId',
  connectionId: '$context.connectionId',
  eventType: '$context.eventType',
  routeKey: '$context.routeKey',
  status: '$context.status',
  integrationStatus: '$context.integrationStatus',
  integrationLatency: '$context.integrationLatency',
  errorMessage: '$context.error.message',
  sourceIp: '$context.identity.sourceIp',
  requestTime: '$context.requestTime',
  disconnectStatusCode: '$context.disconnectStatusCode',
};
