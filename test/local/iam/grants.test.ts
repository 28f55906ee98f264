import { awsManagedPolicy, isAwsManagedPolicy } from '../../../local/iam/aws-managed-policies';
import { grantFor, invokePermissionFor } from '../../../local/iam/grants';

const TABLE = 'arn:aws:dynamodb:us-east-1:123456789012:table/t';

test.each([
  ['dynamodb:GetItem', TABLE, 'table.grantReadData(fn)'],
  ['dynamodb:Query', `${TABLE}/index/byRoom`, 'table.grantReadData(fn)'],
  ['dynamodb:PutItem', TABLE, 'table.grantWriteData(fn)'],
  ['dynamodb:DescribeTable', TABLE, 'table.grantReadData(fn) (or grantReadWriteData)'],
  ['dynamodb:ListStreams', TABLE, 'table.grantStreamRead(fn)'],
  ['dynamodb:ListTables', '*', "fn.addToRolePolicy(new iam.PolicyStatement({ actions: ['dynamodb:ListTables'], resources: ['*'] }))"],
  [
    'execute-api:ManageConnections',
    'arn:aws:execute-api:us-east-1:1:a/dev/POST/@connections/x',
    'stage.grantManagementApiAccess(fn) (or api.grantManageConnections(fn))',
  ],
  ['lambda:InvokeFunction', 'arn:aws:lambda:us-east-1:1:function:f', 'targetFunction.grantInvoke(fn)'],
  ['sqs:SendMessage', 'arn:aws:sqs:us-east-1:1:q', 'queue.grantSendMessages(fn)'],
  ['sqs:ReceiveMessage', 'arn:aws:sqs:us-east-1:1:q', 'queue.grantConsumeMessages(fn)'],
  ['events:PutEvents', 'arn:aws:events:us-east-1:1:event-bus/default', 'bus.grantPutEventsTo(fn)'],
  ['cognito-idp:AdminGetUser', 'arn:aws:cognito-idp:us-east-1:1:userpool/p', "userPool.grant(fn, 'cognito-idp:AdminGetUser')"],
  [
    's3:GetObject',
    'arn:aws:s3:::b/k',
    "fn.addToRolePolicy(new iam.PolicyStatement({ actions: ['s3:GetObject'], resources: ['arn:aws:s3:::b/k'] }))",
  ],
])('the grant for %s on %s is %s', (action, resource, grant) => {
  expect(grantFor(action, resource)).toBe(grant);
});

test('a service invoke permission is explained by what CDK adds and the L1 resource', () => {
  expect(invokePermissionFor('apigateway.amazonaws.com', 'arn:x')).toMatch(
    /^CDK's WebSocketLambdaIntegration .* principal 'apigateway.amazonaws.com'/,
  );
  expect(invokePermissionFor('events.amazonaws.com', 'arn:x')).toMatch(/^CDK's targets.LambdaFunction adds it/);
});

test('AWS managed policies are found by ARN in any partition, with their path', () => {
  expect(awsManagedPolicy('arn:aws:iam::aws:policy/service-role/AWSLambdaBasicExecutionRole')?.Statement).toEqual([
    { Effect: 'Allow', Action: ['logs:CreateLogGroup', 'logs:CreateLogStream', 'logs:PutLogEvents'], Resource: '*' },
  ]);
  expect(awsManagedPolicy('arn:aws-cn:iam::aws:policy/AdministratorAccess')).toBeDefined();
  expect(awsManagedPolicy('arn:aws:iam::aws:policy/AWSLambdaBasicExecutionRole')).toBeUndefined();
  expect(awsManagedPolicy('arn:aws:iam::123456789012:policy/AdministratorAccess')).toBeUndefined();
  expect(isAwsManagedPolicy('arn:aws:iam::aws:policy/Unknown')).toBe(true);
  expect(isAwsManagedPolicy('arn:aws:iam::123456789012:policy/mine')).toBe(false);
});
