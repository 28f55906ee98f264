/**
 * The emulator running a second CDK app (test/local/fixtures/rooms-app): other route names,
 * `$request.body.type`, its own table with a GSI, a route response and a REQUEST authorizer.
 * Real ws clients and the real AWS SDK clients drive it.
 */
import { mkdtempSync, rmSync, writeFileSync, mkdirSync } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { request } from 'node:http';
import {
  ApiGatewayManagementApiClient,
  DeleteConnectionCommand,
  GetConnectionCommand,
  GoneException,
  LimitExceededException,
  PostToConnectionCommand,
} from '@aws-sdk/client-apigatewaymanagementapi';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient, GetCommand, PutCommand, QueryCommand } from '@aws-sdk/lib-dynamodb';
import { startEmulator, type Emulator } from '../../local/emulator';
import { API_GATEWAY_LIMITS } from '../../protocol';
import { ManualClock } from '../support/manual-clock';
import type { InvocationRecord } from '../../local/gateway/gateway';
import { FIXTURE_STAGE, synthFixture } from './fixtures/rooms-app/app';
import { RECORDED, sorted } from './fixtures/recorded-events';
import { connect, handshakeStatus, waitFor, type TestClient } from './helpers';
import { LOCAL_CREDENTIALS } from '../../protocol/local-endpoints';

jest.setTimeout(30_000);

const quiet = { log: () => undefined, functionLog: () => undefined };
let tmp: string;
let assemblyDir: string;
let emu: Emulator;
let db: DynamoDBDocumentClient;
let management: ApiGatewayManagementApiClient;

beforeAll(async () => {
  tmp = mkdtempSync(path.join(os.tmpdir(), 'switchboard-local-test-'));
  assemblyDir = synthFixture(path.join(tmp, 'cdk.out'));
  emu = await startEmulator({ assemblyDir, port: 0, ...quiet });
  db = DynamoDBDocumentClient.from(
    new DynamoDBClient({ credentials: LOCAL_CREDENTIALS, endpoint: emu.dynamodbEndpoint, region: 'eu-west-1' }),
  );
  management = new ApiGatewayManagementApiClient({ credentials: LOCAL_CREDENTIALS, endpoint: emu.managementEndpoint, region: 'eu-west-1' });
}, 60_000);

afterAll(async () => {
  management?.destroy();
  db?.destroy();
  await emu?.stop();
  rmSync(tmp, { recursive: true, force: true });
});

const url = (query = 'token=allow') => `${emu.url}?${query}`;
const tableName = () => Object.values(emu.tables)[0];

/** Connects and learns the connection id from the `open` event. */
async function open(query?: string, protocols?: string[]): Promise<{ client: TestClient; id: string }> {
  const opened = waitFor<string>(emu.gateway, 'open');
  const client = await connect(url(query), protocols);
  return { client, id: await opened };
}

/** A Lambda event as the fixture's $connect and $disconnect handlers store it (JSON in `event`). */
interface StoredEvent {
  headers: Record<string, string>;
  queryStringParameters?: Record<string, string>;
  requestContext: Record<string, unknown>;
}

function storedEvent(item: Record<string, unknown> | undefined): StoredEvent {
  const json = item?.event;
  if (typeof json !== 'string') throw new Error(`expected a stored item with the event as a JSON string; got ${JSON.stringify(item)}`);
  return JSON.parse(json) as StoredEvent;
}

const disconnectOf = (id: string) =>
  waitFor<{ connectionId: string; code: number; reason: string }>(emu.gateway, 'disconnect', (d) => d.connectionId === id);

