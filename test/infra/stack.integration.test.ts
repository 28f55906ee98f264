import * as fs from 'node:fs';
import { App, Duration, Stack, Validations } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import * as s3 from 'aws-cdk-lib/aws-s3';
import { AwsSolutionsChecks } from 'cdk-nag';
import { ENV } from '../../contract/environment';
import { TABLE } from '../../contract/table-design';
import { ROUTES } from '../../lib/routes';
import { SwitchboardApi } from '../../lib/switchboard-api';
import { RUNTIME } from '../../lib/switchboard-function';
import { synthSwitchboard, synthTemplate } from './synth';

// GIVEN the app as `npx cdk synth` builds it (cdk-nag runs; synth throws on any unacknowledged finding).
const { stack, outdir } = synthSwitchboard({});
const template = Template.fromStack(stack);
afterAll(() => fs.rmSync(outdir, { recursive: true, force: true }));

/** One resource of the synthesized template, as CloudFormation JSON; `P` is the shape of its properties. */
interface TemplateResource<P = Record<string, unknown>> {
  Type: string;
  Properties: P;
  Metadata?: Record<string, unknown>;
}

interface TemplateJson {
  Resources: Record<string, TemplateResource>;
}

/** The properties of an AWS::Lambda::Function that these tests read. */
interface LambdaFunctionProperties {
  Role: { 'Fn::GetAtt': [string, string] };
  Timeout: number;
  Environment: { Variables: Record<string, unknown> };
  FunctionName?: string;
}

interface PolicyStatement {
  Action: string | string[];
  Resource: unknown;
}

/** cdk-nag's entry in validation-report.json. */
interface NagPluginReport {
  pluginName: string;
  conclusion: string;
  violations: unknown[];
  suppressedViolations: Array<{ ruleName: string; violatingConstructs: Array<{ constructPath: string }> }>;
}

// The assertions library hands the template back as `any`; these give it a shape where it enters.
function resourcesOfType<P = Record<string, unknown>>(type: string, props?: Record<string, unknown>): Record<string, TemplateResource<P>> {
  return template.findResources(type, props) as Record<string, TemplateResource<P>>;
}

function resourceById<P = Record<string, unknown>>(logicalId: string): TemplateResource<P> {
  const resource = (template.toJSON() as TemplateJson).Resources[logicalId];
  expect(resource).toBeDefined();
  return resource as TemplateResource<P>;
}

function functionLogicalIdFor(routeKey: string): string {
  const route = resourcesOfType<{ Target: { 'Fn::Join': [string, unknown[]] } }>('AWS::ApiGatewayV2::Route', {
    Properties: { RouteKey: routeKey },
  });
  expect(Object.keys(route)).toHaveLength(1);
  const integrationRef = Object.values(route)[0].Properties.Target['Fn::Join'][1][1] as { Ref: string };
  const integration = resourceById<{ IntegrationUri: unknown }>(integrationRef.Ref);
  const uri = JSON.stringify(integration.Properties.IntegrationUri);
  const fns = Object.keys(resourcesOfType('AWS::Lambda::Function')).filter((id) => uri.includes(`"${id}"`));
  expect(fns).toHaveLength(1);
  return fns[0];
}

function policyStatementsOf(functionLogicalId: string): PolicyStatement[] {
  const fn = resourceById<LambdaFunctionProperties>(functionLogicalId);
  const roleId = fn.Properties.Role['Fn::GetAtt'][0];
  const policies = resourcesOfType<{ PolicyDocument: { Statement: PolicyStatement[] } }>('AWS::IAM::Policy', {
    Properties: { Roles: [{ Ref: roleId }] },
  });
  return Object.values(policies).flatMap((p) => p.Properties.PolicyDocument.Statement);
}

