/** An app spec with the IAM of a small WebSocket app, for the IAM tests: no assembly, no CDK. */
import type { FunctionSpec, LambdaPermissionSpec, RoleSpec, WebSocketAppSpec } from '../../../local/assembly/app-spec';
import { testApp } from '../services/service-harness';

export const ACCOUNT = '123456789012';
export const TABLE_ARN = `arn:aws:dynamodb:us-east-1:${ACCOUNT}:table/Chat-Connections`;
export const API_ARN = `arn:aws:execute-api:us-east-1:${ACCOUNT}:api123`;

/** A Node function of the app, with its role. */
export function fn(logicalId: string, roleName?: string): FunctionSpec {
  return {
    logicalId,
    functionName: `Chat-${logicalId}`,
    codeDir: '/none',
    handler: 'index.handler',
    runtime: 'nodejs22.x',
    timeoutSeconds: 3,
    memorySize: 128,
    environment: {},
    roleArn: roleName && `arn:aws:iam::${ACCOUNT}:role/${roleName}`,
  };
}

/** A role whose one policy has `statements`, and managed policies. */
export function role(name: string, statements: unknown[], managedPolicyArns: string[] = []): RoleSpec {
  return {
    logicalId: name,
    roleName: name,
    arn: `arn:aws:iam::${ACCOUNT}:role/${name}`,
    policies: [{ source: `policy ${name}Policy (AWS::IAM::Policy)`, document: { Version: '2012-10-17', Statement: statements } }],
    managedPolicyArns,
  };
}

/** The app: its functions, roles and permissions. */
export function iamApp(parts: {
  functions: FunctionSpec[];
  roles?: RoleSpec[];
  permissions?: LambdaPermissionSpec[];
  managedPolicies?: WebSocketAppSpec['managedPolicies'];
}): WebSocketAppSpec {
  return testApp({
    stackName: 'Chat',
    apiName: 'Chat',
    apiId: 'api123',
    accountId: ACCOUNT,
    functions: new Map(parts.functions.map((f) => [f.logicalId, f])),
    roles: parts.roles ?? [],
    managedPolicies: parts.managedPolicies ?? [],
    lambdaPermissions: parts.permissions ?? [],
  });
}