describe('the fixture app', () => {
  test('the assembly is read: stage, selection expression, routes, authorizer, route responses, table', () => {
    expect(emu.url).toMatch(new RegExp(`^ws://127\\.0\\.0\\.1:\\d+/${FIXTURE_STAGE}$`));
    expect(emu.app.routeSelectionExpression).toBe('$request.body.type');
    expect([...emu.app.routes.keys()].sort()).toEqual(['$connect', '$default', '$disconnect', 'dawdle', 'explode', 'shout', 'whisper']);
    expect(emu.app.routes.get('$connect')?.authorizer?.identitySources).toEqual(['route.request.querystring.token']);
    expect(emu.app.routes.get('shout')?.hasRouteResponse).toBe(true);
    expect(emu.app.routes.get('whisper')?.hasRouteResponse).toBe(false);
    expect(emu.app.region).toBe('eu-west-1');
    expect(emu.app.tables[0]).toMatchObject({ ttlAttribute: 'expiresAt' });
  });

  test('a two-way route answers with the handler body; the event and context are Lambda-shaped', async () => {
    const { client, id } = await open();
    client.ws.send(JSON.stringify({ type: 'shout', text: 'hello' }));
    const first = await client.nextJson<{
      text: string;
      invocations: number;
      awsRequestId: string;
      functionName: string;
      remainingMs: number;
      env: { callbackUrl: string; region: string };
      event: { requestContext: Record<string, unknown>; body: string };
    }>();
    expect(first.text).toBe('HELLO');
    expect(first.awsRequestId).toMatch(/^[0-9a-f-]{36}$/);
    expect(first.functionName).toMatch(/^RoomsFixture-Router/);
    expect(first.remainingMs).toBeGreaterThan(0);
    expect(first.remainingMs).toBeLessThanOrEqual(3000);
    // The callback URL intrinsic resolves to the local management endpoint, the region to the stack's.
    expect(first.env).toEqual({ callbackUrl: emu.managementEndpoint, region: 'eu-west-1' });
    expect(sorted(Object.keys(first.event))).toEqual(sorted(RECORDED.message.topLevel));
    expect(sorted(Object.keys(first.event.requestContext))).toEqual(sorted([...RECORDED.message.requestContext, 'authorizer']));
    expect(first.event.requestContext).toMatchObject({
      routeKey: 'shout',
      eventType: 'MESSAGE',
      stage: FIXTURE_STAGE,
      connectionId: id,
      apiId: emu.app.apiId,
      authorizer: { principalId: 'user-42', userId: 'u-42', level: '3', admin: 'false' },
    });
    expect(first.event.requestContext.requestTime).toMatch(RECORDED.requestTimePattern);
    expect(first.event.body).toBe('{"type":"shout","text":"hello"}');

    // A warm environment keeps module state between invocations.
    client.ws.send(JSON.stringify({ type: 'shout', text: 'again' }));
    const second = await client.nextJson<{ invocations: number }>();
    expect(second.invocations).toBe(first.invocations + 1);
    client.ws.close();
  });

  test('CONNECT and DISCONNECT events reach the handlers with the recorded fields', async () => {
    const { client, id } = await open();
    const gone = disconnectOf(id);
    client.ws.close();
    expect(await gone).toMatchObject({ code: 1005, reason: 'Client-side close frame status not set' });
    const connectItem = await db.send(new GetCommand({ TableName: tableName(), Key: { pk: id, sk: 'connect' } }));
    const connectEvent = storedEvent(connectItem.Item);
    expect(sorted(Object.keys(connectEvent))).toEqual(
      sorted([...RECORDED.connect.topLevel, 'queryStringParameters', 'multiValueQueryStringParameters']),
    );
    expect(sorted(Object.keys(connectEvent.headers))).toEqual(sorted(RECORDED.connect.headers));
    expect(sorted(Object.keys(connectEvent.requestContext))).toEqual(sorted([...RECORDED.connect.requestContext, 'authorizer']));
    expect(connectEvent.queryStringParameters).toEqual({ token: 'allow' });
    // The GSI from the template exists and is queryable.
    const byKind = await db.send(
      new QueryCommand({
        TableName: tableName(),
        IndexName: 'byKind',
        KeyConditionExpression: 'kind = :k',
        ExpressionAttributeValues: { ':k': 'disconnect' },
      }),
    );
    const disconnectEvent = storedEvent(byKind.Items!.find((i) => i.pk === id));
    expect(sorted(Object.keys(disconnectEvent))).toEqual(sorted(RECORDED.disconnect.topLevel));
    expect(sorted(Object.keys(disconnectEvent.requestContext))).toEqual(sorted([...RECORDED.disconnect.requestContext, 'authorizer']));
    expect(disconnectEvent.requestContext).toMatchObject({ disconnectStatusCode: 1005, eventType: 'DISCONNECT' });
  });

  test('frames that are not JSON or name no route go to $default', async () => {
    const { client } = await open();
    client.ws.send('plain text');
    expect(await client.nextJson()).toEqual({ type: 'default', received: 'plain text' });
    client.ws.send('{"type":"unknown"}');
    expect(await client.nextJson()).toEqual({ type: 'default', received: '{"type":"unknown"}' });
    client.ws.close();
  });

  test('a one-way route discards the return value; its @connections POST reaches another client', async () => {
    const a = await open();
    const b = await open();
    a.client.ws.send(JSON.stringify({ type: 'whisper', text: 'psst', to: b.id }));
    expect(await b.client.nextJson()).toEqual({ type: 'whispered', text: 'psst' });
    a.client.ws.send(JSON.stringify({ type: 'whisper', text: 'me' }));
    expect(await a.client.nextJson()).toEqual({ type: 'whispered', text: 'me' }); // not "not sent: ..."
    a.client.ws.close();
    b.client.ws.close();
  });

  test('a thrown error reaches the client as API Gateway sends it', async () => {
    const { client, id } = await open();
    const record = waitFor<InvocationRecord>(emu.gateway, 'invocation', (r) => r.routeKey === 'explode');
    client.ws.send('{"type":"explode"}');
    const frame = await client.nextJson();
    expect(frame).toEqual({ message: 'Internal server error', connectionId: id, requestId: expect.stringMatching(RECORDED.idPattern) });
    expect((await record).status).toBe(500);
    client.ws.close();
  });

  test('the function timeout is enforced', async () => {
    const { client } = await open();
    const record = waitFor<InvocationRecord>(emu.gateway, 'invocation', (r) => r.routeKey === 'dawdle');
    const started = Date.now();
    client.ws.send('{"type":"dawdle"}');
    expect(await client.nextJson()).toMatchObject({ message: 'Internal server error' });
    const { result } = await record;
    expect(result.ok).toBe(false);
    expect(!result.ok && result.error).toMatchObject({
      errorType: 'Sandbox.Timedout',
      errorMessage: expect.stringContaining('Task timed out after 1.00 seconds'),
    });
    expect(Date.now() - started).toBeGreaterThanOrEqual(950);
    expect(Date.now() - started).toBeLessThan(4000);
    client.ws.close();
  });

  test('handshakes are refused as API Gateway refuses them', async () => {
    expect(await handshakeStatus(emu.url)).toBe(401); // identity source missing: authorizer not called
    expect(await handshakeStatus(url('token=unauthorized'))).toBe(401);
    expect(await handshakeStatus(url('token=deny'))).toBe(403);
    expect(await handshakeStatus(url('token=crash'))).toBe(500);
    expect(await handshakeStatus(url('token=allow&refuse=409'))).toBe(409); // $connect's own status
    expect(await handshakeStatus(`${emu.httpUrl.replace('http', 'ws')}/otherstage?token=allow`)).toBe(404);
  });

  test('the WebSocket is also served at /, and the requested subprotocol is echoed', async () => {
    const root = await connect(`${emu.httpUrl.replace('http', 'ws')}/?token=allow`);
    root.ws.close();
    const { client } = await open('token=allow', ['chat.v1', 'chat.v0']);
    expect(client.ws.protocol).toBe('chat.v1');
    client.ws.close();
  });

  test('@connections with the real SDK client: GET fields, POST, GoneException, DELETE runs $disconnect', async () => {
    const { client, id } = await open();
    const info = await management.send(new GetConnectionCommand({ ConnectionId: id }));
    expect(info.ConnectedAt).toBeInstanceOf(Date);
    expect(info.LastActiveAt).toBeInstanceOf(Date);
    expect(info.Identity).toEqual({ SourceIp: '127.0.0.1', UserAgent: '' });
    expect(Math.abs(info.ConnectedAt!.getTime() - Date.now())).toBeLessThan(10_000);

    await management.send(new PostToConnectionCommand({ ConnectionId: id, Data: '{"hello":"there"}' }));
    expect(await client.next()).toBe('{"hello":"there"}');

    await expect(management.send(new PostToConnectionCommand({ ConnectionId: 'AAAAAAAAAAAAAAA=', Data: 'x' }))).rejects.toBeInstanceOf(
      GoneException,
    );
    await expect(management.send(new GetConnectionCommand({ ConnectionId: 'AAAAAAAAAAAAAAA=' }))).rejects.toBeInstanceOf(GoneException);

    const gone = disconnectOf(id);
    await management.send(new DeleteConnectionCommand({ ConnectionId: id }));
    expect((await client.closed).code).toBe(1000);
    expect(await gone).toMatchObject({ code: 1000, reason: 'Connection Closed Normally' });
    await expect(management.send(new PostToConnectionCommand({ ConnectionId: id, Data: 'x' }))).rejects.toBeInstanceOf(GoneException);
  });

  test('an abrupt drop runs $disconnect with 1006', async () => {
    const { client, id } = await open();
    const gone = disconnectOf(id);
    client.ws.terminate();
    expect((await gone).code).toBe(1006);
  });

  test('a client close code is reported', async () => {
    const { client, id } = await open();
    const gone = disconnectOf(id);
    client.ws.close(4001, 'bye');
    expect(await gone).toMatchObject({ code: 4001, reason: 'bye' });
  });

  test('frames over 32 KB close with 1009; fragments of one message up to 128 KB are fine', async () => {
    const { client, id } = await open();
    const part = 'x'.repeat(25 * 1024);
    client.ws.send('{"type":"unknown","pad":"', { fin: false });
    for (let i = 0; i < 3; i++) client.ws.send(part, { fin: false });
    client.ws.send('"}', { fin: true });
    expect((await client.nextJson<{ received: string }>()).received).toHaveLength(3 * 25 * 1024 + 27);

    const gone = disconnectOf(id);
    client.ws.send('y'.repeat(33 * 1024));
    expect((await client.closed).code).toBe(1009);
    expect((await gone).code).toBe(1009);
  });

  test('a message over 128 KB closes with 1009 even in small frames', async () => {
    const { client } = await open();
    for (let i = 0; i < 6; i++) client.ws.send('z'.repeat(30 * 1024), { fin: false });
    client.ws.send('', { fin: true });
    expect((await client.closed).code).toBe(1009);
  });

  test('a binary frame closes with 1003', async () => {
    const { client, id } = await open();
    const gone = disconnectOf(id);
    client.ws.send(Buffer.from([1, 2, 3]), { binary: true });
    expect((await client.closed).code).toBe(1003);
    expect((await gone).code).toBe(1003);
  });
});

