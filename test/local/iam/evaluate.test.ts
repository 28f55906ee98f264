import fc from 'fast-check';
import { evaluate, principalMatches, type AccessRequest, type RequestPrincipal } from '../../../local/iam/evaluate';
import { parsePolicyDocument, type PolicyStatement } from '../../../local/iam/policy';
import { requestContext } from '../../../local/iam/request-context';

const TABLE = 'arn:aws:dynamodb:us-east-1:123456789012:table/Rooms';
const context = requestContext({ 'aws:PrincipalAccount': '123456789012' });
const request = (action: string, resource = TABLE): AccessRequest => ({ action, resource, context });

/** Statements from a document written as in a template. */
function statements(...statement: unknown[]): readonly PolicyStatement[] {
  const parsed = parsePolicyDocument({ Version: '2012-10-17', Statement: statement }, 'policy P');
  expect(parsed.problems).toEqual([]);
  return parsed.statements;
}

describe('parsePolicyDocument', () => {
  test('single values become lists; each statement names where it was written', () => {
    const [s] = parsePolicyDocument(
      { Version: '2012-10-17', Statement: { Sid: 'Write', Effect: 'Allow', Action: 'dynamodb:PutItem', Resource: TABLE } },
      'policy P',
    ).statements;
    expect(s).toMatchObject({
      effect: 'Allow',
      action: ['dynamodb:PutItem'],
      resource: [TABLE],
      variables: true,
      source: 'statement Write of policy P',
    });
  });

  test('a statement it cannot read is named and left out', () => {
    const parsed = parsePolicyDocument(
      {
        Statement: [
          { Effect: 'Maybe', Action: '*' },
          { Effect: 'Allow', Action: 'a:b', NotAction: 'c:d' },
          { Effect: 'Allow', Action: 'a:b' },
        ],
      },
      'policy P',
    );
    expect(parsed.statements).toHaveLength(1);
    expect(parsed.statements[0].variables).toBe(false);
    expect(parsed.problems).toEqual([
      'statement 1 of policy P has Effect "Maybe", not Allow or Deny; it is ignored',
      'statement 2 of policy P needs exactly one of Action and NotAction; it is ignored',
    ]);
  });
});

