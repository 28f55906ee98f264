import * as fs from 'node:fs';
import { App, Stack } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import * as sns from 'aws-cdk-lib/aws-sns';
import { API_OUTPUTS } from '../../lib/api-outputs';
import { ROUTES } from '../../lib/routes';
import { SwitchboardApi } from '../../lib/switchboard-api';
import { apiStack, synthSwitchboard } from './synth';

/**
 * Alarms of one SwitchboardApi with the Cognito authorizer: errors and throttles of every route's
 * function, the Publish function's and the authorizer's; the authorizer's key fetches; integration,
 * execution, table and fan-out failures; the fan-out worker's errors and its dead-letter queue.
 */
const ALARMS_PER_API = 2 * (ROUTES.length + 2) + 1 + 4 + 2;
/** The outputs of one SwitchboardApi with monitoring and Cognito, and no custom domain. */
const DEFAULT_OUTPUTS = [
  'WebSocketUrl',
  'CallbackUrl',
  'DashboardName',
  'TableName',
  'PublishFunctionName',
  'UserPoolId',
  'UserPoolClientId',
];

const outputNames = (t: Template) => Object.keys((t.toJSON() as { Outputs?: Record<string, unknown> }).Outputs ?? {}).sort();

describe('SwitchboardApi in a stack of its own (a consumer stack), with the defaults', () => {
  // GIVEN a SwitchboardApi with no props in a plain Stack
  const { api, stack } = apiStack();
  const template = Template.fromStack(stack);

  it('makes the alarms, each on its own metric, and notifies nobody', () => {
    // THEN
    template.resourceCountIs('AWS::CloudWatch::Alarm', ALARMS_PER_API);
    expect(api.monitoring?.alarms).toHaveLength(ALARMS_PER_API);
    template.allResourcesProperties('AWS::CloudWatch::Alarm', { AlarmActions: Match.absent(), OKActions: Match.absent() });
    for (const metricName of ['Errors', 'Throttles']) {
      const alarms = template.findResources('AWS::CloudWatch::Alarm', { Properties: { Namespace: 'AWS/Lambda', MetricName: metricName } });
      // Every route's function, Publish and the authorizer; the fan-out worker's errors too.
      expect(Object.keys(alarms)).toHaveLength(ROUTES.length + (metricName === 'Errors' ? 3 : 2));
    }
    template.hasResourceProperties('AWS::CloudWatch::Alarm', {
      Namespace: 'AWS/ApiGateway',
      MetricName: 'IntegrationError',
      Dimensions: Match.arrayWith([{ Name: 'Stage', Value: 'dev' }]),
    });
  });

  it('makes the dashboard, inside the API construct', () => {
    template.resourceCountIs('AWS::CloudWatch::Dashboard', 1);
    expect(api.monitoring?.dashboard.node.path).toBe('S/Switchboard/Monitoring/Dashboard');
  });

  it('makes the outputs the tools read, under the names the repository stack uses', () => {
    expect(outputNames(template)).toEqual([...DEFAULT_OUTPUTS].sort());
    template.hasOutput('WebSocketUrl', { Value: { 'Fn::Join': ['', Match.arrayWith(['wss://', '.execute-api.', '/dev'])] } });
    template.hasOutput('CallbackUrl', { Value: { 'Fn::Join': ['', Match.arrayWith(['https://', '.execute-api.', '/dev'])] } });
    template.hasOutput('TableName', { Value: { Ref: stack.getLogicalId(api.table.node.defaultChild as never) } });
    template.hasOutput('DashboardName', { Value: { Ref: Match.stringLikeRegexp('^SwitchboardMonitoringDashboard') } });
    template.hasOutput('PublishFunctionName', { Value: { Ref: Match.stringLikeRegexp('^SwitchboardPublishHandlerFunction') } });
    template.hasOutput('UserPoolId', { Value: { Ref: Match.stringLikeRegexp('^SwitchboardAuthUserPool') } });
    template.hasOutput('UserPoolClientId', { Value: { Ref: Match.stringLikeRegexp('^SwitchboardAuthUserPoolAppClient') } });
    template.hasOutput('*', { Description: API_OUTPUTS.CallbackUrl });
  });
});