describe('timeouts, faults, persistence and the static site', () => {
  let tmpData: string;
  beforeAll(() => {
    tmpData = mkdtempSync(path.join(os.tmpdir(), 'switchboard-local-data-'));
  });
  afterAll(() => rmSync(tmpData, { recursive: true, force: true }));

  test('idle timeout (10 min) and maximum duration (2 h) close with 1001 "Going away", in simulated time', async () => {
    const clock = new ManualClock(Date.now());
    const idleMs = API_GATEWAY_LIMITS.idleTimeoutSeconds * 1000;
    const maxMs = API_GATEWAY_LIMITS.maxConnectionSeconds * 1000;
    const timed = await startEmulator({ assemblyDir, port: 0, clock, ...quiet });
    /** Connects a real client; the gateway's record of it tells whether the gateway has started closing it. */
    const openOn = async () => {
      const opened = waitFor<string>(timed.gateway, 'open');
      const client = await connect(`${timed.url}?token=allow`);
      const id = await opened;
      const gone = waitFor<{ connectionId: string; code: number; reason: string }>(
        timed.gateway,
        'disconnect',
        (d) => d.connectionId === id,
      );
      return { client, gone, closing: () => timed.gateway.connections.get(id)?.closing ?? true };
    };
    try {
      // A quiet connection lives exactly the idle timeout.
      const idle = await openOn();
      clock.advance(idleMs - 1);
      expect(idle.closing()).toBe(false);
      clock.advance(1);
      expect(idle.closing()).toBe(true);
      expect(await idle.client.closed).toEqual({ code: 1001, reason: 'Going away' });
      expect(await idle.gone).toMatchObject({ code: 1001, reason: 'Going away' });

      // A busy one outlives the idle timeout (each message restarts it), but not the maximum duration.
      const busy = await openOn();
      const step = idleMs - 60_000;
      let elapsed = 0;
      for (; elapsed + step < maxMs; elapsed += step) {
        clock.advance(step);
        expect(busy.closing()).toBe(false);
        busy.client.ws.send('{"type":"unknown"}');
        await busy.client.next(); // the $default route's response: the gateway has seen the message
      }
      expect(elapsed).toBeGreaterThan(idleMs);
      clock.advance(maxMs - elapsed - 1);
      expect(busy.closing()).toBe(false);
      clock.advance(1);
      expect(busy.closing()).toBe(true);
      expect(await busy.client.closed).toEqual({ code: 1001, reason: 'Going away' });
      expect(await busy.gone).toMatchObject({ code: 1001, reason: 'Going away' });
    } finally {
      await timed.stop();
    }
  });

  test('fault injection makes PostToConnection throw the matching SDK errors; an injected 410 closes the connection', async () => {
    let n = 0;
    const faulty = await startEmulator({
      assemblyDir,
      port: 0,
      faultRates: { 429: 0.5, 410: 0.5 },
      random: () => [0.9, 0.1][n++ % 2],
      ...quiet,
    });
    const client = new ApiGatewayManagementApiClient({
      credentials: LOCAL_CREDENTIALS,
      endpoint: faulty.managementEndpoint,
      region: 'eu-west-1',
      maxAttempts: 1,
    });
    try {
      const opened = waitFor<string>(faulty.gateway, 'open');
      const ws = await connect(`${faulty.url}?token=allow`);
      const id = await opened;
      const post = () => client.send(new PostToConnectionCommand({ ConnectionId: id, Data: 'x' }));
      // random() gives 0.9 (inside 429's half), then 0.1 (inside 410's half).
      await expect(post()).rejects.toBeInstanceOf(LimitExceededException);
      await expect(post()).rejects.toBeInstanceOf(GoneException);
      // A 410 means the connection is gone: the injected one closed it, so the id stays gone.
      expect((await ws.closed).code).toBe(1001);
      await expect(post()).rejects.toBeInstanceOf(GoneException);
      expect(n).toBe(2); // no fault is drawn for a connection that is not live
    } finally {
      client.destroy();
      await faulty.stop();
    }
  });

  test('--data-dir keeps tables and items across restarts', async () => {
    const dataDir = path.join(tmpData, 'db');
    const first = await startEmulator({ assemblyDir, port: 0, dataDir, ...quiet });
    const client1 = DynamoDBDocumentClient.from(
      new DynamoDBClient({ credentials: LOCAL_CREDENTIALS, endpoint: first.dynamodbEndpoint, region: 'eu-west-1' }),
    );
    await client1.send(new PutCommand({ TableName: tableName(), Item: { pk: 'kept', sk: 'x', kind: 'test' } }));
    client1.destroy();
    await first.stop();

    const second = await startEmulator({ assemblyDir, port: 0, dataDir, ...quiet });
    const client2 = DynamoDBDocumentClient.from(
      new DynamoDBClient({ credentials: LOCAL_CREDENTIALS, endpoint: second.dynamodbEndpoint, region: 'eu-west-1' }),
    );
    try {
      const got = await client2.send(new GetCommand({ TableName: tableName(), Key: { pk: 'kept', sk: 'x' } }));
      expect(got.Item).toEqual({ pk: 'kept', sk: 'x', kind: 'test' });
    } finally {
      client2.destroy();
      await second.stop();
    }
  });

  test('--web serves the site, config.json, and nothing outside the folder', async () => {
    const webDir = path.join(tmpData, 'web');
    mkdirSync(path.join(webDir, 'js'), { recursive: true });
    writeFileSync(path.join(webDir, 'index.html'), '<h1>hi</h1>');
    writeFileSync(path.join(webDir, 'js', 'app.js'), 'console.log(1)');
    writeFileSync(path.join(tmpData, 'secret.txt'), 'secret');
    const site = await startEmulator({ assemblyDir, port: 0, webDir, ...quiet });
    const get = (p: string, method = 'GET') =>
      new Promise<{ status: number; type?: string; body: string }>((resolve, reject) => {
        const req = request({ host: '127.0.0.1', port: site.port, path: p, method }, (res) => {
          let body = '';
          res.setEncoding('utf8');
          res.on('data', (c: string) => (body += c));
          res.on('end', () => resolve({ status: res.statusCode!, type: res.headers['content-type'], body }));
        });
        req.on('error', reject);
        req.end();
      });
    try {
      expect(await get('/')).toMatchObject({ status: 200, type: 'text/html; charset=utf-8', body: '<h1>hi</h1>' });
      expect(await get('/js/app.js')).toMatchObject({ status: 200, type: 'text/javascript; charset=utf-8' });
      expect(await get('/', 'HEAD')).toMatchObject({ status: 200, body: '' });
      expect((await get('/../secret.txt')).status).toBe(404);
      expect((await get('/%2e%2e/secret.txt')).status).toBe(404);
      expect((await get('/..%2fsecret.txt')).status).toBe(404);
      const config = await get('/.switchboard/config.json');
      expect(JSON.parse(config.body)).toEqual({ websocketUrl: site.url, stage: FIXTURE_STAGE, lambdaEndpoint: site.lambdaEndpoint });
    } finally {
      await site.stop();
    }
  });

  test('stop closes clients with 1001 and runs their $disconnect, as API Gateway does for every close, and nothing else', async () => {
    const stopping = await startEmulator({ assemblyDir, port: 0, ...quiet });
    const client = await connect(`${stopping.url}?token=allow`);
    const invoked: Array<{ routeKey: string; code?: number }> = [];
    stopping.gateway.on('invocation', (r: InvocationRecord) =>
      invoked.push({
        routeKey: r.routeKey,
        code: (r.event as { requestContext: { disconnectStatusCode?: number } }).requestContext.disconnectStatusCode,
      }),
    );
    await stopping.stop();
    expect((await client.closed).code).toBe(1001);
    expect(invoked).toEqual([{ routeKey: '$disconnect', code: 1001 }]);
  });
});