describe('SwitchboardStack', () => {
  it('routes by $request.body.action', () => {
    template.hasResourceProperties('AWS::ApiGatewayV2::Api', {
      ProtocolType: 'WEBSOCKET',
      RouteSelectionExpression: '$request.body.action',
    });
  });

  // Logical ids are a contract with deployed stacks: they come from each route's fixed id, never
  // from a handler's file name, so they are written out here in full.
  it.each([
    ['$connect', 'SwitchboardConnectHandlerFunction'],
    ['$disconnect', 'SwitchboardDisconnectHandlerFunction'],
    ['$default', 'SwitchboardDefaultHandlerFunction'],
    ['message', 'SwitchboardMessageHandlerFunction'],
    ['join', 'SwitchboardJoinHandlerFunction'],
    ['leave', 'SwitchboardLeaveHandlerFunction'],
    ['ping', 'SwitchboardPingHandlerFunction'],
    ['history', 'SwitchboardHistoryHandlerFunction'],
    ['signal', 'SwitchboardSignalHandlerFunction'],
  ])('wires route %s to its function, %s', (routeKey, logicalIdPrefix) => {
    expect(functionLogicalIdFor(routeKey)).toMatch(new RegExp(`^${logicalIdPrefix}[0-9A-F]{8}$`));
  });

  it('names every route in the route table', () => {
    expect(ROUTES.map((r) => r.routeKey).sort()).toEqual([
      '$connect',
      '$default',
      '$disconnect',
      'history',
      'join',
      'leave',
      'members',
      'message',
      'ping',
      'signal',
    ]);
  });

  it('answers the sender through route responses on every message route, never on $connect/$disconnect', () => {
    const twoWay = ['$default', 'message', 'join', 'leave', 'ping', 'members', 'history', 'signal'];
    template.resourceCountIs('AWS::ApiGatewayV2::RouteResponse', twoWay.length);
    for (const routeKey of twoWay) {
      template.hasResourceProperties('AWS::ApiGatewayV2::Route', { RouteKey: routeKey, RouteResponseSelectionExpression: '$default' });
    }
    for (const routeKey of ['$connect', '$disconnect']) {
      template.hasResourceProperties('AWS::ApiGatewayV2::Route', { RouteKey: routeKey, RouteResponseSelectionExpression: Match.absent() });
    }
  });

  it('auto-deploys a throttled stage with JSON access logs', () => {
    template.hasResourceProperties('AWS::ApiGatewayV2::Stage', {
      StageName: 'dev',
      AutoDeploy: true,
      DefaultRouteSettings: { ThrottlingBurstLimit: 1000, ThrottlingRateLimit: 500 },
      AccessLogSettings: { DestinationArn: Match.anyValue(), Format: Match.stringLikeRegexp('"connectionId":"\\$context.connectionId"') },
    });
    // One per route function, one for the Publish function, one for the $connect authorizer, one for access logs.
    template.resourceCountIs('AWS::Logs::LogGroup', ROUTES.length + 4);
    template.allResourcesProperties('AWS::Logs::LogGroup', { RetentionInDays: 30 });
  });

  it('keeps connections in an on-demand table with TTL and point-in-time recovery', () => {
    template.hasResourceProperties('AWS::DynamoDB::Table', {
      BillingMode: 'PAY_PER_REQUEST',
      KeySchema: [
        { AttributeName: TABLE.partitionKey, KeyType: 'HASH' },
        { AttributeName: TABLE.sortKey, KeyType: 'RANGE' },
      ],
      TimeToLiveSpecification: { AttributeName: TABLE.ttlAttribute, Enabled: true },
      PointInTimeRecoverySpecification: { PointInTimeRecoveryEnabled: true },
      TableName: Match.absent(),
    });
  });

  it('runs every function on the newest Node.js runtime the installed aws-cdk-lib offers, arm64, with source maps and a timeout under 29 s', () => {
    const fns = Object.values(resourcesOfType<LambdaFunctionProperties>('AWS::Lambda::Function'));
    expect(fns).toHaveLength(ROUTES.length + 3); // and the Publish function, the fan-out worker and the $connect authorizer
    for (const fn of fns) {
      expect(fn.Properties).toMatchObject({ Runtime: RUNTIME.name, Architectures: ['arm64'], Handler: 'index.handler' });
      expect(fn.Properties.Timeout).toBeLessThanOrEqual(29);
      expect(fn.Properties.Environment.Variables.NODE_OPTIONS).toBe('--enable-source-maps');
      expect(fn.Properties.FunctionName).toBeUndefined();
    }
  });

  it.each(ROUTES.map((r) => [r.routeKey, r]))(
    'grants %s only the table actions it uses, and @connections on this stage only',
    (routeKey, route) => {
      const statements = policyStatementsOf(functionLogicalIdFor(routeKey));
      const actions = statements.flatMap((s) => (Array.isArray(s.Action) ? s.Action : [s.Action]));
      const dynamoActions = actions.filter((a) => a.startsWith('dynamodb:')).sort();
      expect(dynamoActions).toEqual(route.tableActions.map((a) => `dynamodb:${a}`).sort());
      expect(actions).not.toContain('dynamodb:Scan');
      expect(actions.filter((a) => a.startsWith('logs:')).sort()).toEqual(['logs:CreateLogStream', 'logs:PutLogEvents']);

      const manage = statements.filter((s) => s.Action === 'execute-api:ManageConnections');
      expect(manage).toHaveLength(route.manageConnections ? 1 : 0);
      for (const statement of manage) {
        const arn = JSON.stringify(statement.Resource);
        expect(arn).toContain('/dev/*/@connections/*');
        expect(arn).not.toContain('*/*/@connections');
      }
    },
  );

  it('gives functions the configuration they read', () => {
    const env = (routeKey: string) =>
      resourceById<LambdaFunctionProperties>(functionLogicalIdFor(routeKey)).Properties.Environment.Variables;
    expect(env('join')).toMatchObject({
      [ENV.tableName]: { Ref: expect.any(String) },
      [ENV.maxRoomsPerConnection]: '20',
      [ENV.maxRoomMembers]: '1000',
    });
    expect(env('members')[ENV.callbackUrl]).toBeUndefined();
    // join posts a resume's `joined` and replay to the joiner; message fans out; join, leave and
    // $disconnect send presence events.
    expect(JSON.stringify(env('leave')[ENV.callbackUrl])).toContain('/dev');
    expect(JSON.stringify(env('$disconnect')[ENV.callbackUrl])).toContain('/dev');
    expect(JSON.stringify(env('join')[ENV.callbackUrl])).toContain('/dev');
    expect(JSON.stringify(env('message')[ENV.callbackUrl])).toContain('/dev');
    expect(env('ping')[ENV.tableName]).toBeUndefined();
  });

  it('does not attach AWSLambdaBasicExecutionRole (its log permissions are on *)', () => {
    expect(JSON.stringify(template.toJSON())).not.toContain('AWSLambdaBasicExecutionRole');
  });

  it('exports the WebSocket URL, callback URL and table name', () => {
    template.hasOutput('WebSocketUrl', { Value: { 'Fn::Join': ['', Match.arrayWith(['wss://', '/dev'])] } });
    template.hasOutput('CallbackUrl', { Value: { 'Fn::Join': ['', Match.arrayWith(['https://', '/dev'])] } });
    template.hasOutput('TableName', { Value: { Ref: Match.anyValue() } });
  });
});

