import type { WebSocketAppSpec } from '../../../local/assembly/app-spec';
import { allowEverything, type IamAuthority } from '../../../local/iam/authority';
import { enforceIam, SHARED_FILE_DENIAL } from '../../../local/iam/enforcing-authority';
import { PrincipalDirectory, SHARED_FILE_CREDENTIALS, type Principal } from '../../../local/iam/principals';
import { LOCAL_CREDENTIALS } from '../../../protocol/local-endpoints';
import { ManualClock } from '../../support/manual-clock';
import { ACCOUNT, API_ARN, fn, iamApp, role, TABLE_ARN } from './iam-app';

const signedBy = (accessKeyId: string) => ({
  headers: {
    authorization: `AWS4-HMAC-SHA256 Credential=${accessKeyId}/20261207/us-east-1/dynamodb/aws4_request, SignedHeaders=host, Signature=0`,
  },
});

const APP = iamApp({
  functions: [fn('SendFn', 'SendRole'), fn('ReadFn', 'ReadRole'), fn('Orphan', 'NotInTemplate'), fn('Publish', 'PublishRole')],
  roles: [
    role('SendRole', [
      { Effect: 'Allow', Action: ['dynamodb:GetItem', 'dynamodb:Query'], Resource: TABLE_ARN },
      { Effect: 'Allow', Action: 'execute-api:ManageConnections', Resource: `${API_ARN}/dev/*/@connections/*` },
      { Effect: 'Deny', Action: 'execute-api:ManageConnections', Resource: `${API_ARN}/dev/DELETE/@connections/*` },
    ]),
    role(
      'ReadRole',
      [{ Effect: 'Allow', Action: 'dynamodb:GetItem', Resource: TABLE_ARN }],
      ['arn:aws:iam::aws:policy/service-role/AWSLambdaBasicExecutionRole'],
    ),
    role('PublishRole', [], ['arn:aws:iam::aws:policy/SomethingNew']),
  ],
  permissions: [
    {
      logicalId: 'SendPermission',
      functionLogicalId: 'SendFn',
      action: 'lambda:InvokeFunction',
      principal: 'apigateway.amazonaws.com',
      sourceArn: `${API_ARN}/*sendmessage`,
    },
    {
      logicalId: 'CrossCall',
      functionLogicalId: 'Publish',
      action: 'lambda:InvokeFunction',
      principal: `arn:aws:iam::${ACCOUNT}:role/ReadRole`,
    },
  ],
});

function authority(app: () => WebSocketAppSpec = () => APP): { iam: IamAuthority; log: string[]; principals: PrincipalDirectory } {
  const log: string[] = [];
  const principals = new PrincipalDirectory(APP, APP.functions.values());
  return {
    iam: enforceIam({ app, principals, log: (line) => log.push(line), clock: new ManualClock(Date.UTC(2026, 11, 7)) }),
    log,
    principals,
  };
}

const functionOf = (principals: PrincipalDirectory, id: string): Principal =>
  principals.principalOfKey(principals.credentialsOf(id)!.accessKeyId)!;

