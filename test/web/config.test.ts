import { guestTokenSource, resolveConnection } from '../../web/src/config';

describe('resolveConnection', () => {
  test('the ?ws= parameter overrides the published config, which is then not fetched; no token without clientId', async () => {
    const fetchJson = jest.fn();
    await expect(resolveConnection('http://localhost:4000/?ws=wss%3A%2F%2Fapi.example%2Fprod', fetchJson)).resolves.toEqual({
      websocketUrl: 'wss://api.example/prod',
      auth: { kind: 'none' },
    });
    expect(fetchJson).not.toHaveBeenCalled();
  });

  test('?ws= with clientId and region: the sign-in form against Cognito in that region', async () => {
    const url = 'https://chat.example/?ws=wss%3A%2F%2Fapi.example%2Fprod&clientId=abc123&region=eu-west-1';
    await expect(resolveConnection(url, jest.fn())).resolves.toEqual({
      websocketUrl: 'wss://api.example/prod',
      auth: { kind: 'sign-in', target: { endpoint: 'https://cognito-idp.eu-west-1.amazonaws.com/', clientId: 'abc123' } },
    });
  });

  test('refuses half a sign-in, a region that is not one (the password would go to its host), and a ws= that is not a WebSocket URL', async () => {
    await expect(resolveConnection('https://c.example/?ws=wss%3A%2F%2Fa%2Fp&clientId=abc', jest.fn())).rejects.toThrow(
      "give both ?clientId= (the stack's UserPoolClientId output) and ?region= (its region); got only clientId",
    );
    await expect(
      resolveConnection('https://c.example/?ws=wss%3A%2F%2Fa%2Fp&clientId=abc&region=evil.example%2F%23', jest.fn()),
    ).rejects.toThrow('region "evil.example/#" is not an AWS region name');
    await expect(resolveConnection('https://c.example/?ws=https%3A%2F%2Fa%2Fp', jest.fn())).rejects.toThrow(
      '?ws= "https://a/p" is not a WebSocket URL',
    );
  });

  test('reads websocketUrl from /.switchboard/config.json on the page origin', async () => {
    const fetchJson = jest.fn().mockResolvedValue({ websocketUrl: 'ws://localhost:4000/local', stage: 'local' });
    await expect(resolveConnection('http://localhost:4000/chat/index.html', fetchJson)).resolves.toEqual({
      websocketUrl: 'ws://localhost:4000/local',
      auth: { kind: 'none' },
    });
    expect(fetchJson).toHaveBeenCalledWith('http://localhost:4000/.switchboard/config.json');
  });

  test("the emulator's config: the sign-in form against its Cognito stand-in (resolved on its origin), with guests offered", async () => {
    const fetchJson = jest.fn().mockResolvedValue({
      websocketUrl: 'ws://127.0.0.1:4000/dev',
      tokenUrl: '/.switchboard/token',
      cognito: { endpoint: '/.switchboard/cognito', clientId: 'local-client', region: 'us-east-1' },
    });
    await expect(resolveConnection('http://127.0.0.1:4000/', fetchJson)).resolves.toEqual({
      websocketUrl: 'ws://127.0.0.1:4000/dev',
      auth: {
        kind: 'sign-in',
        target: { endpoint: 'http://127.0.0.1:4000/.switchboard/cognito', clientId: 'local-client' },
        guestTokenUrl: 'http://127.0.0.1:4000/.switchboard/token',
      },
    });
  });

  test('a hosted config named by ?config=, with a region instead of an endpoint', async () => {
    const fetchJson = jest
      .fn()
      .mockResolvedValue({ websocketUrl: 'wss://api.example/prod', cognito: { clientId: 'c1', region: 'ap-southeast-2' } });
    await expect(resolveConnection('https://chat.example/?config=stage.json', fetchJson)).resolves.toEqual({
      websocketUrl: 'wss://api.example/prod',
      auth: { kind: 'sign-in', target: { endpoint: 'https://cognito-idp.ap-southeast-2.amazonaws.com/', clientId: 'c1' } },
    });
    expect(fetchJson).toHaveBeenCalledWith('https://chat.example/stage.json');
  });

  test("?config= must be on the page's origin: a link cannot send the password to a sign-in endpoint of its choosing", async () => {
    const fetchJson = jest.fn();
    await expect(resolveConnection('https://chat.example/?config=https%3A%2F%2Fevil.example%2Fc.json', fetchJson)).rejects.toThrow(
      "?config= must name a file on this page's origin (https://chat.example); got https://evil.example/c.json.",
    );
    expect(fetchJson).not.toHaveBeenCalled();
  });

  test('a tokenUrl alone (no sign-in endpoint published): guest tokens without a form', async () => {
    const fetchJson = jest.fn().mockResolvedValue({ websocketUrl: 'ws://localhost:4000/local', tokenUrl: '/.switchboard/token' });
    await expect(resolveConnection('http://localhost:4000/', fetchJson)).resolves.toEqual({
      websocketUrl: 'ws://localhost:4000/local',
      auth: { kind: 'guest', tokenUrl: 'http://localhost:4000/.switchboard/token' },
    });
  });

  test('explains a config without websocketUrl, or a cognito without clientId or a way to reach it', async () => {
    await expect(resolveConnection('http://localhost:4000/', async () => ({}))).rejects.toThrow(
      'http://localhost:4000/.switchboard/config.json has no "websocketUrl" string',
    );
    await expect(
      resolveConnection('http://localhost:4000/', async () => ({ websocketUrl: 'ws://x/d', cognito: { region: 'us-east-1' } })),
    ).rejects.toThrow('has a "cognito" without a "clientId" string');
    await expect(
      resolveConnection('http://localhost:4000/', async () => ({ websocketUrl: 'ws://x/d', cognito: { clientId: 'c' } })),
    ).rejects.toThrow('has a "cognito" with neither "endpoint" nor "region"');
  });
});

describe('guestTokenSource', () => {
  test('fetches a fresh token each time, for the same guest name', async () => {
    const fetchJson = jest.fn().mockResolvedValueOnce({ token: 'first' }).mockResolvedValueOnce({ token: 'second' });
    const token = guestTokenSource('http://localhost:4000/.switchboard/token', fetchJson);
    await expect(token()).resolves.toBe('first');
    await expect(token()).resolves.toBe('second');
    const urls = fetchJson.mock.calls.map(([url]) => String(url));
    expect(urls[0]).toMatch(/^http:\/\/localhost:4000\/\.switchboard\/token\?user=guest-[0-9a-f]{6}$/);
    expect(urls[1]).toBe(urls[0]);
  });

  test('explains an answer without a token', async () => {
    const token = guestTokenSource('http://localhost:4000/t', async () => ({}));
    await expect(token()).rejects.toThrow(/http:\/\/localhost:4000\/t\?user=guest-[0-9a-f]{6} returned no "token" string/);
  });
});