describe('evaluate', () => {
  test('an Allow whose action and resource match allows; anything else is implicitly denied', () => {
    const policy = statements({ Effect: 'Allow', Action: ['dynamodb:GetItem', 'dynamodb:Query'], Resource: TABLE });
    expect(evaluate(request('dynamodb:GetItem'), policy).outcome).toBe('allow');
    expect(evaluate(request('dynamodb:PutItem'), policy).outcome).toBe('implicit-deny');
    expect(evaluate(request('dynamodb:GetItem', `${TABLE}2`), policy).outcome).toBe('implicit-deny');
    expect(evaluate(request('dynamodb:GetItem'), []).outcome).toBe('implicit-deny');
  });

  test('an index is a resource of its own: a grant on the table alone does not cover it', () => {
    const policy = statements({ Effect: 'Allow', Action: 'dynamodb:Query', Resource: TABLE });
    expect(evaluate(request('dynamodb:Query', `${TABLE}/index/byRoom`), policy).outcome).toBe('implicit-deny');
    const withIndexes = statements({ Effect: 'Allow', Action: 'dynamodb:Query', Resource: [TABLE, `${TABLE}/index/*`] });
    expect(evaluate(request('dynamodb:Query', `${TABLE}/index/byRoom`), withIndexes).outcome).toBe('allow');
  });

  test('an explicit Deny wins over any Allow, in whatever order the statements come', () => {
    const allow = { Effect: 'Allow', Action: 'dynamodb:*', Resource: '*' };
    const deny = { Effect: 'Deny', Action: 'dynamodb:DeleteItem', Resource: TABLE };
    const others = [
      { Effect: 'Allow', Action: 'sqs:*', Resource: '*' },
      { Effect: 'Deny', Action: 'sqs:PurgeQueue', Resource: '*' },
    ];
    fc.assert(
      fc.property(fc.shuffledSubarray(others), fc.nat(3), fc.nat(3), (rest, i, j) => {
        const list: unknown[] = [...rest];
        list.splice(i % (list.length + 1), 0, allow);
        list.splice(j % (list.length + 1), 0, deny);
        const result = evaluate(request('dynamodb:DeleteItem'), statements(...list));
        return result.outcome === 'explicit-deny' && result.statement?.effect === 'Deny';
      }),
    );
    expect(evaluate(request('dynamodb:GetItem'), statements(allow, deny)).outcome).toBe('allow');
  });

  test('NotAction and NotResource apply to everything they do not name', () => {
    const actions = ['dynamodb:GetItem', 'dynamodb:PutItem', 'sqs:SendMessage', 'events:PutEvents'];
    fc.assert(
      fc.property(fc.subarray(actions), fc.constantFrom(...actions), (named, action) => {
        const byAction = evaluate(
          request(action),
          statements({ Effect: 'Allow', Action: named.length ? named : ['none:None'], Resource: '*' }),
        );
        const byNotAction = evaluate(
          request(action),
          statements({ Effect: 'Allow', NotAction: named.length ? named : ['none:None'], Resource: '*' }),
        );
        return (byAction.outcome === 'allow') !== (byNotAction.outcome === 'allow');
      }),
    );
    const notResource = statements({ Effect: 'Allow', Action: '*', NotResource: `${TABLE}/index/*` });
    expect(evaluate(request('dynamodb:Query'), notResource).outcome).toBe('allow');
    expect(evaluate(request('dynamodb:Query', `${TABLE}/index/i`), notResource).outcome).toBe('implicit-deny');
  });

  test('a Deny whose condition does not match does not apply', () => {
    const policy = statements(
      { Effect: 'Allow', Action: 'dynamodb:*', Resource: '*' },
      { Effect: 'Deny', Action: '*', Resource: '*', Condition: { StringNotEquals: { 'aws:PrincipalAccount': '123456789012' } } },
    );
    expect(evaluate(request('dynamodb:PutItem'), policy).outcome).toBe('allow');
  });

  test('a condition it cannot evaluate is reported with its statement, and the statement applies', () => {
    const policy = statements({
      Sid: 'OwnItems',
      Effect: 'Allow',
      Action: 'dynamodb:GetItem',
      Resource: TABLE,
      Condition: { 'ForAllValues:StringEquals': { 'dynamodb:LeadingKeys': ['${aws:userid}'] } },
    });
    expect(evaluate(request('dynamodb:GetItem'), policy)).toMatchObject({
      outcome: 'allow',
      unevaluated: ['condition ForAllValues:StringEquals dynamodb:LeadingKeys in statement OwnItems of policy P'],
    });
  });

  test('a resource policy allows the principals it names, beside the identity policies', () => {
    const fn = 'arn:aws:lambda:us-east-1:123456789012:function:Chat-Publish';
    const permission = parsePolicyDocument(
      {
        Statement: [
          {
            Effect: 'Allow',
            Principal: { Service: 'apigateway.amazonaws.com' },
            Action: 'lambda:InvokeFunction',
            Resource: fn,
            Condition: { ArnLike: { 'aws:SourceArn': 'arn:aws:execute-api:us-east-1:123456789012:api123/*' } },
          },
        ],
      },
      'permission P',
    ).statements;
    const gateway: RequestPrincipal = { kind: 'service', service: 'apigateway.amazonaws.com' };
    const events: RequestPrincipal = { kind: 'service', service: 'events.amazonaws.com' };
    const fromRoute = {
      action: 'lambda:InvokeFunction',
      resource: fn,
      context: requestContext({ 'aws:SourceArn': 'arn:aws:execute-api:us-east-1:123456789012:api123/dev/$connect' }),
    };
    const fromElsewhere = {
      ...fromRoute,
      context: requestContext({ 'aws:SourceArn': 'arn:aws:execute-api:us-east-1:123456789012:other/dev/$connect' }),
    };
    expect(evaluate(fromRoute, [], { statements: permission, principal: gateway }).outcome).toBe('allow');
    expect(evaluate(fromElsewhere, [], { statements: permission, principal: gateway }).outcome).toBe('implicit-deny');
    expect(evaluate(fromRoute, [], { statements: permission, principal: events }).outcome).toBe('implicit-deny');
  });
});

describe('principalMatches', () => {
  const session: RequestPrincipal = {
    kind: 'role-session',
    accountId: '123456789012',
    roleArn: 'arn:aws:iam::123456789012:role/R',
    sessionArn: 'arn:aws:sts::123456789012:assumed-role/R/fn',
  };

  test('by account, account root, role or session ARN, or *', () => {
    for (const id of ['123456789012', 'arn:aws:iam::123456789012:root', 'arn:aws:iam::123456789012:role/R', '*']) {
      expect(principalMatches({ AWS: [id] }, session)).toBe(true);
    }
    expect(principalMatches('*', session)).toBe(true);
    expect(principalMatches({ AWS: ['111111111111'] }, session)).toBe(false);
    expect(principalMatches({ Service: ['lambda.amazonaws.com'] }, session)).toBe(false);
    expect(principalMatches(undefined, session)).toBe(false);
  });
});
