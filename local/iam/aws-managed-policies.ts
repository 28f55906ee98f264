/**
 * The AWS managed policies apps commonly attach to Lambda execution roles, with their documents as
 * AWS publishes them (AWS Managed Policy Reference Guide,
 * https://docs.aws.amazon.com/aws-managed-policy/latest/reference/<name>.html). A policy not
 * listed here grants nothing locally, and the emulator says so at start.
 *
 * Where a document is long, only the statements for the services the emulator runs (DynamoDB,
 * Lambda, API Gateway's @connections, SQS, EventBridge, Cognito) are kept: the others could not
 * change a local decision. Each such entry says so.
 */

interface ManagedPolicyDocument {
  readonly Version: '2012-10-17';
  readonly Statement: ReadonlyArray<Readonly<Record<string, unknown>>>;
}

const allow = (action: readonly string[], resource: string | readonly string[] = '*') => ({
  Effect: 'Allow',
  Action: action,
  Resource: resource,
});
const doc = (...statements: Array<Readonly<Record<string, unknown>>>): ManagedPolicyDocument => ({
  Version: '2012-10-17',
  Statement: statements,
});

const LOGS = ['logs:CreateLogGroup', 'logs:CreateLogStream', 'logs:PutLogEvents'];

/** By the ARN's part after `:policy/`, path included (e.g. `service-role/AWSLambdaBasicExecutionRole`). */
const AWS_MANAGED_POLICIES: Readonly<Record<string, ManagedPolicyDocument>> = {
  AdministratorAccess: doc(allow(['*'])),
  'service-role/AWSLambdaBasicExecutionRole': doc(allow(LOGS)),
  'service-role/AWSLambdaSQSQueueExecutionRole': doc(allow(['sqs:ReceiveMessage', 'sqs:DeleteMessage', 'sqs:GetQueueAttributes', ...LOGS])),
  'service-role/AWSLambdaDynamoDBExecutionRole': doc(
    allow(['dynamodb:DescribeStream', 'dynamodb:GetRecords', 'dynamodb:GetShardIterator', 'dynamodb:ListStreams', ...LOGS]),
  ),
  'service-role/AWSLambdaVPCAccessExecutionRole': doc(
    allow([
      ...LOGS,
      'ec2:CreateNetworkInterface',
      'ec2:DescribeNetworkInterfaces',
      'ec2:DescribeSubnets',
      'ec2:DeleteNetworkInterface',
      'ec2:AssignPrivateIpAddresses',
      'ec2:UnassignPrivateIpAddresses',
    ]),
  ),
  'service-role/AWSLambdaRole': doc(allow(['lambda:InvokeFunction'])),
  AWSXRayDaemonWriteAccess: doc(
    allow([
      'xray:PutTraceSegments',
      'xray:PutTelemetryRecords',
      'xray:GetSamplingRules',
      'xray:GetSamplingTargets',
      'xray:GetSamplingStatisticSummaries',
    ]),
  ),
  'AWSLambdaInvocation-DynamoDB': doc(
    allow(['lambda:InvokeFunction']),
    allow(['dynamodb:DescribeStream', 'dynamodb:GetRecords', 'dynamodb:GetShardIterator', 'dynamodb:ListStreams']),
  ),
  // Abridged: the first statement's DynamoDB and DAX actions; the rest are other services' (CloudWatch, SNS, IAM, ...).
  AmazonDynamoDBFullAccess: doc(allow(['dynamodb:*', 'dax:*'])),
  AmazonDynamoDBFullAccess_v2: doc(allow(['dynamodb:*', 'dax:*'])),
  // Abridged: the DynamoDB actions of the first statement; the rest are other services' (DAX, CloudWatch, ...).
  AmazonDynamoDBReadOnlyAccess: doc(
    allow([
      'dynamodb:BatchGetItem',
      'dynamodb:Describe*',
      'dynamodb:List*',
      'dynamodb:GetAbacStatus',
      'dynamodb:GetItem',
      'dynamodb:GetResourcePolicy',
      'dynamodb:Query',
      'dynamodb:Scan',
      'dynamodb:PartiQLSelect',
    ]),
  ),
  AmazonSQSFullAccess: doc(allow(['sqs:*'])),
  AmazonSQSReadOnlyAccess: doc(
    allow([
      'sqs:GetQueueAttributes',
      'sqs:GetQueueUrl',
      'sqs:ListDeadLetterSourceQueues',
      'sqs:ListQueues',
      'sqs:ListMessageMoveTasks',
      'sqs:ListQueueTags',
    ]),
  ),
  // Abridged: the EventBridge actions; the rest are IAM's (PassRole, service-linked roles).
  AmazonEventBridgeFullAccess: doc(allow(['events:*', 'schemas:*', 'scheduler:*', 'pipes:*'])),
  AmazonAPIGatewayInvokeFullAccess: doc(allow(['execute-api:Invoke', 'execute-api:ManageConnections'], 'arn:aws:execute-api:*:*:*')),
  AmazonAPIGatewayAdministrator: doc(allow(['apigateway:*'], 'arn:aws:apigateway:*::/*')),
  // Abridged: the Lambda actions; the rest are other services' (CloudFormation, CloudWatch, IAM, ...).
  AWSLambda_FullAccess: doc(allow(['lambda:*'])),
  // Abridged: the Cognito user pool actions.
  AmazonCognitoPowerUser: doc(allow(['cognito-idp:*', 'cognito-identity:*', 'cognito-sync:*'])),
};

const AWS_MANAGED_ARN = /^arn:[a-z-]+:iam::aws:policy\/(.+)$/;

/** Whether an ARN names an AWS managed policy (`arn:aws:iam::aws:policy/...`). */
export function isAwsManagedPolicy(arn: string): boolean {
  return AWS_MANAGED_ARN.test(arn);
}

/** The document of the AWS managed policy `arn` names, or undefined when the emulator does not know it. */
export function awsManagedPolicy(arn: string): ManagedPolicyDocument | undefined {
  const name = AWS_MANAGED_ARN.exec(arn)?.[1];
  return name !== undefined && Object.hasOwn(AWS_MANAGED_POLICIES, name) ? AWS_MANAGED_POLICIES[name] : undefined;
}
