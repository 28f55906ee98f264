/**
 * The CDK call that would grant a denied action, for the emulator's log: the grant methods of the
 * L2 constructs (aws-cdk-lib's `Table.grantReadData`, `WebSocketStage.grantManagementApiAccess`,
 * `Function.grantInvoke`, `Queue.grantSendMessages`, `EventBus.grantPutEventsTo`,
 * `UserPool.grant`), and a policy statement for the rest. Also the permission a service needs to
 * invoke a function, which CDK's integrations and targets add.
 */

/** aws-cdk-lib's `dynamodb.Table` READ_DATA_ACTIONS and WRITE_DATA_ACTIONS (perms.ts). */
const DYNAMODB_READ = new Set([
  'BatchGetItem',
  'GetRecords',
  'GetShardIterator',
  'Query',
  'GetItem',
  'Scan',
  'ConditionCheckItem',
  'DescribeTable',
]);
const DYNAMODB_WRITE = new Set(['BatchWriteItem', 'PutItem', 'UpdateItem', 'DeleteItem', 'DescribeTable']);
const DYNAMODB_STREAM = new Set(['DescribeStream', 'GetRecords', 'GetShardIterator', 'ListStreams']);

/** aws-cdk-lib's `sqs.Queue` grantSendMessages, grantConsumeMessages and grantPurge actions. */
const SQS_SEND = new Set(['SendMessage', 'GetQueueAttributes', 'GetQueueUrl']);
const SQS_CONSUME = new Set(['ReceiveMessage', 'ChangeMessageVisibility', 'GetQueueUrl', 'DeleteMessage', 'GetQueueAttributes']);

/** A policy statement granting `action` on `resource`, for actions no grant method covers. */
function statement(action: string, resource: string): string {
  return `fn.addToRolePolicy(new iam.PolicyStatement({ actions: ['${action}'], resources: ['${resource}'] }))`;
}

/** The CDK call that would let the function (`fn`) perform `action` on `resource`. */
export function grantFor(action: string, resource: string): string {
  const [service, name = ''] = action.split(':');
  switch (service.toLowerCase()) {
    case 'dynamodb':
      if (resource === '*') return statement(action, '*');
      if (DYNAMODB_READ.has(name) && !DYNAMODB_WRITE.has(name)) return 'table.grantReadData(fn)';
      if (DYNAMODB_WRITE.has(name) && !DYNAMODB_READ.has(name)) return 'table.grantWriteData(fn)';
      if (DYNAMODB_READ.has(name)) return 'table.grantReadData(fn) (or grantReadWriteData)';
      if (DYNAMODB_STREAM.has(name)) return 'table.grantStreamRead(fn)';
      return `table.grant(fn, '${action}')`;
    case 'execute-api':
      return 'stage.grantManagementApiAccess(fn) (or api.grantManageConnections(fn))';
    case 'lambda':
      return name === 'InvokeFunction' ? 'targetFunction.grantInvoke(fn)' : statement(action, resource);
    case 'sqs':
      if (name === 'SendMessage' || name === 'SendMessageBatch') return 'queue.grantSendMessages(fn)';
      if (name === 'PurgeQueue') return 'queue.grantPurge(fn)';
      if (SQS_CONSUME.has(name)) return 'queue.grantConsumeMessages(fn)';
      if (SQS_SEND.has(name)) return 'queue.grantSendMessages(fn)';
      return `queue.grant(fn, '${action}')`;
    case 'events':
      return name === 'PutEvents' ? 'bus.grantPutEventsTo(fn)' : statement(action, resource);
    case 'cognito-idp':
      return `userPool.grant(fn, '${action}')`;
    default:
      return statement(action, resource);
  }
}

/** How an app lets `service` invoke a function: what CDK adds, and the L1 resource that does the same. */
export function invokePermissionFor(service: string, sourceArn: string): string {
  const l1 = `a CfnPermission (AWS::Lambda::Permission) with action 'lambda:InvokeFunction', principal '${service}' and a sourceArn matching ${sourceArn}`;
  switch (service) {
    case 'apigateway.amazonaws.com':
      return `CDK's WebSocketLambdaIntegration and WebSocketLambdaAuthorizer add it; an L1 app needs ${l1} (e.g. arn:aws:execute-api:<region>:<account>:<apiId>/*)`;
    case 'events.amazonaws.com':
      return `CDK's targets.LambdaFunction adds it; an L1 app needs ${l1} (the rule's ARN)`;
    default:
      return `add ${l1}`;
  }
}