describe('monitoring', () => {
  it('alarms on errors and throttles of every handler and of the authorizer', () => {
    for (const metricName of ['Errors', 'Throttles']) {
      const alarms = template.findResources('AWS::CloudWatch::Alarm', { Properties: { Namespace: 'AWS/Lambda', MetricName: metricName } });
      // And the Publish function and the authorizer; errors of the fan-out worker too (its concurrency is the mapping's).
      expect(Object.keys(alarms)).toHaveLength(ROUTES.length + (metricName === 'Errors' ? 3 : 2));
      const authorizerAlarms = Object.keys(alarms).filter((id) => id.startsWith(`MonitoringAuthorizer${metricName}`));
      expect(authorizerAlarms).toHaveLength(1);
    }
  });

  it('alarms on API Gateway integration and execution errors for this stage', () => {
    for (const metricName of ['IntegrationError', 'ExecutionError']) {
      template.hasResourceProperties('AWS::CloudWatch::Alarm', {
        Namespace: 'AWS/ApiGateway',
        MetricName: metricName,
        Dimensions: Match.arrayWith([{ Name: 'Stage', Value: 'dev' }]),
      });
    }
  });

  it('alarms on DynamoDB throttling and undelivered room messages', () => {
    template.hasResourceProperties('AWS::CloudWatch::Alarm', {
      Metrics: Match.arrayWith([Match.objectLike({ Expression: Match.stringLikeRegexp('\\+') })]),
    });
    template.hasResourceProperties('AWS::CloudWatch::Alarm', {
      Namespace: 'Switchboard',
      MetricName: 'FanoutFailures',
      Dimensions: [{ Name: 'service', Value: 'switchboard' }],
    });
  });

  it('has a dashboard with the app metrics', () => {
    template.resourceCountIs('AWS::CloudWatch::Dashboard', 1);
    const body = JSON.stringify(
      Object.values(resourcesOfType<{ DashboardBody: unknown }>('AWS::CloudWatch::Dashboard'))[0].Properties.DashboardBody,
    );
    for (const metric of ['ConnectionsOpened', 'FanoutDeliveries', 'StaleConnectionsPruned', 'MessageCount'])
      expect(body).toContain(metric);
    template.hasOutput('DashboardName', {});
  });
});

