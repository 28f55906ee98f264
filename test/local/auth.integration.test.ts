/**
 * Authentication in the emulator, on this app's own assembly: the $connect authorizer from the
 * template runs unchanged against the emulator's local Cognito user pool.
 */
import { mkdtemp, readFile, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient, GetCommand } from '@aws-sdk/lib-dynamodb';
import WebSocket from 'ws';
import { startEmulator, type Emulator } from '../../local/emulator';
import type { InvocationRecord } from '../../local/gateway/gateway';
import { LocalIssuer, localSubject } from '../../local/issuer/issuer';
import { main as tokenMain } from '../../local/cli/token';
import { wsText } from '../../cli-kit/ws-text';
import { appAssembly } from '../support/app-assembly';
import { LOCAL_CREDENTIALS } from '../../protocol/local-endpoints';

interface Client {
  readonly ws: WebSocket;
  /** The next frame that passes `accept`, parsed. */
  next(accept?: (frame: Record<string, unknown>) => boolean): Promise<Record<string, unknown>>;
}

/** Opens a ws client; rejects with the HTTP status when the handshake is refused. */
function open(url: string): Promise<Client> {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(url);
    const frames: Record<string, unknown>[] = [];
    const waiters: Array<{ accept: (f: Record<string, unknown>) => boolean; resolve: (f: Record<string, unknown>) => void }> = [];
    ws.on('message', (data) => {
      const frame = JSON.parse(wsText(data)) as Record<string, unknown>;
      const i = waiters.findIndex((w) => w.accept(frame));
      if (i >= 0) waiters.splice(i, 1)[0].resolve(frame);
      else frames.push(frame);
    });
    ws.once('unexpected-response', (_req, res) => {
      reject(Object.assign(new Error(`handshake refused with ${res.statusCode}`), { status: res.statusCode }));
      ws.terminate();
    });
    ws.once('error', reject);
    ws.once('open', () =>
      resolve({
        ws,
        next: (accept = () => true) =>
          new Promise((r) => {
            const i = frames.findIndex(accept);
            if (i >= 0) r(frames.splice(i, 1)[0]);
            else waiters.push({ accept, resolve: r });
          }),
      }),
    );
  });
}

const statusOf = (url: string): Promise<number> =>
  open(url).then(
    (client) => {
      client.ws.close();
      return 101;
    },
    (err: { status?: number }) => {
      if (err.status === undefined) throw err;
      return err.status;
    },
  );

