/**
 * The gateway on its own, with real ws clients and integrations answered in the test (no Lambda
 * runtime): which path goes where, the handshake (upgrade.ts), and live connections
 * (connections.ts). The emulator's integration tests run the same behaviour end to end.
 */
import { request } from 'node:http';
import type { AssemblyRoute, WebSocketAppSpec } from '../../../local/assembly/app-spec';
import { Gateway, type InvocationRecord } from '../../../local/gateway/gateway';
import type { Invoke } from '../../../local/gateway/integration';
import { HttpListener } from '../../../local/http/listener';
import { allowEverything, type IamAuthority } from '../../../local/iam/authority';
import { enforceIam } from '../../../local/iam/enforcing-authority';
import { PrincipalDirectory } from '../../../local/iam/principals';
import type { InvokeResult } from '../../../local/runtime/runtime';
import { ManualClock } from '../../support/manual-clock';
import { connect, handshakeStatus, waitFor } from '../helpers';
import { fn } from '../iam/iam-app';
import { testApp } from '../services/service-harness';

const ok = (result: unknown): InvokeResult => ({ ok: true, requestId: 'r', durationMs: 1, result });
const failed: InvokeResult = { ok: false, requestId: 'r', durationMs: 1, error: { errorType: 'Error', errorMessage: 'boom', trace: [] } };

const AUTHORIZER = {
  logicalId: 'Auth',
  id: 'Auth',
  name: 'Auth',
  functionLogicalId: 'AuthFn',
  identitySources: ['route.request.querystring.token'],
};

function route(routeKey: string, functionLogicalId: string, extra: Partial<AssemblyRoute> = {}): [string, AssemblyRoute] {
  return [routeKey, { routeKey, functionLogicalId, hasRouteResponse: false, ...extra }];
}

function appWith(routes: ReadonlyArray<[string, AssemblyRoute]>): WebSocketAppSpec {
  return testApp({ routes: new Map(routes) });
}

interface Running {
  readonly gateway: Gateway;
  readonly url: string;
  readonly port: number;
  readonly invoked: string[];
  readonly log: string[];
  stop(): Promise<void>;
}

/** A gateway on a free port whose integrations `answer` (by function logical id and event). */
async function startGateway(
  app: WebSocketAppSpec,
  answer: (functionLogicalId: string, event: { body?: string }) => InvokeResult,
  iamFor: (log: (line: string) => void) => IamAuthority = () => allowEverything(new PrincipalDirectory(app, [])),
): Promise<Running> {
  const listener = await HttpListener.bind('127.0.0.1', 0);
  const invoked: string[] = [];
  const log: string[] = [];
  const iam = iamFor((line) => log.push(line));
  const invoke: Invoke = (id, event) => {
    invoked.push(id);
    return Promise.resolve(answer(id, event as { body?: string }));
  };
  const gateway = new Gateway({
    app,
    address: listener.address,
    idleTimeoutSeconds: 600,
    maxDurationSeconds: 7200,
    faultRates: {},
    random: Math.random,
    clock: new ManualClock(Date.UTC(2024, 0, 1)),
    invoke,
    iam,
    log: (line) => log.push(line),
  });
  listener.serve(gateway);
  const { port } = listener.address;
  return {
    gateway,
    url: `ws://127.0.0.1:${port}/dev`,
    port,
    invoked,
    log,
    stop: async () => {
      await gateway.stop();
      await listener.close();
    },
  };
}

function httpStatus(port: number, path: string): Promise<number> {
  return new Promise((resolve, reject) => {
    request({ host: '127.0.0.1', port, path }, (res) => {
      res.resume();
      resolve(res.statusCode ?? 0);
    })
      .on('error', reject)
      .end();
  });
}