describe('enforceIam', () => {
  test("a function's call is allowed by its role's policies and denied with AWS's message otherwise, the log naming the grant", () => {
    const { iam, log, principals } = authority();
    const send = functionOf(principals, 'SendFn');

    expect(iam.authorize(send, 'dynamodb:GetItem', TABLE_ARN)).toEqual({ allowed: true });
    expect(iam.authorize(send, 'dynamodb:PutItem', TABLE_ARN)).toEqual({
      allowed: false,
      denial: 'implicit',
      message: `User: arn:aws:sts::${ACCOUNT}:assumed-role/SendRole/Chat-SendFn is not authorized to perform: dynamodb:PutItem on resource: ${TABLE_ARN} because no identity-based policy allows the dynamodb:PutItem action`,
    });
    expect(log.filter((line) => line.includes('denied'))).toEqual([
      `IAM        denied SendFn dynamodb:PutItem on ${TABLE_ARN}: no identity-based policy allows it; to allow it: table.grantWriteData(fn) (or run with --iam off to turn IAM off)`,
    ]);
  });

  test('an explicit Deny says so, and names the statement', () => {
    const { iam, log, principals } = authority();
    const send = functionOf(principals, 'SendFn');
    const post = `${API_ARN}/dev/POST/@connections/abc=`;
    const del = `${API_ARN}/dev/DELETE/@connections/abc=`;

    expect(iam.authorize(send, 'execute-api:ManageConnections', post).allowed).toBe(true);
    expect(iam.authorize(send, 'execute-api:ManageConnections', del)).toMatchObject({
      allowed: false,
      denial: 'explicit',
      message: expect.stringMatching(/on resource: .*DELETE\/@connections\/abc= with an explicit deny in an identity-based policy$/),
    });
    expect(log.at(-1)).toContain('denied by statement 3 of policy SendRolePolicy (AWS::IAM::Policy); remove that Deny');
  });

  test('AWS managed policies it knows grant what they grant; one it does not know, or a role not in the template, is warned about once', () => {
    const { iam, log, principals } = authority();

    expect(iam.authorize(functionOf(principals, 'ReadFn'), 'logs:PutLogEvents', 'arn:aws:logs:us-east-1:1:log-group:x').allowed).toBe(true);
    expect(iam.authorize(functionOf(principals, 'Orphan'), 'dynamodb:GetItem', TABLE_ARN).allowed).toBe(false);
    expect(log.filter((line) => line.startsWith('warning:'))).toEqual([
      'warning: IAM: role PublishRole: the emulator does not know the AWS managed policy arn:aws:iam::aws:policy/SomethingNew, so it grants nothing here (run with --iam off to turn IAM off)',
      `warning: IAM: function Orphan's role arn:aws:iam::${ACCOUNT}:role/NotInTemplate is not in the template: the emulator knows none of its policies, so none of its AWS calls is allowed (run with --iam off to turn IAM off)`,
    ]);
  });

  test("a function's permission lets another function's role invoke it, with no identity policy", () => {
    const { iam, principals } = authority();
    const target = `arn:aws:lambda:us-east-1:${ACCOUNT}:function:Chat-Publish`;

    expect(iam.authorize(functionOf(principals, 'ReadFn'), 'lambda:InvokeFunction', target).allowed).toBe(true);
    expect(iam.authorize(functionOf(principals, 'SendFn'), 'lambda:InvokeFunction', target)).toMatchObject({ allowed: false });
  });

  test("the developer is an administrator; the fake credentials file's keys are refused, saying why", () => {
    const { iam, principals } = authority();
    const developer = iam.principalOf(signedBy(LOCAL_CREDENTIALS.accessKeyId))!;
    const stranger = iam.principalOf(signedBy('AKIAREALUSERKEY00000'))!;
    const profile = iam.principalOf(signedBy(SHARED_FILE_CREDENTIALS.accessKeyId))!;

    expect(developer).toEqual({ kind: 'developer' });
    // A key the emulator never gave out comes from a program on this machine, not a function.
    expect(stranger).toEqual({ kind: 'developer' });
    expect(iam.authorize(developer, 'dynamodb:DeleteTable', TABLE_ARN).allowed).toBe(true);
    expect(iam.authorize(profile, 'dynamodb:PutItem', TABLE_ARN)).toEqual({
      allowed: false,
      denial: 'credentials',
      message: SHARED_FILE_DENIAL,
    });
    expect(iam.principalOf({ headers: {} })).toBeUndefined();
    expect(allowEverything(principals).authorize(profile, 'dynamodb:PutItem', TABLE_ARN).allowed).toBe(true);
  });

  test("a service may invoke a function only as the function's permissions allow, for that source", () => {
    const { iam, log } = authority();

    expect(iam.allowsServiceInvoke('apigateway.amazonaws.com', 'SendFn', `${API_ARN}/dev/sendmessage`).allowed).toBe(true);
    expect(iam.allowsServiceInvoke('apigateway.amazonaws.com', 'SendFn', `${API_ARN}/dev/$connect`).allowed).toBe(false);
    expect(iam.allowsServiceInvoke('events.amazonaws.com', 'SendFn', `arn:aws:events:us-east-1:${ACCOUNT}:rule/r`).allowed).toBe(false);
    expect(iam.allowsServiceInvoke('apigateway.amazonaws.com', 'ReadFn', `${API_ARN}/dev/$default`)).toMatchObject({
      allowed: false,
      message: `apigateway.amazonaws.com is not authorized to perform: lambda:InvokeFunction on resource: arn:aws:lambda:us-east-1:${ACCOUNT}:function:Chat-ReadFn because no resource-based policy allows the lambda:InvokeFunction action`,
    });
    expect(log.at(-1)).toContain(`denied apigateway.amazonaws.com lambda:InvokeFunction on function ReadFn for ${API_ARN}/dev/$default`);
    expect(log.at(-1)).toContain("CDK's WebSocketLambdaIntegration and WebSocketLambdaAuthorizer add it");
    expect(
      allowEverything(new PrincipalDirectory(APP, [])).allowsServiceInvoke('apigateway.amazonaws.com', 'ReadFn', API_ARN).allowed,
    ).toBe(true);
  });

  test("a service's allowed invocation holds until a reload changes the function's permissions", () => {
    // GIVEN API Gateway allowed to invoke SendFn, asked often, as it is for every message
    let app = APP;
    const { iam } = authority(() => app);
    const sourceArn = `${API_ARN}/dev/sendmessage`;
    for (let i = 0; i < 3; i++) expect(iam.allowsServiceInvoke('apigateway.amazonaws.com', 'SendFn', sourceArn).allowed).toBe(true);
    // WHEN a reload serves the app without that permission, THEN the next invocation is denied
    app = { ...APP, lambdaPermissions: APP.lambdaPermissions.filter((p) => p.logicalId !== 'SendPermission') };
    expect(iam.allowsServiceInvoke('apigateway.amazonaws.com', 'SendFn', sourceArn).allowed).toBe(false);
  });

  test('a condition it cannot evaluate is logged once, and the statement applies', () => {
    const app = iamApp({
      functions: [fn('Fn', 'Role')],
      roles: [
        role('Role', [
          {
            Effect: 'Allow',
            Action: 'dynamodb:GetItem',
            Resource: TABLE_ARN,
            Condition: { 'ForAllValues:StringEquals': { 'dynamodb:LeadingKeys': ['u1'] } },
          },
        ]),
      ],
    });
    const log: string[] = [];
    const principals = new PrincipalDirectory(app, app.functions.values());
    const iam = enforceIam({ app: () => app, principals, log: (line) => log.push(line), clock: new ManualClock(0) });
    const caller = principals.principalOfKey(principals.credentialsOf('Fn')!.accessKeyId)!;

    expect(iam.authorize(caller, 'dynamodb:GetItem', TABLE_ARN).allowed).toBe(true);
    expect(iam.authorize(caller, 'dynamodb:GetItem', TABLE_ARN).allowed).toBe(true);
    expect(log).toEqual([
      'IAM        not evaluated: condition ForAllValues:StringEquals dynamodb:LeadingKeys in statement 1 of policy RolePolicy (AWS::IAM::Policy); the emulator treats it as matching',
    ]);
  });

  test('a reload that adds a grant is enforced from then on', () => {
    const before = iamApp({ functions: [fn('Fn', 'Role')], roles: [role('Role', [])] });
    const after = iamApp({
      functions: [fn('Fn', 'Role')],
      roles: [role('Role', [{ Effect: 'Allow', Action: 'dynamodb:PutItem', Resource: TABLE_ARN }])],
    });
    let served = before;
    const principals = new PrincipalDirectory(before, before.functions.values());
    const iam = enforceIam({ app: () => served, principals, log: () => undefined, clock: new ManualClock(0) });
    const caller = principals.principalOfKey(principals.credentialsOf('Fn')!.accessKeyId)!;

    expect(iam.authorize(caller, 'dynamodb:PutItem', TABLE_ARN).allowed).toBe(false);
    served = after;
    expect(iam.authorize(caller, 'dynamodb:PutItem', TABLE_ARN).allowed).toBe(true);
  });
});
