import type { FunctionSpec } from '../../../local/assembly/app-spec';
import { functionEnvironment, rewriteApiUrls } from '../../../local/runtime/function-environment';
import { cognitoIssuerUrl } from '../../../protocol';

const app = { apiId: 'abc123', region: 'eu-west-1', urlSuffix: 'amazonaws.com' };

const spec: FunctionSpec = {
  logicalId: 'EchoFn',
  functionName: 'Hand-EchoFn',
  codeDir: '/assets/echo',
  handler: 'index.handler',
  runtime: 'nodejs22.x',
  timeoutSeconds: 3,
  memorySize: 256,
  environment: {
    CALLBACK_URL: 'https://abc123.execute-api.eu-west-1.amazonaws.com/dev',
    ISSUER: cognitoIssuerUrl('eu-west-1', 'amazonaws.com', 'eu-west-1_AbC123xYz'),
    TABLE: 'connections',
  },
};

describe('rewriteApiUrls', () => {
  test('the API endpoint and callback URL are rewritten to the local origin', () => {
    expect(rewriteApiUrls('https://abc123.execute-api.eu-west-1.amazonaws.com/dev', app, '127.0.0.1:3001')).toBe(
      'http://127.0.0.1:3001/dev',
    );
    expect(rewriteApiUrls('wss://abc123.execute-api.eu-west-1.amazonaws.com', app, '127.0.0.1:3001')).toBe('ws://127.0.0.1:3001');
    expect(rewriteApiUrls('https://other.execute-api.eu-west-1.amazonaws.com/dev', app, '127.0.0.1:3001')).toBe(
      'https://other.execute-api.eu-west-1.amazonaws.com/dev',
    );
  });
});

describe('functionEnvironment', () => {
  const environment = functionEnvironment({
    app,
    gatewayHostPort: '127.0.0.1:3001',
    dynamodbEndpoint: 'http://127.0.0.1:8000',
    credentialFiles: { AWS_SHARED_CREDENTIALS_FILE: '/tmp/fake/credentials' },
    services: { sqs: '127.0.0.1:4000' },
    credentialsOf: (fn) => ({ accessKeyId: `KEY-${fn.logicalId}`, secretAccessKey: 'secret', sessionToken: 'token' }),
    nodePathOf: (fn) => `/emulator/node_modules:/cache/${fn.logicalId}`,
  });

  test("a function's own variables: Lambda's, and the template's with the API's URLs made local and the user pool's issuer as on AWS", () => {
    expect(environment.of(spec)).toEqual({
      AWS_LAMBDA_FUNCTION_NAME: 'Hand-EchoFn',
      AWS_LAMBDA_FUNCTION_MEMORY_SIZE: '256',
      AWS_LAMBDA_FUNCTION_VERSION: '$LATEST',
      AWS_LAMBDA_INITIALIZATION_TYPE: 'on-demand',
      AWS_LAMBDA_LOG_GROUP_NAME: '/aws/lambda/Hand-EchoFn',
      AWS_EXECUTION_ENV: 'AWS_Lambda_nodejs22.x',
      LAMBDA_TASK_ROOT: '/assets/echo',
      _HANDLER: 'index.handler',
      NODE_PATH: '/emulator/node_modules:/cache/EchoFn',
      CALLBACK_URL: 'http://127.0.0.1:3001/dev',
      // Functions reach the local Cognito under its AWS host name: the issuer URL stays what tokens carry.
      ISSUER: 'https://cognito-idp.eu-west-1.amazonaws.com/eu-west-1_AbC123xYz',
      TABLE: 'connections',
      AWS_ACCESS_KEY_ID: 'KEY-EchoFn',
      AWS_SECRET_ACCESS_KEY: 'secret',
      AWS_SESSION_TOKEN: 'token',
    });
  });

  test('the template may set its own NODE_PATH, as on Lambda, where it is not reserved', () => {
    expect(environment.of({ ...spec, environment: { NODE_PATH: '/opt/mine' } }).NODE_PATH).toBe('/opt/mine');
  });

  test("the template cannot change a function's credentials, as Lambda reserves them", () => {
    const claims = { ...spec, environment: { ...spec.environment, AWS_ACCESS_KEY_ID: 'mine', AWS_SESSION_TOKEN: 'mine' } };
    expect(environment.of(claims)).toMatchObject({ AWS_ACCESS_KEY_ID: 'KEY-EchoFn', AWS_SESSION_TOKEN: 'token' });
  });

  test('every function reaches the local services, with none of the credentials of this process', () => {
    expect(environment.base).toMatchObject({
      AWS_REGION: 'eu-west-1',
      AWS_DEFAULT_REGION: 'eu-west-1',
      AWS_ENDPOINT_URL_DYNAMODB: 'http://127.0.0.1:8000',
      AWS_ENDPOINT_URL_LAMBDA: 'http://127.0.0.1:3001',
    });
    expect(Object.keys(environment.base).filter((key) => /^AWS_(ACCESS|SECRET|SESSION|PROFILE)/.test(key))).toEqual([]);
    expect(environment.reserved).toEqual({ AWS_SHARED_CREDENTIALS_FILE: '/tmp/fake/credentials' });
    expect(environment.localAws).toEqual({
      region: 'eu-west-1',
      urlSuffix: 'amazonaws.com',
      apis: { abc123: '127.0.0.1:3001' },
      services: { sqs: '127.0.0.1:4000', dynamodb: '127.0.0.1:8000', lambda: '127.0.0.1:3001' },
    });
  });
});
