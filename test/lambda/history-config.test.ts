import { historyEnv } from '../../lambda/core/config';
import { HISTORY_DEFAULTS } from '../../contract/defaults';
import { ENV } from '../../contract/environment';

describe('historyEnv (read at cold start)', () => {
  it('defaults to 100 messages kept 24 hours', () => {
    expect(historyEnv({})).toEqual({ limit: 100, retentionSeconds: 86_400 });
    expect(HISTORY_DEFAULTS).toEqual({ limit: 100, retentionSeconds: 86_400 });
  });

  it('reads both variables, 0 (history off) included', () => {
    expect(historyEnv({ [ENV.historyLimit]: '0', [ENV.historyRetentionSeconds]: '60' })).toEqual({ limit: 0, retentionSeconds: 60 });
    expect(historyEnv({ [ENV.historyLimit]: '1000', [ENV.historyRetentionSeconds]: '2592000' })).toEqual({
      limit: 1000,
      retentionSeconds: 2_592_000,
    });
  });

  it.each([
    [
      { [ENV.historyLimit]: '1001' },
      'Environment variable HISTORY_LIMIT must be an integer from 0 (history off) to 1000 messages per room; got 1001.',
    ],
    [{ [ENV.historyLimit]: 'lots' }, 'Environment variable HISTORY_LIMIT must be a number; got "lots".'],
    [{ [ENV.historyLimit]: '-1' }, 'HISTORY_LIMIT must be an integer from 0'],
    [
      { [ENV.historyRetentionSeconds]: '59' },
      'HISTORY_RETENTION_SECONDS must be a whole number of seconds from 60 (1 minute) to 2592000 (30 days); got 59.',
    ],
    [{ [ENV.historyRetentionSeconds]: '2592001' }, 'HISTORY_RETENTION_SECONDS must be a whole number of seconds from 60'],
    [{ [ENV.historyRetentionSeconds]: '90.5' }, 'got 90.5.'],
  ])('refuses %p, naming the variable and the value', (env, message) => {
    expect(() => historyEnv(env)).toThrow(message);
  });
});
