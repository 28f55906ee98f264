import * as fs from 'node:fs';
import { Duration, Validations } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import * as iam from 'aws-cdk-lib/aws-iam';
import { AwsSolutionsChecks } from 'cdk-nag';
import { ENV } from '../../contract/environment';
import { PUBLISH_FUNCTION_DEFINITION, ROUTES } from '../../lib/routes';
import { apiStack, apiWith, environmentOf, handlerFunction, synthSwitchboard, synthTemplate } from './synth';

/** History settings, the history route and the Publish function, as synthesized (cdk-nag included). */

// GIVEN the app as `npx cdk synth` builds it.
const { stack, outdir } = synthSwitchboard({});
const template = Template.fromStack(stack);
afterAll(() => fs.rmSync(outdir, { recursive: true, force: true }));

interface Statement {
  Action: string | string[];
  Resource: unknown;
}

function statementsOfRole(t: Template, roleLogicalId: string): Statement[] {
  const policies = t.findResources('AWS::IAM::Policy', { Properties: { Roles: [{ Ref: roleLogicalId }] } });
  return Object.values(policies).flatMap(
    (p) => (p as { Properties: { PolicyDocument: { Statement: Statement[] } } }).Properties.PolicyDocument.Statement,
  );
}

const actionsOf = (statements: Statement[]) => statements.flatMap((s) => (Array.isArray(s.Action) ? s.Action : [s.Action]));

describe('the Publish function', () => {
  it('is a function of its own that no route reaches', () => {
    const { logicalId } = handlerFunction(template, PUBLISH_FUNCTION_DEFINITION.id);
    const integrations = JSON.stringify(template.findResources('AWS::ApiGatewayV2::Integration'));
    expect(integrations).not.toContain(logicalId);
    expect(ROUTES.map((r) => r.id)).not.toContain(PUBLISH_FUNCTION_DEFINITION.id);
  });

  it('may use only the table actions it calls, and @connections on this stage', () => {
    const { properties } = handlerFunction(template, PUBLISH_FUNCTION_DEFINITION.id);
    const statements = statementsOfRole(template, properties.Role['Fn::GetAtt'][0]);
    const actions = actionsOf(statements);
    expect(actions.filter((a) => a.startsWith('dynamodb:')).sort()).toEqual(
      PUBLISH_FUNCTION_DEFINITION.tableActions.map((a) => `dynamodb:${a}`).sort(),
    );
    const manage = statements.filter((s) => s.Action === 'execute-api:ManageConnections');
    expect(manage).toHaveLength(1);
    expect(JSON.stringify(manage[0].Resource)).toContain('/dev/*/@connections/*');
    // And a big room's jobs to the fan-out queue (test/infra/fanout-queue.integration.test.ts).
    expect(actions.filter((a) => !a.startsWith('dynamodb:') && !a.startsWith('logs:'))).toEqual([
      'execute-api:ManageConnections',
      'sqs:SendMessage',
    ]);
  });

  it('gets the table, the callback URL, the fan-out concurrency and the history settings', () => {
    expect(environmentOf(template, PUBLISH_FUNCTION_DEFINITION.id)).toMatchObject({
      [ENV.tableName]: { Ref: expect.any(String) },
      [ENV.callbackUrl]: expect.anything(),
      [ENV.fanoutConcurrency]: '32',
      [ENV.historyLimit]: '100',
      [ENV.historyRetentionSeconds]: '86400',
    });
  });

  it('is named by the PublishFunctionName output', () => {
    const { logicalId } = handlerFunction(template, PUBLISH_FUNCTION_DEFINITION.id);
    template.hasOutput('PublishFunctionName', { Value: { Ref: logicalId } });
  });

  it('grantPublish gives the grantee lambda:InvokeFunction on that function and nothing else', () => {
    // GIVEN a backend's role in the same stack
    const { stack: s, api } = apiStack();
    const backend = new iam.Role(s, 'Backend', { assumedBy: new iam.ServicePrincipal('lambda.amazonaws.com') });
    // WHEN
    api.grantPublish(backend);
    // THEN
    const t = Template.fromStack(s);
    const statements = statementsOfRole(t, s.getLogicalId(backend.node.defaultChild as iam.CfnRole));
    expect(actionsOf(statements)).toEqual(['lambda:InvokeFunction']);
    const publishArn = { 'Fn::GetAtt': [handlerFunction(t, PUBLISH_FUNCTION_DEFINITION.id).logicalId, 'Arn'] };
    expect(statements[0].Resource).toEqual(publishArn);
    expect(JSON.stringify(statements[0].Resource)).not.toMatch(/MessageHandler|JoinHandler|Connections/);
  });

  it('grantPublish to a service adds a resource permission on that function instead', () => {
    const { stack: s, api } = apiStack();
    api.grantPublish(new iam.ServicePrincipal('events.amazonaws.com'));
    const t = Template.fromStack(s);
    t.hasResourceProperties('AWS::Lambda::Permission', {
      Action: 'lambda:InvokeFunction',
      Principal: 'events.amazonaws.com',
      FunctionName: { 'Fn::GetAtt': [handlerFunction(t, PUBLISH_FUNCTION_DEFINITION.id).logicalId, 'Arn'] },
    });
  });

  it('grantPublish passes cdk-nag in a stack that runs it', () => {
    const { app, stack: s, api } = apiStack({ auth: { provider: 'none' } });
    Validations.of(app).addPlugins(new AwsSolutionsChecks(app));
    api.grantPublish(new iam.Role(s, 'Backend', { assumedBy: new iam.ServicePrincipal('lambda.amazonaws.com') }));
    expect(() => app.synth()).not.toThrow();
  });
});

