import { resolveConnection } from '../../web/src/config';

describe('resolveConnection', () => {
  test('the ?ws= parameter overrides the published config, which is then not fetched', async () => {
    const fetchJson = jest.fn();
    await expect(resolveConnection('http://localhost:4000/?ws=wss%3A%2F%2Fapi.example%2Fprod', fetchJson)).resolves.toEqual({
      websocketUrl: 'wss://api.example/prod',
    });
    expect(fetchJson).not.toHaveBeenCalled();
  });

  test('reads websocketUrl from /.switchboard/config.json on the page origin', async () => {
    const fetchJson = jest.fn().mockResolvedValue({ websocketUrl: 'ws://localhost:4000/local', stage: 'local' });
    await expect(resolveConnection('http://localhost:4000/chat/index.html', fetchJson)).resolves.toEqual({
      websocketUrl: 'ws://localhost:4000/local',
    });
    expect(fetchJson).toHaveBeenCalledWith('http://localhost:4000/.switchboard/config.json');
  });

  test('with a tokenUrl, gives a function that fetches a fresh token each time', async () => {
    const fetchJson = jest
      .fn()
      .mockResolvedValueOnce({ websocketUrl: 'ws://localhost:4000/local', tokenUrl: '/.switchboard/token' })
      .mockResolvedValueOnce({ token: 'first' })
      .mockResolvedValueOnce({ token: 'second' });
    const connection = await resolveConnection('http://localhost:4000/', fetchJson);
    expect(connection.websocketUrl).toBe('ws://localhost:4000/local');
    await expect(connection.token?.()).resolves.toBe('first');
    await expect(connection.token?.()).resolves.toBe('second');
    // The same guest name both times, so the user id others see survives a reconnect.
    const tokenCalls = fetchJson.mock.calls.slice(1).map(([url]) => String(url));
    expect(tokenCalls[0]).toMatch(/^http:\/\/localhost:4000\/\.switchboard\/token\?user=guest-[0-9a-f]{6}$/);
    expect(tokenCalls[1]).toBe(tokenCalls[0]);
  });

  test('explains a config without websocketUrl, or a token endpoint without a token', async () => {
    await expect(resolveConnection('http://localhost:4000/', async () => ({}))).rejects.toThrow(
      '/.switchboard/config.json has no "websocketUrl" string',
    );
    const noToken = jest.fn().mockResolvedValueOnce({ websocketUrl: 'ws://x/local', tokenUrl: '/t' }).mockResolvedValueOnce({});
    const connection = await resolveConnection('http://localhost:4000/', noToken);
    await expect(connection.token?.()).rejects.toThrow(/http:\/\/localhost:4000\/t\?user=guest-[0-9a-f]{6} returned no "token" string/);
  });
});
