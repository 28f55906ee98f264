import * as fs from 'node:fs';
import { Template } from 'aws-cdk-lib/assertions';
import { AUTH_ENV } from '../../contract/auth';
import { ENV } from '../../contract/environment';
import { apiStack, synthSwitchboard, synthTemplate } from './synth';

/** Room rules, presence and `members` in the template: permissions per function, configuration, synth-time checks. */
const RULES = [
  { pattern: 'team.{group}.*', claims: { group: 'cognito:groups' } },
  { pattern: 'quiet.*', presence: false },
  { pattern: 'public.*' },
];

// GIVEN the app synthesized (cdk-nag included) with rules from context, as `-c roomRules='[...]'` gives them.
const { stack, outdir } = synthSwitchboard({ roomRules: JSON.stringify(RULES), presence: 'false' });
const template = Template.fromStack(stack);
afterAll(() => fs.rmSync(outdir, { recursive: true, force: true }));

interface Statement {
  Action: string | string[];
}

// The assertions library hands the template back as `any`; this gives it a shape where it enters.
const resources = (): Record<string, { Properties: Record<string, unknown> }> =>
  (template.toJSON() as { Resources: Record<string, { Properties: Record<string, unknown> }> }).Resources;

function roleStatements(fnLogicalId: string): Statement[] {
  const fn = resources()[fnLogicalId] as unknown as { Properties: { Role: { 'Fn::GetAtt': [string, string] } } };
  const policies = template.findResources('AWS::IAM::Policy', { Properties: { Roles: [{ Ref: fn.Properties.Role['Fn::GetAtt'][0] }] } });
  return Object.values(policies).flatMap(
    (p) => (p as { Properties: { PolicyDocument: { Statement: Statement[] } } }).Properties.PolicyDocument.Statement,
  );
}

function actionsOf(routeKey: string): string[] {
  const id = stack.getLogicalId(stack.switchboard.functions[routeKey].function.node.defaultChild as never);
  return roleStatements(id)
    .flatMap((s) => (Array.isArray(s.Action) ? s.Action : [s.Action]))
    .filter((a) => !a.startsWith('logs:')) // every function writes its own log group
    .sort();
}

function environmentOf(routeKey: string): Record<string, unknown> {
  const id = stack.getLogicalId(stack.switchboard.functions[routeKey].function.node.defaultChild as never);
  return (resources()[id] as unknown as { Properties: { Environment: { Variables: Record<string, unknown> } } }).Properties.Environment
    .Variables;
}

describe('presence and room rules in the template', () => {
  it('routes members to its own function, which may only read', () => {
    template.hasResourceProperties('AWS::ApiGatewayV2::Route', { RouteKey: 'members' });
    expect(actionsOf('members')).toEqual(['dynamodb:GetItem', 'dynamodb:Query']);
  });

  it('lets $disconnect, leave and join post presence events, with the table actions each needs and no more', () => {
    // GetItem: a removal reads the connection's rooms to count its presence departures before deleting its row.
    expect(actionsOf('$disconnect')).toEqual([
      'dynamodb:BatchWriteItem',
      'dynamodb:DeleteItem',
      'dynamodb:GetItem',
      'dynamodb:Query',
      'dynamodb:UpdateItem',
      'execute-api:ManageConnections',
      // A presence event in a room beyond the inline limit goes through the fan-out queue.
      'sqs:SendMessage',
    ]);
    expect(actionsOf('leave')).toEqual([
      'dynamodb:BatchWriteItem',
      'dynamodb:DeleteItem',
      'dynamodb:GetItem',
      'dynamodb:Query',
      'dynamodb:UpdateItem',
      'execute-api:ManageConnections',
      // A presence event in a room beyond the inline limit goes through the fan-out queue.
      'sqs:SendMessage',
    ]);
    expect(actionsOf('join')).toContain('execute-api:ManageConnections');
    expect(actionsOf('join')).not.toContain('dynamodb:Scan');
    for (const route of ['$connect', 'ping', '$default', 'members'])
      expect(actionsOf(route)).not.toContain('execute-api:ManageConnections');
  });

  it('gives the rules and the presence setting to every function that counts presence, and to no other', () => {
    for (const route of ['join', 'leave', '$disconnect', 'message']) {
      expect(JSON.parse(environmentOf(route)[ENV.roomRules] as string)).toEqual(RULES);
      expect(environmentOf(route)[ENV.presence]).toBe('false');
    }
    for (const route of ['$connect', 'ping', 'members']) expect(environmentOf(route)).not.toHaveProperty(ENV.roomRules);
  });

  it('has the authorizer pass on exactly the claims the rules name', () => {
    template.hasResourceProperties('AWS::Lambda::Function', {
      Environment: { Variables: { [AUTH_ENV.ruleClaims]: JSON.stringify(['cognito:groups']) } },
    });
  });

  it('passes cdk-nag with rules configured (synth above would have thrown)', () => {
    const report = JSON.parse(fs.readFileSync(`${outdir}/validation-report.json`, 'utf8')) as {
      pluginReports: Array<{ pluginName: string; conclusion: string; violations: unknown[] }>;
    };
    expect(report.pluginReports.find((r) => r.pluginName === 'AwsSolutions')).toMatchObject({ conclusion: 'success', violations: [] });
  });

  it('takes the rules as a list from cdk.json context too, and presence defaults to on', () => {
    const listed = synthTemplate({ roomRules: [{ pattern: 'public.*' }] });
    const vars = listed.findResources('AWS::Lambda::Function');
    const withRules = Object.values(vars).filter((f) => JSON.stringify(f).includes(ENV.roomRules));
    expect(withRules.length).toBeGreaterThan(0);
    for (const f of withRules) {
      const env = (f as { Properties: { Environment: { Variables: Record<string, string> } } }).Properties.Environment.Variables;
      expect(JSON.parse(env[ENV.roomRules])).toEqual([{ pattern: 'public.*' }]);
      expect(env[ENV.presence]).toBe('true');
    }
    // No claim named: the authorizer passes none.
    expect(JSON.stringify(listed.toJSON())).not.toContain(AUTH_ENV.ruleClaims);
  });
});

describe('room rules are checked at synth', () => {
  it.each([
    [[{ pattern: 'team.*.x' }], 'roomRules[0] ("team.*.x"): "*" may only be the last segment'],
    [
      [{ pattern: 'public.*' }, { pattern: 'team.{group}', claims: { team: 'groups' } }],
      'roomRules[1] ("team.{group}"): "claims" names {team}, which the pattern does not bind',
    ],
  ])('refuses %j, naming the rule', (roomRules, message) => {
    expect(() => apiStack({ roomRules })).toThrow(`SwitchboardApi Switchboard: ${message}`);
  });

  it('refuses context that is not a JSON list, and a presence that is not a boolean', () => {
    expect(() => synthSwitchboard({ roomRules: '[{"pattern":' })).toThrow('Context value roomRules must be a JSON list of rules');
    expect(() => synthSwitchboard({ roomRules: '{"pattern":"a"}' })).toThrow('Context value roomRules must be a list of');
    expect(() => synthSwitchboard({ presence: 'maybe' })).toThrow('Context value presence must be true or false; got "maybe".');
  });
});