describe('the gateway', () => {
  let running: Running;
  afterEach(() => running.stop());

  test('which path goes where: the stage upgrades, a plain GET of it is 426, any other path 404', async () => {
    running = await startGateway(appWith([]), () => ok({}));

    expect(await handshakeStatus(running.url)).toBe(101);
    expect(await handshakeStatus(`ws://127.0.0.1:${running.port}/`)).toBe(101);
    expect(await handshakeStatus(`ws://127.0.0.1:${running.port}/other`)).toBe(404);
    expect(await httpStatus(running.port, '/dev')).toBe(426);
    expect(await httpStatus(running.port, '/nothing-here')).toBe(404);
  });

  test('the handshake: no identity source is 401 without calling the authorizer; a deny is 403; $connect decides the rest', async () => {
    const connect$ = route('$connect', 'ConnectFn', { authorizer: AUTHORIZER });
    running = await startGateway(appWith([connect$]), (id, event) => {
      const token = new URLSearchParams((event as { queryStringParameters?: Record<string, string> }).queryStringParameters).get('token');
      if (id === 'AuthFn') {
        const effect = token === 'deny' ? 'Deny' : 'Allow';
        return ok({ principalId: 'u', policyDocument: { Statement: [{ Effect: effect, Action: 'execute-api:Invoke', Resource: '*' }] } });
      }
      return ok({ statusCode: token === 'refuse' ? 409 : 200, headers: { 'Sec-WebSocket-Protocol': 'chat.v1' } });
    });
    const rejected: number[] = [];
    running.gateway.on('rejected', ({ status }: { status: number }) => rejected.push(status));

    expect(await handshakeStatus(running.url)).toBe(401);
    expect(running.invoked).toEqual([]);
    expect(await handshakeStatus(`${running.url}?token=deny`)).toBe(403);
    expect(await handshakeStatus(`${running.url}?token=refuse`)).toBe(409);
    const client = await connect(`${running.url}?token=allow`, ['chat.v1', 'chat.v0']);
    expect(client.ws.protocol).toBe('chat.v1');
    expect(rejected).toEqual([401, 403, 409]);
    expect(running.invoked).toEqual(['AuthFn', 'AuthFn', 'ConnectFn', 'AuthFn', 'ConnectFn']);
    client.ws.close();
  });

  test('messages go to the route their action selects, else $default; a route response is sent back, an error as an error frame', async () => {
    running = await startGateway(
      appWith([route('echo', 'EchoFn', { hasRouteResponse: true }), route('oneway', 'OneWayFn'), route('$default', 'DefaultFn')]),
      (id, event) => (id === 'DefaultFn' && event.body === 'fail' ? failed : ok({ statusCode: 200, body: `${id}:${event.body}` })),
    );
    const client = await connect(running.url);
    const records: InvocationRecord[] = [];
    running.gateway.on('invocation', (record: InvocationRecord) => records.push(record));

    client.ws.send('{"action":"oneway"}');
    client.ws.send('{"action":"echo"}');
    expect(await client.next()).toBe('EchoFn:{"action":"echo"}');
    client.ws.send('fail');
    expect(JSON.parse(await client.next())).toMatchObject({ message: 'Internal server error' });

    expect(records.map((r) => [r.routeKey, r.status])).toEqual([
      ['oneway', 200],
      ['echo', 200],
      ['$default', 500],
    ]);
    expect(running.log).toContain(`MESSAGE    echo         ${records[1].connectionId} 200 1.0ms`);
    client.ws.close();
  });

  test('a message that selects no route, without $default, is answered Forbidden', async () => {
    running = await startGateway(appWith([route('echo', 'EchoFn')]), () => ok({}));
    const client = await connect(running.url);

    client.ws.send('{"action":"other"}');

    expect(JSON.parse(await client.next())).toMatchObject({ message: 'Forbidden' });
    expect(running.invoked).toEqual([]);
    client.ws.close();
  });

  test('$disconnect runs after the client closes, with its code; stop closes the rest with 1001 and runs theirs too', async () => {
    running = await startGateway(appWith([route('$disconnect', 'DisconnectFn')]), () => ok({}));
    const leaving = await connect(running.url);
    const staying = await connect(running.url);

    const gone = waitFor<{ code: number; reason: string }>(running.gateway, 'disconnect');
    leaving.ws.close(4001, 'bye');
    expect(await gone).toMatchObject({ code: 4001, reason: 'bye' });
    await running.gateway.settled();
    expect(running.invoked).toEqual(['DisconnectFn']);

    // WHEN the gateway stops: as API Gateway does for every close, the app hears of it.
    const stoppedOne = waitFor<{ code: number; reason: string }>(running.gateway, 'disconnect');
    await running.gateway.stop();
    expect((await staying.closed).code).toBe(1001);
    expect(await stoppedOne).toMatchObject({ code: 1001, reason: 'Going away' });
    expect(running.invoked).toEqual(['DisconnectFn', 'DisconnectFn']);
    expect(running.gateway.connections.size).toBe(0);
  });

  test('API Gateway invokes a function only as its permissions allow: without one a route answers Internal server error and an authorizer refuses with 500', async () => {
    const permission = (functionLogicalId: string, sourceArn: string) => ({
      logicalId: `${functionLogicalId}Permission`,
      functionLogicalId,
      action: 'lambda:InvokeFunction',
      principal: 'apigateway.amazonaws.com',
      sourceArn,
    });
    const apiArn = 'arn:aws:execute-api:us-east-1:123456789012:unitapi123';
    const routes = [route('$connect', 'ConnectFn', { authorizer: AUTHORIZER }), route('open', 'OpenFn'), route('closed', 'ClosedFn')];
    const base = appWith(routes);
    const app = (withAuthorizer: boolean): WebSocketAppSpec => ({
      ...base,
      functions: new Map(['ConnectFn', 'OpenFn', 'ClosedFn', 'AuthFn'].map((id) => [id, fn(id)])),
      lambdaPermissions: [
        permission('ConnectFn', `${apiArn}/*$connect`),
        permission('OpenFn', `${apiArn}/*/*`),
        ...(withAuthorizer ? [permission('AuthFn', `${apiArn}/authorizers/Auth`)] : []),
      ],
    });
    const allow = ok({
      principalId: 'u',
      policyDocument: { Statement: [{ Effect: 'Allow', Action: 'execute-api:Invoke', Resource: '*' }] },
    });
    const enforcing = (spec: WebSocketAppSpec) => (log: (line: string) => void) =>
      enforceIam({ app: () => spec, principals: new PrincipalDirectory(spec, []), log, clock: new ManualClock(0) });
    const answer = (id: string) => (id === 'AuthFn' ? allow : ok({ statusCode: 200 }));

    running = await startGateway(app(false), answer, enforcing(app(false)));
    expect(await handshakeStatus(`${running.url}?token=t`)).toBe(500);
    expect(running.invoked).toEqual([]);
    expect(running.log.join('\n')).toContain(
      'denied apigateway.amazonaws.com lambda:InvokeFunction on function AuthFn for arn:aws:execute-api:us-east-1:123456789012:unitapi123/authorizers/Auth',
    );
    await running.stop();

    running = await startGateway(app(true), answer, enforcing(app(true)));
    const client = await connect(`${running.url}?token=t`);
    const records: InvocationRecord[] = [];
    running.gateway.on('invocation', (record: InvocationRecord) => records.push(record));
    client.ws.send('{"action":"closed"}');
    expect(JSON.parse(await client.next())).toMatchObject({ message: 'Internal server error' });
    client.ws.send('{"action":"open"}');
    await waitFor(running.gateway, 'invocation', (r: InvocationRecord) => r.routeKey === 'open');
    expect(running.invoked).toEqual(['AuthFn', 'ConnectFn', 'OpenFn']);
    expect(records.map((r) => [r.routeKey, r.status])).toEqual([
      ['closed', 500],
      ['open', 200],
    ]);
    expect(running.log.join('\n')).toContain(
      'denied apigateway.amazonaws.com lambda:InvokeFunction on function ClosedFn for arn:aws:execute-api:us-east-1:123456789012:unitapi123/dev/closed: no AWS::Lambda::Permission',
    );
    client.ws.close();
  });
});