describe('history settings', () => {
  it('give every function that assigns, keeps or reads seqs the limit and retention, and no other', () => {
    for (const id of ['Message', 'Join', 'History', 'Publish']) {
      expect(environmentOf(template, id)).toMatchObject({
        [ENV.historyLimit]: '100',
        [ENV.historyRetentionSeconds]: '86400',
      });
    }
    for (const id of ['Leave', 'Ping', 'Connect']) {
      expect(environmentOf(template, id)[ENV.historyLimit]).toBeUndefined();
    }
  });

  it('the history route is two-way and needs only GetItem and Query, no @connections', () => {
    template.hasResourceProperties('AWS::ApiGatewayV2::Route', { RouteKey: 'history', RouteResponseSelectionExpression: '$default' });
    const { properties } = handlerFunction(template, 'History');
    const actions = actionsOf(statementsOfRole(template, properties.Role['Fn::GetAtt'][0]));
    expect(actions.filter((a) => a.startsWith('dynamodb:')).sort()).toEqual(['dynamodb:GetItem', 'dynamodb:Query']);
    expect(actions).not.toContain('execute-api:ManageConnections');
  });

  it('take props: 0 turns history off, the retention is a Duration', () => {
    const t = apiWith({ historyLimit: 0, historyRetention: Duration.days(30) });
    expect(environmentOf(t, 'Message')).toMatchObject({
      [ENV.historyLimit]: '0',
      [ENV.historyRetentionSeconds]: '2592000',
    });
  });

  it('take context keys', () => {
    expect(environmentOf(synthTemplate({ historyLimit: '250', historyRetentionSeconds: '7200' }), 'Join')).toMatchObject({
      [ENV.historyLimit]: '250',
      [ENV.historyRetentionSeconds]: '7200',
    });
  });

  it.each([
    [
      { historyLimit: 1001 },
      'SwitchboardApi Switchboard: historyLimit must be an integer from 0 (history off) to 1000 messages per room; got 1001.',
    ],
    [{ historyLimit: 2.5 }, 'historyLimit must be an integer from 0 (history off) to 1000 messages per room; got 2.5.'],
    [
      { historyRetention: Duration.seconds(30) },
      'historyRetention must be a whole number of seconds from 60 (1 minute) to 2592000 (30 days); got 30.',
    ],
    [
      { historyRetention: Duration.days(31) },
      'historyRetention must be a whole number of seconds from 60 (1 minute) to 2592000 (30 days); got 2678400.',
    ],
    [{ historyRetention: Duration.millis(90_500) }, 'got 90.5.'],
  ])('rejects props %p at synth with a clear message', (props, message) => {
    expect(() => apiWith(props)).toThrow(message);
  });

  it.each([
    [{ historyLimit: '-1' }, 'Context value historyLimit must be an integer from 0 (history off) to 1000 messages per room; got -1.'],
    [{ historyRetentionSeconds: 'a day' }, 'Context value historyRetentionSeconds must be a number; got "a day".'],
    [{ historyRetentionSeconds: '-5' }, 'Context value historyRetentionSeconds must be a whole number of seconds from 60'],
  ])('rejects context %p with a clear message', (context, message) => {
    expect(() => synthSwitchboard(context)).toThrow(message);
  });
});
