import * as path from 'node:path';
import { App, Stack } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import { ConfigError } from '../../lib/config-error';
import { SwitchboardApi, type ExtraRoute } from '../../lib/switchboard-api';

/*
 * SwitchboardApi's extraRoutes (docs/extend.md): a consumer's route is wired like Switchboard's own.
 * Bundling is off (CDK's bundling-stacks context); the pack test runs a real extra route.
 */

// Any handler file will do for the wiring; this one exists in the repository.
const ENTRY = path.join(__dirname, '..', '..', 'lambda', 'handlers', 'ping.ts');
const TYPING: ExtraRoute = {
  routeKey: 'typing',
  id: 'Typing',
  entry: ENTRY,
  tableActions: [],
  manageConnections: false,
  returnResponse: true,
};

function stackWith(extraRoutes: readonly ExtraRoute[]): { stack: Stack; api: SwitchboardApi } {
  const app = new App({ context: { 'aws:cdk:bundling-stacks': [] } });
  const stack = new Stack(app, 'Consumer');
  return { stack, api: new SwitchboardApi(stack, 'Realtime', { extraRoutes }) };
}

test('an extra route gets its own function, route and integration, with only the table actions it names', () => {
  // GIVEN a typing route that reads the table
  const { stack, api } = stackWith([{ ...TYPING, tableActions: ['GetItem'] }]);
  const template = Template.fromStack(stack);

  // THEN the API routes `typing` to the TypingHandler function, as a two-way route
  template.hasResourceProperties('AWS::ApiGatewayV2::Route', { RouteKey: 'typing', RouteResponseSelectionExpression: '$default' });
  expect(api.functions.typing.node.path).toBe('Consumer/Realtime/TypingHandler');
  template.hasResourceProperties('AWS::Lambda::Function', {
    Environment: { Variables: Match.objectLike({ TABLE_NAME: Match.anyValue() }) },
    Role: { 'Fn::GetAtt': [stack.getLogicalId(api.functions.typing.role.node.defaultChild as never), 'Arn'] },
  });
  template.hasResourceProperties('AWS::IAM::Policy', {
    Roles: [{ Ref: stack.getLogicalId(api.functions.typing.role.node.defaultChild as never) }],
    PolicyDocument: { Statement: Match.arrayWith([Match.objectLike({ Action: 'dynamodb:GetItem' })]) },
  });
});

test('an extra route may not take a route key or an id Switchboard uses', () => {
  expect(() => stackWith([{ ...TYPING, routeKey: 'ping' }])).toThrow(ConfigError);
  expect(() => stackWith([{ ...TYPING, routeKey: 'ping' }])).toThrow('extraRoutes has route key "ping", which is already a route');
  expect(() => stackWith([{ ...TYPING, id: 'Publish' }])).toThrow('extraRoutes has id "Publish", which is already taken');
  expect(() => stackWith([TYPING, { ...TYPING, id: 'Typing2' }])).toThrow('extraRoutes has route key "typing"');
});

test("an extra route whose handler file is missing fails, never falling back to Switchboard's bundle of the same name", () => {
  const missing = path.join(__dirname, 'no-such-dir', 'ping.ts');
  expect(() => stackWith([{ ...TYPING, entry: missing }])).toThrow(`the handler file ${missing} does not exist`);
});
