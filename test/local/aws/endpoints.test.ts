import { awsServiceOf, destinationOf, normalizeHost, notEmulatedMessage, type LocalAwsServices } from '../../../local/aws/endpoints';

const local: LocalAwsServices = {
  region: 'us-east-1',
  urlSuffix: 'amazonaws.com',
  apis: { abc123: '127.0.0.1:3001' },
  services: { dynamodb: '127.0.0.1:4567', lambda: '127.0.0.1:3001', sqs: '127.0.0.1:4000' },
};

describe('awsServiceOf', () => {
  test.each([
    ['sns.us-east-1.amazonaws.com', 'sns'],
    ['sts.amazonaws.com', 'sts'],
    ['bucket.s3.eu-west-1.amazonaws.com', 's3'],
    ['portal.sso.us-east-1.amazonaws.com', 'sso'],
    ['dynamodb-fips.us-gov-west-1.amazonaws.com', 'dynamodb'],
    ['dynamodb.cn-north-1.amazonaws.com.cn', 'dynamodb'],
    ['sqs.us-east-1.api.aws', 'sqs'],
    ['xyz.lambda-url.eu-west-1.on.aws', 'lambda-url'],
    ['SNS.US-EAST-1.AMAZONAWS.COM.', 'sns'],
    ['169.254.169.254', 'EC2 instance metadata'],
    ['[fd00:ec2::254]', 'EC2 instance metadata'],
    ['169.254.170.2', 'ECS container credentials'],
  ])('%s is %s', (host, service) => {
    expect(awsServiceOf(host)).toBe(service);
  });

  test.each(['example.com', 'notamazonaws.com', '127.0.0.1', 'localhost'])('%s is not AWS', (host) => {
    expect(awsServiceOf(host)).toBeUndefined();
  });
});

describe('destinationOf', () => {
  test("the API's own host goes to the local gateway", () => {
    expect(destinationOf('abc123.execute-api.us-east-1.amazonaws.com', local)).toEqual({
      kind: 'local',
      service: 'execute-api',
      target: '127.0.0.1:3001',
    });
  });

  test.each(['dynamodb.us-east-1.amazonaws.com', 'dynamodb.us-east-1.api.aws', '111122223333.ddb.us-east-1.amazonaws.com'])(
    '%s goes to the local DynamoDB',
    (host) => {
      expect(destinationOf(host, local)).toEqual({ kind: 'local', service: 'dynamodb', target: '127.0.0.1:4567' });
    },
  );

  test.each([
    ['other.execute-api.us-east-1.amazonaws.com', 'execute-api'],
    ['dynamodb.eu-west-1.amazonaws.com', 'dynamodb'],
    ['111122223333.ddb.eu-west-1.amazonaws.com', 'ddb'],
    ['sns.us-east-1.amazonaws.com', 'sns'],
    ['sqs.eu-west-1.amazonaws.com', 'sqs'],
    ['169.254.169.254', 'EC2 instance metadata'],
  ])('%s is refused as %s', (host, service) => {
    expect(destinationOf(host, local)).toEqual({ kind: 'refused', service, host: normalizeHost(host) });
  });

  test.each([
    ['sqs.us-east-1.amazonaws.com', 'sqs', '127.0.0.1:4000'],
    ['lambda.us-east-1.amazonaws.com', 'lambda', '127.0.0.1:3001'],
  ])('%s goes to the local %s the emulator serves', (host, service, target) => {
    expect(destinationOf(host, local)).toEqual({ kind: 'local', service, target });
  });

  test('a refusal names the service asked for and what is served instead', () => {
    expect(notEmulatedMessage('sns', 'sns.us-east-1.amazonaws.com', local)).toBe(
      'the Switchboard emulator does not emulate sns (sns.us-east-1.amazonaws.com); functions run locally never reach AWS. ' +
        "Served locally: the WebSocket API's @connections (abc123.execute-api.us-east-1.amazonaws.com), " +
        'dynamodb (dynamodb.us-east-1.amazonaws.com), lambda (lambda.us-east-1.amazonaws.com), sqs (sqs.us-east-1.amazonaws.com).',
    );
  });

  test('other hosts go out as asked', () => {
    expect(destinationOf('example.com', local)).toEqual({ kind: 'other' });
  });
});
