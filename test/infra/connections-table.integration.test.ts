import { App, RemovalPolicy, Stack } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import * as iam from 'aws-cdk-lib/aws-iam';
import { TABLE } from '../../contract';
import { ConnectionsTable } from '../../lib/connections-table';
import { apiStack, synthTemplate } from './synth';
import { requireIntegrationTest } from '../support/test-tier';

/** A ConnectionsTable in a stack of its own, with a role to grant to. */
function tableStack(removalPolicy?: RemovalPolicy) {
  requireIntegrationTest('tableStack()');
  const stack = new Stack(new App(), 'T');
  const connections = new ConnectionsTable(stack, 'Connections', { removalPolicy });
  const role = new iam.Role(stack, 'Role', { assumedBy: new iam.ServicePrincipal('lambda.amazonaws.com') });
  return { stack, connections, role };
}

describe('ConnectionsTable', () => {
  it('is the table of contract/table-design.ts: its keys and TTL attribute, on demand, with point-in-time recovery, destroyed with the stack', () => {
    // GIVEN a ConnectionsTable with the default props
    const { stack } = tableStack();
    // THEN
    const template = Template.fromStack(stack);
    template.resourceCountIs('AWS::DynamoDB::Table', 1);
    template.hasResource('AWS::DynamoDB::Table', {
      DeletionPolicy: 'Delete',
      Properties: {
        KeySchema: [
          { AttributeName: TABLE.partitionKey, KeyType: 'HASH' },
          { AttributeName: TABLE.sortKey, KeyType: 'RANGE' },
        ],
        BillingMode: 'PAY_PER_REQUEST',
        TimeToLiveSpecification: { AttributeName: TABLE.ttlAttribute, Enabled: true },
        PointInTimeRecoverySpecification: { PointInTimeRecoveryEnabled: true },
      },
    });
  });

  it('keeps the table when asked to', () => {
    const { stack } = tableStack(RemovalPolicy.RETAIN);
    Template.fromStack(stack).hasResource('AWS::DynamoDB::Table', { DeletionPolicy: 'Retain' });
  });

  it('grants exactly the actions it is given, and nothing for none', () => {
    // GIVEN a role granted two actions, and another granted none
    const { stack, connections, role } = tableStack();
    const idle = new iam.Role(stack, 'Idle', { assumedBy: new iam.ServicePrincipal('lambda.amazonaws.com') });
    connections.grantActions(role, ['GetItem', 'Query']);
    expect(connections.grantActions(idle, [])).toBeUndefined();
    // THEN one policy, on the first role, with those two actions on the table alone
    const template = Template.fromStack(stack);
    template.resourceCountIs('AWS::IAM::Policy', 1);
    template.hasResourceProperties('AWS::IAM::Policy', {
      Roles: [{ Ref: Match.stringLikeRegexp('^Role') }],
      PolicyDocument: {
        Statement: [
          {
            Effect: 'Allow',
            Action: ['dynamodb:GetItem', 'dynamodb:Query'],
            Resource: [{ 'Fn::GetAtt': [Match.stringLikeRegexp('^Connections'), 'Arn'] }],
          },
        ],
      },
    });
  });
});

describe('SwitchboardApi’s logical ids', () => {
  it('keeps the table’s logical id from before ConnectionsTable wrapped it (a new one would replace the deployed table)', () => {
    const template = Template.fromStack(apiStack().stack);
    expect(Object.keys(template.findResources('AWS::DynamoDB::Table'))).toEqual(['SwitchboardConnectionsFA1F3EBD']);
  });

  it('keeps the logical ids the deployed app gave its stateful and named resources', () => {
    // From `cdk synth` before this version: each is a contract with deployed stacks, whose resource a new id would replace.
    const deployed = [
      'SwitchboardConnectionsFA1F3EBD',
      'SwitchboardApiEEA40022',
      'SwitchboardStage9D2AFB28',
      'SwitchboardAccessLogs32EB5971',
      'SwitchboardAuthUserPoolBE73B695',
      'SwitchboardAuthUserPoolAppClient1DD11103',
      'SwitchboardAuthAuthorizerHandlerFunctionCA2F370C',
      'SwitchboardAuthAuthorizerHandlerLogsB3AD29DC',
      'SwitchboardConnectHandlerFunction1E6EB63C',
      'SwitchboardConnectHandlerLogsB2CCD0A8',
      'SwitchboardDisconnectHandlerFunction7CC5BDC7',
      'SwitchboardDisconnectHandlerLogs2BD4EA29',
      'SwitchboardDefaultHandlerFunction0728826D',
      'SwitchboardDefaultHandlerLogs6A499F3A',
      'SwitchboardMessageHandlerFunction1299E031',
      'SwitchboardMessageHandlerLogsBE742D86',
      'SwitchboardJoinHandlerFunction4E01751D',
      'SwitchboardJoinHandlerLogs8322F55F',
      'SwitchboardLeaveHandlerFunction20D79B5E',
      'SwitchboardLeaveHandlerLogs244DD03F',
      'SwitchboardMembersHandlerFunction915DDC03',
      'SwitchboardMembersHandlerLogs1EB449AB',
      'SwitchboardPingHandlerFunction21C52BE8',
      'SwitchboardPingHandlerLogs1B441E5F',
      'SwitchboardHistoryHandlerFunctionEE92D581',
      'SwitchboardHistoryHandlerLogs08E69E0D',
      'SwitchboardPublishHandlerFunctionEE99422F',
      'SwitchboardPublishHandlerLogsCC1E2465',
    ];
    const resources = synthTemplate({}).toJSON().Resources as Record<string, unknown>;
    expect(deployed.filter((id) => !(id in resources))).toEqual([]);
  });
});
