import { callbackUrlEnv, positiveIntEnv, positiveNumberEnv, rateLimitEnv, requireEnv } from '../../lambda/core/config';
import { RATE_LIMIT_DEFAULTS } from '../../contract/defaults';
import { RATE_LIMIT_ENV } from '../../contract/environment';

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

  it('reads rate limits: a positive rate, fractions allowed, and a positive integer burst', () => {
    expect(rateLimitEnv(RATE_LIMIT_ENV.frames, RATE_LIMIT_DEFAULTS.frames, {})).toEqual({ perSecond: 50, burst: 100 });
    expect(
      rateLimitEnv(RATE_LIMIT_ENV.roomMessages, RATE_LIMIT_DEFAULTS.roomMessages, {
        ROOM_MESSAGES_PER_SECOND: '0.5',
        ROOM_MESSAGE_BURST: '3',
      }),
    ).toEqual({
      perSecond: 0.5,
      burst: 3,
    });
    expect(() => positiveNumberEnv('R', 1, { R: '0' })).toThrow('Environment variable R must be a positive number; got "0".');
    expect(() => positiveNumberEnv('R', 1, { R: 'fast' })).toThrow('got "fast"');
    expect(() => rateLimitEnv(RATE_LIMIT_ENV.frames, RATE_LIMIT_DEFAULTS.frames, { FRAME_BURST: '1.5' })).toThrow(
      'FRAME_BURST must be a positive integer; got "1.5"',
    );
  });

  it('requires the callback URL to carry its scheme', () => {
    expect(callbackUrlEnv({ CALLBACK_URL: 'https://abc.execute-api.us-east-1.amazonaws.com/dev/' })).toBe(
      'https://abc.execute-api.us-east-1.amazonaws.com/dev',
    );
    expect(() => callbackUrlEnv({ CALLBACK_URL: 'abc.execute-api.us-east-1.amazonaws.com/dev' })).toThrow('must be an http(s) URL');
  });
});
