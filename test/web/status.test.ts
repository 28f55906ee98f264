import { statusClass, statusText } from '../../web/src/status';

describe('statusText', () => {
  test('while reconnecting: one line with a countdown in whole seconds, then "now" while the attempt runs', () => {
    const status = { state: 'reconnecting', attempt: 2, retryAt: 10_000, reason: 'dropped' } as const;
    expect(statusText(status, 5_500)).toBe('server unreachable, retrying in 5s');
    expect(statusText(status, 9_001)).toBe('server unreachable, retrying in 1s');
    expect(statusText(status, 10_000)).toBe('server unreachable, retrying now…');
    expect(statusText(status, 12_000)).toBe('server unreachable, retrying now…');
  });

  test('the first attempt after a drop is a lost connection; a failed token or a later attempt means unreachable', () => {
    expect(statusText({ state: 'reconnecting', attempt: 1, retryAt: 2_000, reason: 'dropped' }, 0)).toBe(
      'connection lost, reconnecting in 2s',
    );
    expect(statusText({ state: 'reconnecting', attempt: 1, retryAt: 2_000, reason: 'token-failed' }, 0)).toBe(
      'server unreachable, retrying in 2s',
    );
    expect(statusText({ state: 'reconnecting', attempt: 1, retryAt: 0, reason: 'max-age' }, 0)).toBe('Renewing the connection…');
  });

  test('the other states', () => {
    expect(statusText({ state: 'open', url: 'ws://h/dev' }, 0)).toBe('Connected to ws://h/dev');
    expect(statusText({ state: 'connecting', url: 'ws://h/dev' }, 0)).toBe('Connecting to ws://h/dev…');
    expect(statusText({ state: 'closed', code: 1006 }, 0)).toBe('Disconnected (code 1006)');
    expect(statusText({ state: 'signing-in' }, 0)).toBe('Sign in to connect');
    expect(statusClass({ state: 'signing-in' })).toBe('closed');
    expect(statusClass({ state: 'reconnecting', attempt: 1, retryAt: 0, reason: 'dropped' })).toBe('reconnecting');
  });
});