describe('SwitchboardApi monitoring and outputs, configured', () => {
  it('makes no alarms, dashboard or DashboardName output with monitoring: false', () => {
    // GIVEN
    const { api, stack } = apiStack({ monitoring: false });
    // THEN
    const template = Template.fromStack(stack);
    template.resourceCountIs('AWS::CloudWatch::Alarm', 0);
    template.resourceCountIs('AWS::CloudWatch::Dashboard', 0);
    expect(api.monitoring).toBeUndefined();
    expect(outputNames(template)).toEqual(DEFAULT_OUTPUTS.filter((name) => name !== 'DashboardName').sort());
  });

  it('notifies alarmTopic of every alarm, on ALARM and on OK', () => {
    // GIVEN a topic of the consumer's
    const app = new App({ context: { 'aws:cdk:bundling-stacks': [] } });
    const stack = new Stack(app, 'S');
    const topic = new sns.Topic(stack, 'Pager');
    // WHEN
    new SwitchboardApi(stack, 'Switchboard', { alarmTopic: topic });
    // THEN
    const template = Template.fromStack(stack);
    const topicRef = { Ref: stack.getLogicalId(topic.node.defaultChild as never) };
    template.resourceCountIs('AWS::CloudWatch::Alarm', ALARMS_PER_API);
    template.allResourcesProperties('AWS::CloudWatch::Alarm', { AlarmActions: [topicRef], OKActions: [topicRef] });
  });

  it('makes no outputs with outputs: false, and prefixed ones with outputPrefix', () => {
    expect(outputNames(Template.fromStack(apiStack({ outputs: false }).stack))).toEqual([]);
    const prefixed = Template.fromStack(apiStack({ outputPrefix: 'Chat' }).stack);
    expect(outputNames(prefixed)).toEqual(DEFAULT_OUTPUTS.map((name) => `Chat${name}`).sort());
  });

  it('leaves the user pool outputs out when there is no user pool', () => {
    const template = Template.fromStack(apiStack({ auth: { provider: 'none' } }).stack);
    expect(outputNames(template)).toEqual(DEFAULT_OUTPUTS.filter((name) => !name.startsWith('UserPool')).sort());
  });

  it('takes two APIs in one stack when one has an outputPrefix, and names the fix when neither has', () => {
    // GIVEN a stack with one API
    const app = new App({ context: { 'aws:cdk:bundling-stacks': [] } });
    const stack = new Stack(app, 'S');
    new SwitchboardApi(stack, 'Chat');
    // WHEN a second one has no prefix THEN its outputs would clash: refused, with what to do
    expect(() => new SwitchboardApi(stack, 'Orders')).toThrow(
      "S/Orders: the stack already has an output or construct named WebSocketUrl (another SwitchboardApi's?); give this SwitchboardApi outputPrefix: 'Orders'",
    );
    // WHEN the second has a prefix THEN both APIs have their alarms, dashboard and outputs
    new SwitchboardApi(stack, 'Orders2', { outputPrefix: 'Orders' });
    const template = Template.fromStack(stack);
    template.resourceCountIs('AWS::CloudWatch::Alarm', 2 * ALARMS_PER_API);
    template.resourceCountIs('AWS::CloudWatch::Dashboard', 2);
    expect(outputNames(template)).toEqual([...DEFAULT_OUTPUTS, ...DEFAULT_OUTPUTS.map((name) => `Orders${name}`)].sort());
  });

  it.each<[string, ConstructorParameters<typeof SwitchboardApi>[2], string]>([
    [
      'alarmTopic without monitoring',
      { monitoring: false, alarmTopic: sns.Topic.fromTopicArn(new Stack(), 'T', 'arn:aws:sns:eu-west-1:123456789012:pager') },
      'SwitchboardApi Switchboard: alarmTopic is set but monitoring is false, so there are no alarms to notify; drop alarmTopic or turn monitoring on.',
    ],
    [
      'outputPrefix without outputs',
      { outputs: false, outputPrefix: 'Chat' },
      'SwitchboardApi Switchboard: outputPrefix "Chat" is set but outputs is false; drop one of them.',
    ],
    [
      'an outputPrefix that is no logical id',
      { outputPrefix: 'chat-1' },
      'SwitchboardApi Switchboard: outputPrefix "chat-1" must be letters and digits, starting with a letter',
    ],
  ])('refuses %s at synth, saying what to do', (_, props, message) => {
    expect(() => apiStack(props)).toThrow(message);
  });
});