describe('configuration', () => {
  it('takes stage name, throttling and room limit from context', () => {
    const t = synthTemplate({ stageName: 'prod', throttleRateLimit: '50', throttleBurstLimit: '100', maxRoomsPerConnection: '5' });
    t.hasResourceProperties('AWS::ApiGatewayV2::Stage', {
      StageName: 'prod',
      DefaultRouteSettings: { ThrottlingBurstLimit: 100, ThrottlingRateLimit: 50 },
    });
    t.hasResourceProperties('AWS::Lambda::Function', {
      Environment: { Variables: Match.objectLike({ [ENV.maxRoomsPerConnection]: '5' }) },
    });
  });

  it.each([
    [{ stageName: 'bad stage' }, 'stageName "bad stage" must be 1-128 characters'],
    [{ throttleRateLimit: 'fast', throttleBurstLimit: '1' }, 'throttleRateLimit must be a number; got "fast"'],
    [{ throttleRateLimit: '5' }, 'Set both throttleRateLimit and throttleBurstLimit'],
    [{ maxRoomsPerConnection: '0' }, 'maxRoomsPerConnection must be an integer from 1 to 1000; got 0'],
  ])('rejects bad context %p with a clear message', (context, message) => {
    expect(() => synthSwitchboard(context)).toThrow(message);
  });

  it('runs every function, the authorizer included, on the runtime prop when one is given, and refuses one the handlers cannot run on', () => {
    // GIVEN an API with an older runtime than the default
    const app = new App();
    const stack = new Stack(app, 'Runtime');
    new SwitchboardApi(stack, 'Api', { runtime: lambda.Runtime.NODEJS_22_X });
    // THEN every function runs on it
    const runtimes = Object.values(Template.fromStack(stack).findResources('AWS::Lambda::Function')).map(
      (fn) => (fn as { Properties: { Runtime: string } }).Properties.Runtime,
    );
    expect(runtimes.length).toBe(ROUTES.length + 3);
    expect(new Set(runtimes)).toEqual(new Set(['nodejs22.x']));
    // AND a runtime the handlers cannot run on fails the synth, naming it
    expect(() => new SwitchboardApi(new Stack(app, 'Old'), 'Api', { runtime: lambda.Runtime.NODEJS_20_X })).toThrow('got nodejs20.x');
  });

  it('rejects a timeout beyond API Gateway\u2019s 29 s limit', () => {
    const app = new App();
    expect(() => new SwitchboardApi(new Stack(app, 'S'), 'Api', { functionTimeout: Duration.seconds(30) })).toThrow(
      "timeout 30 s exceeds API Gateway's 29 s integration limit",
    );
  });
});

describe('cdk-nag', () => {
  it('reports no unacknowledged AwsSolutions finding for Switchboard (synth above would have thrown)', () => {
    const report = JSON.parse(fs.readFileSync(`${outdir}/validation-report.json`, 'utf8')) as { pluginReports: NagPluginReport[] };
    const nag = report.pluginReports.find((r) => r.pluginName === 'AwsSolutions');
    expect(nag).toMatchObject({ conclusion: 'success', violations: [] });
    // Every acknowledgement carries a specific reason.
    const suppressed = nag!.suppressedViolations;
    const rules = suppressed.map((v) => v.ruleName.replace(/\[.*$/, ''));
    // APIG4 once per route but $connect, which carries the authorizer; IAM4 for the account logging
    // role; IAM5 once per function that posts (the Publish function too); COG2 (MFA optional) and COG8
    // (no Plus plan) on the user pool.
    const apig4 = suppressed
      .filter((v) => v.ruleName === 'AwsSolutions-APIG4')
      .flatMap((v) => v.violatingConstructs.map((c) => c.constructPath));
    expect(apig4).toHaveLength(ROUTES.length - 1);
    expect(apig4.some((p) => p.includes('$connect'))).toBe(false);
    expect(rules.filter((r) => r === 'AwsSolutions-IAM4')).toHaveLength(1);
    const posting = [...ROUTES.filter((r) => r.manageConnections).map((r) => r.id), 'Publish', 'FanoutWorker'];
    expect(rules.filter((r) => r === 'AwsSolutions-IAM5')).toHaveLength(posting.length);
    expect(new Set(rules)).toEqual(
      new Set(['AwsSolutions-APIG4', 'AwsSolutions-IAM4', 'AwsSolutions-IAM5', 'AwsSolutions-COG2', 'AwsSolutions-COG8']),
    );
    const iam5 = suppressed.filter((v) => v.ruleName.startsWith('AwsSolutions-IAM5'));
    for (const finding of iam5) {
      expect(finding.ruleName).toContain('/dev/*/@connections/*]');
      expect(finding.violatingConstructs.every((c) => posting.some((id) => c.constructPath.includes(`/${id}Handler/Role/`)))).toBe(true);
    }
  });

  it('fails synth on an unacknowledged finding', () => {
    const app = new App();
    Validations.of(app).addPlugins(new AwsSolutionsChecks(app));
    new s3.Bucket(new Stack(app, 'Careless'), 'OpenBucket');
    expect(() => app.synth()).toThrow("Acknowledge with 'AwsSolutions::AwsSolutions-S10'");
  });
});
