import { LOCAL_CREDENTIALS } from '../../../protocol/local-endpoints';
import { functionAccessKeyId, PrincipalDirectory, signingKeyOf } from '../../../local/iam/principals';

const STACK = { stackName: 'Chat', accountId: '123456789012' };
const FUNCTIONS = [
  { logicalId: 'SendFn', functionName: 'Chat-SendFn', roleArn: 'arn:aws:iam::123456789012:role/Chat-SendFnRole' },
  { logicalId: 'ConnectFn', functionName: 'Chat-ConnectFn' },
];

/** A SigV4 Authorization header as SDK v3 sends it. */
const signedBy = (accessKeyId: string) => ({
  authorization: `AWS4-HMAC-SHA256 Credential=${accessKeyId}/20261207/us-east-1/dynamodb/aws4_request, SignedHeaders=host;x-amz-date, Signature=abc`,
});

describe('functionAccessKeyId', () => {
  test('is a temporary key id, stable for a function of a stack, and different for every other', () => {
    const id = functionAccessKeyId('Chat', 'SendFn');
    expect(id).toMatch(/^ASIA[A-Z2-7]{16}$/);
    expect(functionAccessKeyId('Chat', 'SendFn')).toBe(id);
    expect(functionAccessKeyId('Chat', 'ConnectFn')).not.toBe(id);
    expect(functionAccessKeyId('Other', 'SendFn')).not.toBe(id);
  });
});

describe('signingKeyOf', () => {
  test("reads the key from SigV4's Authorization header", () => {
    expect(signingKeyOf({ headers: signedBy('ASIAEXAMPLE') })).toBe('ASIAEXAMPLE');
  });

  test("reads the key from a presigned URL's X-Amz-Credential", () => {
    const url =
      '/dev/@connections/abc?X-Amz-Algorithm=AWS4-HMAC-SHA256&X-Amz-Credential=ASIAPRESIGNED%2F20261207%2Fus-east-1%2Fexecute-api%2Faws4_request';
    expect(signingKeyOf({ headers: {}, url })).toBe('ASIAPRESIGNED');
  });

  test('finds none in an unsigned request, or one signed otherwise', () => {
    expect(signingKeyOf({ headers: {}, url: '/dev' })).toBeUndefined();
    expect(signingKeyOf({ headers: { authorization: 'Bearer token' } })).toBeUndefined();
  });
});

describe('PrincipalDirectory', () => {
  const directory = new PrincipalDirectory(STACK, FUNCTIONS);

  test("a function's calls are its role session, named as AWS names it in errors", () => {
    const credentials = directory.credentialsOf('SendFn')!;
    expect(directory.principalOf({ headers: signedBy(credentials.accessKeyId) })).toEqual({
      kind: 'function',
      functionLogicalId: 'SendFn',
      functionName: 'Chat-SendFn',
      roleArn: 'arn:aws:iam::123456789012:role/Chat-SendFnRole',
      sessionArn: 'arn:aws:sts::123456789012:assumed-role/Chat-SendFnRole/Chat-SendFn',
    });
  });

  test('every function has credentials of its own, with a session token as Lambda gives', () => {
    const send = directory.credentialsOf('SendFn')!;
    const connect = directory.credentialsOf('ConnectFn')!;
    expect(send.accessKeyId).not.toBe(connect.accessKeyId);
    expect(send.sessionToken).not.toBe('');
    expect(directory.principalOfKey(connect.accessKeyId)).toMatchObject({ functionLogicalId: 'ConnectFn' });
  });

  test("the emulator's local keys are the developer's programs; a key it never gave out is nobody", () => {
    expect(directory.principalOfKey(LOCAL_CREDENTIALS.accessKeyId)).toEqual({ kind: 'developer' });
    expect(directory.principalOfKey('AKIAREALUSERKEY00000')).toBeUndefined();
    expect(directory.principalOf({ headers: {} })).toBeUndefined();
  });
});