describe('authentication in the emulator', () => {
  let emu: Emulator;
  let keyDir: string;
  const invocations: InvocationRecord[] = [];
  const clients: Client[] = [];

  beforeAll(async () => {
    keyDir = await mkdtemp(path.join(tmpdir(), 'switchboard-issuer-'));
    emu = await startEmulator({
      assemblyDir: appAssembly(),
      port: 0,
      dynamodbPort: 0,
      localIssuerDir: keyDir,
      log: () => undefined,
      functionLog: () => undefined,
    });
    emu.gateway.on('invocation', (record: InvocationRecord) => invocations.push(record));
  }, 60_000);

  afterEach(() => clients.splice(0).forEach((c) => c.ws.close()));
  afterAll(async () => {
    await emu?.stop();
    await rm(keyDir, { recursive: true, force: true });
  });

  const withToken = (token: string) => `${emu.url}?token=${encodeURIComponent(token)}`;
  const authorizerRuns = () => invocations.filter((r) => r.eventType === 'AUTHORIZER').length;

  it("names the user pool's own issuer, as on AWS: the authorizer fetches its keys from the local Cognito under the issuer's host", async () => {
    const poolId = emu.app.userPools[0].poolId;
    expect(poolId).toMatch(new RegExp(`^${emu.app.region}_[A-Za-z0-9]{9}$`));
    expect(emu.localIssuer!.issuer).toBe(`https://cognito-idp.${emu.app.region}.amazonaws.com/${poolId}`);
    // The authorizer's ISSUER is the template's, not rewritten: a token with this issuer passes it only so.
    expect(await statusOf(withToken(await emu.localIssuer!.mint('issuer-check')))).toBe(101);
  });

  it('answers a handshake without a token 401, without calling the authorizer', async () => {
    const before = authorizerRuns();
    expect(await statusOf(emu.url)).toBe(401);
    expect(authorizerRuns()).toBe(before);
  });

  it('answers a tampered token 403: the authorizer denies it', async () => {
    const [header, payload, signature] = (await emu.localIssuer!.mint('mallory')).split('.');
    const claims = JSON.parse(Buffer.from(payload, 'base64url').toString());
    const forged = Buffer.from(JSON.stringify({ ...claims, sub: localSubject('admin'), 'cognito:username': 'admin' })).toString(
      'base64url',
    );
    expect(await statusOf(withToken(`${header}.${forged}.${signature}`))).toBe(403);
    expect(invocations.filter((r) => r.eventType === 'AUTHORIZER').at(-1)).toMatchObject({ eventType: 'AUTHORIZER', status: 403 });
  });

  it('answers a token signed by another key 403', async () => {
    const stranger = await LocalIssuer.open();
    const token = await stranger.mint({ issuer: emu.localIssuer!.issuer, audience: emu.localIssuer!.audience }, { user: 'alice' });
    expect(await statusOf(withToken(token))).toBe(403);
  });

  it('answers two token parameters 403, even when both are valid: the authorizer sees every value', async () => {
    const [alice, bob] = [await emu.localIssuer!.mint('alice'), await emu.localIssuer!.mint('bob')];
    expect(await statusOf(`${withToken(alice)}&token=${encodeURIComponent(bob)}`)).toBe(403);
    // The last authorizer call: an earlier test's connection may still be closing ($disconnect).
    const record = invocations.filter((r) => r.eventType === 'AUTHORIZER').at(-1)!;
    expect(record).toMatchObject({ eventType: 'AUTHORIZER', status: 403 });
    expect((record.event as { multiValueQueryStringParameters: unknown }).multiValueQueryStringParameters).toEqual({ token: [alice, bob] });
  });

  it('lets a minted token in; the user id is in every event and is the sender of room messages', async () => {
    const opened: string[] = [];
    emu.gateway.on('open', (id: string) => opened.push(id));
    const alice = await open(withToken(await emu.localIssuer!.mint('alice')));
    const bob = await open(withToken(await emu.localIssuer!.mint('bob')));
    clients.push(alice, bob);
    const [aliceId] = opened;

    alice.ws.send(JSON.stringify({ action: 'join', room: 'lobby' }));
    bob.ws.send(JSON.stringify({ action: 'join', room: 'lobby' }));
    await Promise.all([alice.next((f) => f.event === 'joined'), bob.next((f) => f.event === 'joined')]);
    alice.ws.send(JSON.stringify({ action: 'message', room: 'lobby', data: 'hello bob' }));
    expect(await bob.next((f) => f.event === 'message')).toMatchObject({
      room: 'lobby',
      from: localSubject('alice'),
      fromName: 'alice',
      data: 'hello bob',
    });
    expect(await alice.next((f) => f.event === 'message')).toMatchObject({ data: 'Received: hello bob', delivered: 1 });

    // principalId and the authorizer's context, in CONNECT and every later event of the connection.
    // (The ack is posted before the message invocation returns; wait for its record.)
    const aliceRecords = () => invocations.filter((r) => r.connectionId === aliceId && r.eventType !== 'AUTHORIZER');
    while (aliceRecords().length < 3) await new Promise((r) => emu.gateway.once('invocation', r));
    const ofAlice = aliceRecords();
    expect(ofAlice.map((r) => r.eventType)).toEqual(['CONNECT', 'MESSAGE', 'MESSAGE']);
    for (const record of ofAlice) {
      expect((record.event as { requestContext: { authorizer?: unknown } }).requestContext.authorizer).toEqual({
        principalId: localSubject('alice'),
        userId: localSubject('alice'),
        username: 'alice',
        displayName: 'alice',
      });
    }
    // $connect stored the user id with the connection.
    const db = DynamoDBDocumentClient.from(new DynamoDBClient({ credentials: LOCAL_CREDENTIALS, endpoint: emu.dynamodbEndpoint }));
    const row = await db.send(new GetCommand({ TableName: Object.values(emu.tables)[0], Key: { pk: `CONN#${aliceId}`, sk: 'META' } }));
    db.destroy();
    expect(row.Item).toMatchObject({ userId: localSubject('alice') });
  });

  it('serves its JWKS (public key only), a token for the chat page, and says where in config.json', async () => {
    const config = await (await fetch(`${emu.httpUrl}/.switchboard/config.json`)).json();
    expect(config).toMatchObject({ websocketUrl: emu.url, tokenUrl: '/.switchboard/token' });
    const jwks = (await (await fetch(emu.localIssuer!.jwksUrl)).json()) as { keys: Array<Record<string, unknown>> };
    expect(jwks.keys).toHaveLength(1);
    expect(jwks.keys[0]).toMatchObject({ kty: 'RSA', alg: 'RS256', use: 'sig' });
    expect(jwks.keys[0].d).toBeUndefined();

    const issued = (await (await fetch(`${emu.httpUrl}/.switchboard/token?user=carol`)).json()) as { token: string; user: string };
    expect(issued.user).toBe('carol');
    expect(await statusOf(withToken(issued.token))).toBe(101);
    expect((await fetch(`${emu.httpUrl}/.switchboard/token?user=${encodeURIComponent('no spaces')}`)).status).toBe(400);
  });

  it('keeps its key in the key folder, private, and `npm run token` signs with it', async () => {
    const keyFile = path.join(keyDir, 'switchboard-local-issuer-key.json');
    expect((await stat(keyFile)).mode & 0o077).toBe(0);
    expect(JSON.parse(await readFile(path.join(keyDir, 'switchboard-local-issuer.json'), 'utf8'))).toEqual({
      issuer: emu.localIssuer!.issuer,
      audience: emu.localIssuer!.audience,
    });
    let printed = '';
    expect(await tokenMain(['--user', 'dave', '--ttl', '15m', '--data-dir', keyDir], (t) => (printed += t))).toBe(0);
    expect(await statusOf(withToken(printed.trim()))).toBe(101);
    const errors: string[] = [];
    expect(
      await tokenMain(
        ['--user', 'dave', '--data-dir', path.join(keyDir, 'nowhere')],
        () => undefined,
        (t) => errors.push(t),
      ),
    ).toBe(2);
    expect(errors.join('')).toContain('start the emulator first');
  });
});