describe("the repository's stack", () => {
  // GIVEN the app as `cdk synth` builds it, and with -c alarmEmail
  const plain = synthSwitchboard({});
  const emailed = synthSwitchboard({ alarmEmail: 'ops@example.com' });
  afterAll(() => [plain, emailed].forEach(({ outdir }) => fs.rmSync(outdir, { recursive: true, force: true })));
  const template = Template.fromStack(plain.stack);
  const withEmail = Template.fromStack(emailed.stack);

  it('keeps its monitoring where deployed stacks have it: the alarms and dashboard keep their logical ids', () => {
    // From `cdk synth` before SwitchboardApi made monitoring of its own; a new id would replace the
    // alarm or dashboard under a new name, losing its history.
    const deployed = [
      'MonitoringConnectErrors39115512',
      'MonitoringConnectThrottles4F59B432',
      'MonitoringDisconnectErrors9E157FFC',
      'MonitoringDisconnectThrottlesABB6732B',
      'MonitoringDefaultErrorsB0A53A5D',
      'MonitoringDefaultThrottles3444BE54',
      'MonitoringMessageErrors7D13EC96',
      'MonitoringMessageThrottles8C93B724',
      'MonitoringJoinErrorsA5FDEC3E',
      'MonitoringJoinThrottles34901D3F',
      'MonitoringLeaveErrors3D749CB9',
      'MonitoringLeaveThrottlesE5C1A63A',
      'MonitoringMembersErrorsBD0AC7AF',
      'MonitoringMembersThrottlesE48A10D0',
      'MonitoringPingErrors13A814DE',
      'MonitoringPingThrottlesBEB1066E',
      'MonitoringHistoryErrors19CD9721',
      'MonitoringHistoryThrottles9A431017',
      'MonitoringPublishErrors69027B06',
      'MonitoringPublishThrottlesAB61386A',
      'MonitoringAuthorizerErrors31059579',
      'MonitoringAuthorizerThrottles3148F774',
      'MonitoringAuthorizerKeyFetchFailuresDB9E09E9',
      'MonitoringIntegrationErrorsE56F59AA',
      'MonitoringExecutionErrorsF03C4EB9',
      'MonitoringTableThrottles0A82F423',
      'MonitoringUndeliveredRoomMessages66A04402',
      'MonitoringDashboard0C3675C6',
    ];
    // Added since, with the signal route's function, and with the fan-out queue.
    const added = [
      'MonitoringSignalErrors7532DE8F',
      'MonitoringSignalThrottlesECA422E8',
      expect.stringMatching(/^MonitoringFanoutDeadLetters[0-9A-F]{8}$/),
      expect.stringMatching(/^MonitoringFanoutWorkerErrors[0-9A-F]{8}$/),
    ];
    const monitoring = [
      ...Object.keys(template.findResources('AWS::CloudWatch::Alarm')),
      ...Object.keys(template.findResources('AWS::CloudWatch::Dashboard')),
    ];
    expect(monitoring.sort()).toEqual(expect.arrayContaining([...deployed, ...added]));
    expect(monitoring).toHaveLength(deployed.length + added.length);
    expect(plain.stack.switchboard.monitoring).toBeUndefined();
  });

  it('keeps its 7 outputs and their names', () => {
    expect(outputNames(template)).toEqual([...DEFAULT_OUTPUTS].sort());
    template.hasOutput('DashboardName', { Value: { Ref: 'MonitoringDashboard0C3675C6' } });
  });

  it('notifies nobody without -c alarmEmail', () => {
    template.resourceCountIs('AWS::SNS::Topic', 0);
    template.allResourcesProperties('AWS::CloudWatch::Alarm', { AlarmActions: Match.absent() });
  });

  it('with -c alarmEmail, emails every alarm through a topic encrypted with a key CloudWatch may use, over TLS only', () => {
    // THEN one topic, encrypted with a rotated key of its own (CloudWatch may not use alias/aws/sns)
    withEmail.resourceCountIs('AWS::SNS::Topic', 1);
    withEmail.hasResourceProperties('AWS::KMS::Key', {
      EnableKeyRotation: true,
      KeyPolicy: {
        Statement: Match.arrayWith([
          Match.objectLike({
            Effect: 'Allow',
            Principal: { Service: 'cloudwatch.amazonaws.com' },
            Action: ['kms:Decrypt', 'kms:GenerateDataKey*'],
          }),
        ]),
      },
    });
    const keyId = Object.keys(withEmail.findResources('AWS::KMS::Key'))[0];
    withEmail.hasResourceProperties('AWS::SNS::Topic', { KmsMasterKeyId: { 'Fn::GetAtt': [keyId, 'Arn'] } });
    const topicRef = { Ref: Object.keys(withEmail.findResources('AWS::SNS::Topic'))[0] };
    // AND a policy that refuses plain HTTP and lets this account's alarms publish
    withEmail.hasResourceProperties('AWS::SNS::TopicPolicy', {
      Topics: [topicRef],
      PolicyDocument: {
        Statement: Match.arrayWith([
          Match.objectLike({ Effect: 'Deny', Condition: { Bool: { 'aws:SecureTransport': 'false' } } }),
          Match.objectLike({
            Effect: 'Allow',
            Principal: { Service: 'cloudwatch.amazonaws.com' },
            Action: 'sns:Publish',
            Condition: { StringEquals: { 'aws:SourceAccount': { Ref: 'AWS::AccountId' } }, ArnLike: Match.anyValue() },
          }),
        ]),
      },
    });
    // AND the email subscription
    withEmail.hasResourceProperties('AWS::SNS::Subscription', { Protocol: 'email', Endpoint: 'ops@example.com', TopicArn: topicRef });
    // AND every alarm notifies it, on ALARM and on OK
    withEmail.resourceCountIs('AWS::CloudWatch::Alarm', ALARMS_PER_API);
    withEmail.allResourcesProperties('AWS::CloudWatch::Alarm', { AlarmActions: [topicRef], OKActions: [topicRef] });
  });

  it('with -c alarmEmail, passes cdk-nag with no new acknowledgement (SNS2, SNS3, KMS5 hold)', () => {
    const report = (outdir: string) =>
      JSON.parse(fs.readFileSync(`${outdir}/validation-report.json`, 'utf8')) as {
        pluginReports: Array<{ pluginName: string; conclusion: string; suppressedViolations: Array<{ ruleName: string }> }>;
      };
    const nag = (outdir: string) => report(outdir).pluginReports.find((r) => r.pluginName === 'AwsSolutions')!;
    expect(nag(emailed.outdir).conclusion).toBe('success');
    const rules = (outdir: string) => nag(outdir).suppressedViolations.map((v) => v.ruleName);
    expect(rules(emailed.outdir).sort()).toEqual(rules(plain.outdir).sort());
  });

  it.each([
    ['ops', 'Context value alarmEmail must be one email address such as ops@example.com; got "ops".'],
    [
      'a@example.com,b@example.com',
      'Context value alarmEmail must be one email address such as ops@example.com; got "a@example.com,b@example.com".',
    ],
    ['ops@example', 'Context value alarmEmail must be one email address'],
  ])('refuses -c alarmEmail=%s, saying what is expected', (email, message) => {
    expect(() => synthSwitchboard({ alarmEmail: email })).toThrow(message);
  });
});
