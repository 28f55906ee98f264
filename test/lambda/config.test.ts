import { callbackUrlEnv, positiveIntEnv, requireEnv } from '../../lambda/core/config';

describe('configuration', () => {
  it('names a missing variable', () => {
    expect(() => requireEnv('TABLE_NAME', {})).toThrow('Environment variable TABLE_NAME is not set');
    expect(() => requireEnv('TABLE_NAME', { TABLE_NAME: ' ' })).toThrow('TABLE_NAME is not set');
    expect(requireEnv('TABLE_NAME', { TABLE_NAME: 't' })).toBe('t');
  });

  it('reads positive integers and rejects anything else', () => {
    expect(positiveIntEnv('N', 20, {})).toBe(20);
    expect(positiveIntEnv('N', 20, { N: '5' })).toBe(5);
    expect(() => positiveIntEnv('N', 20, { N: '0' })).toThrow('N must be a positive integer; got "0"');
    expect(() => positiveIntEnv('N', 20, { N: '2.5' })).toThrow('got "2.5"');
  });

  it('requires the callback URL to carry its scheme', () => {
    expect(callbackUrlEnv({ CALLBACK_URL: 'https://abc.execute-api.us-east-1.amazonaws.com/dev/' })).toBe(
      'https://abc.execute-api.us-east-1.amazonaws.com/dev',
    );
    expect(() => callbackUrlEnv({ CALLBACK_URL: 'abc.execute-api.us-east-1.amazonaws.com/dev' })).toThrow('must be an http(s) URL');
  });
});
