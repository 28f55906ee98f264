/**
 * AWS's account quotas in the emulator (startEmulator's accountRps, postLatency and
 * lambdaConcurrency, and the template's ReservedConcurrentExecutions), with real ws clients and the
 * real AWS SDK clients: what a caller over each limit gets, as it would get it from AWS. Time is a
 * manual clock where the quota refills or a latency passes; executions are held open at a gate.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import {
  ApiGatewayManagementApiClient,
  GetConnectionCommand,
  LimitExceededException,
  PostToConnectionCommand,
} from '@aws-sdk/client-apigatewaymanagementapi';
import { InvokeCommand, LambdaClient, TooManyRequestsException } from '@aws-sdk/client-lambda';
import { startEmulator, type Emulator, type EmulatorOptions } from '../../local/emulator';
import { ASYNC_QUEUE_LIMITS } from '../../local/services/lambda/invoke-api';
import { LOCAL_CREDENTIALS } from '../../protocol/local-endpoints';
import { ManualClock } from '../support/manual-clock';
import { Gate } from './fixtures/gate';
import { QUOTAS_FIXTURE, quotasFunctionName, writeQuotasAssembly } from './fixtures/quotas-assembly';
import { connect, handshakeStatus, waitFor, type TestClient } from './helpers';

jest.setTimeout(30_000);

const { region } = QUOTAS_FIXTURE;
let tmp: string;
beforeAll(() => {
  tmp = mkdtempSync(path.join(os.tmpdir(), 'switchboard-quotas-'));
});
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

/** An emulator of the quotas fixture, with its log kept, and SDK clients that never retry (so each refusal is seen). */
async function start(name: string, options: Partial<EmulatorOptions>, fixture: Parameters<typeof writeQuotasAssembly>[1] = {}) {
  const log: string[] = [];
  const emu = await startEmulator({
    assemblyDir: writeQuotasAssembly(path.join(tmp, name), fixture),
    port: 0,
    log: (line) => log.push(line),
    functionLog: () => undefined,
    ...options,
  });
  const management = new ApiGatewayManagementApiClient({
    endpoint: emu.managementEndpoint,
    region,
    credentials: LOCAL_CREDENTIALS,
    maxAttempts: 1,
  });
  const lambda = new LambdaClient({ endpoint: emu.lambdaEndpoint, region, credentials: LOCAL_CREDENTIALS, maxAttempts: 1 });
  return {
    emu,
    log,
    management,
    lambda,
    async stop() {
      management.destroy();
      lambda.destroy();
      await emu.stop();
    },
  };
}

/** Connects and learns the connection id. */
async function open(emu: Emulator): Promise<{ client: TestClient; id: string }> {
  const opened = waitFor<string>(emu.gateway, 'open');
  const client = await connect(emu.url);
  return { client, id: await opened };
}

/** Waits, a turn of the event loop at a time, until `condition` holds (never a fixed sleep). */
async function until(condition: () => boolean, what: string): Promise<void> {
  for (let i = 0; i < 5000 && !condition(); i++) await new Promise((resolve) => setTimeout(resolve, 2));
  if (!condition()) throw new Error(`waited in vain for ${what}`);
}

describe("the account's API Gateway request quota (accountRps)", () => {
  // GIVEN a quota of 4 requests/s (burst 2) on a manual clock: the bucket refills only when the test moves time.
  const clock = new ManualClock(Date.UTC(2025, 0, 1));
  let running: Awaited<ReturnType<typeof start>>;
  beforeAll(async () => {
    running = await start('request-quota', { clock, accountRps: 4 });
  });
  afterAll(() => running.stop());

  test('a @connections call over it is 429 LimitExceededException, as the SDK throws it; a refilled token lets the next through', async () => {
    const { client, id } = await open(running.emu);
    clock.advance(1000);

    // WHEN three calls arrive at once THEN the burst of 2 passes and the third is throttled
    await running.management.send(new GetConnectionCommand({ ConnectionId: id }));
    await running.management.send(new GetConnectionCommand({ ConnectionId: id }));
    const third = running.management.send(new PostToConnectionCommand({ ConnectionId: id, Data: 'not delivered' }));
    await expect(third).rejects.toBeInstanceOf(LimitExceededException);
    await expect(third).rejects.toMatchObject({
      message: expect.stringContaining("the account's API Gateway request quota (4 requests/s, burst 2; --account-rps) is used up"),
      $metadata: { httpStatusCode: 429 },
    });

    // WHEN a quarter of a second passes THEN one token has come back, and the post is delivered (the throttled one never was)
    clock.advance(250);
    await running.management.send(new PostToConnectionCommand({ ConnectionId: id, Data: 'delivered' }));
    expect(await client.next()).toBe('delivered');
    expect(running.log.filter((line) => line.startsWith('@connections'))).toEqual([
      `@connections GET    ${id} 200`,
      `@connections GET    ${id} 200`,
      `@connections POST   ${id} 429`,
      `@connections POST   ${id} 200`,
    ]);
    client.ws.close();
  });

  test('a message over it gets a "Too Many Requests" frame and runs nothing; the connection stays open', async () => {
    const { client, id } = await open(running.emu);
    clock.advance(1000);
    const invoked: string[] = [];
    const onInvocation = (record: { routeKey: string }) => invoked.push(record.routeKey);
    running.emu.gateway.on('invocation', onInvocation);

    // WHEN three messages arrive at once
    for (const text of ['a', 'b', 'c']) client.ws.send(text);

    // THEN two reach their route and the third is answered as API Gateway answers a throttled request, in turn
    expect(await client.next()).toBe('echo:a');
    expect(await client.next()).toBe('echo:b');
    expect(await client.nextJson()).toEqual({
      message: 'Too Many Requests',
      connectionId: id,
      requestId: expect.stringMatching(/^.{15}=$/),
    });
    expect(invoked).toEqual(['$default', '$default']);
    expect(running.log).toContainEqual(
      expect.stringMatching(new RegExp(`^MESSAGE +\\(throttled\\) +${id} 429 \\(the account's API Gateway`)),
    );

    // AND messages and @connections calls share the bucket: one of each after a refill of 2, then the call is throttled
    clock.advance(500);
    client.ws.send('d');
    expect(await client.next()).toBe('echo:d');
    await running.management.send(new GetConnectionCommand({ ConnectionId: id }));
    await expect(running.management.send(new GetConnectionCommand({ ConnectionId: id }))).rejects.toBeInstanceOf(LimitExceededException);
    expect(client.ws.readyState).toBe(client.ws.OPEN);
    running.emu.gateway.off('invocation', onInvocation);
    client.ws.close();
  });
});

describe('the @connections latency (postLatency)', () => {
  // GIVEN @connections calls of 10-30 ms, a random source at its middle (20 ms), on a manual clock
  const clock = new ManualClock(Date.UTC(2025, 0, 1));
  let running: Awaited<ReturnType<typeof start>>;
  beforeAll(async () => {
    running = await start('latency', { clock, postLatency: { minMs: 10, maxMs: 30 }, random: () => 0.5 });
  });
  afterAll(() => running.stop());

  test('a post is answered, and its frame sent, only once its latency has passed on the clock', async () => {
    const { client, id } = await open(running.emu);
    const frames: string[] = [];
    client.ws.on('message', (data: Buffer) => frames.push(data.toString()));
    let answered = false;

    // WHEN a post is sent
    const post = running.management.send(new PostToConnectionCommand({ ConnectionId: id, Data: 'late' })).then(() => (answered = true));
    await until(() => clock.pendingDelays().includes(20), 'the post to wait its 20 ms');

    // THEN nothing has happened 19 ms later, and both happen at 20 ms
    clock.advance(19);
    await new Promise((resolve) => setImmediate(resolve));
    expect({ answered, frames }).toEqual({ answered: false, frames: [] });
    clock.advance(1);
    await post;
    await until(() => frames.length > 0, 'the frame');
    expect(frames).toEqual(['late']);
    client.ws.close();
  });
});

describe("Lambda's concurrency (lambdaConcurrency and ReservedConcurrentExecutions)", () => {
  // GIVEN an account of 3 concurrent executions: HoldFn reserves 1 and OffFn 0, so EchoFn and WorkerFn share 2 unreserved.
  let running: Awaited<ReturnType<typeof start>>;
  let gate: Gate;
  beforeAll(async () => {
    gate = await Gate.open();
    running = await start('concurrency', { lambdaConcurrency: 3 });
  });
  afterAll(async () => {
    await gate.close();
    await running.stop();
  });

  const invokeWorker = (tag: string, extra: Partial<ConstructorParameters<typeof InvokeCommand>[0]> = {}) =>
    running.lambda.send(
      new InvokeCommand({
        FunctionName: quotasFunctionName(QUOTAS_FIXTURE.workerId),
        Payload: JSON.stringify({ gate: gate.url(tag), tag }),
        ...extra,
      }),
    );

  test('a route whose function reserves 0 answers as API Gateway answers a throttled integration: "Internal server error"', async () => {
    const { client, id } = await open(running.emu);
    client.ws.send(JSON.stringify({ action: 'off' }));
    expect(await client.nextJson()).toEqual({ message: 'Internal server error', connectionId: id, requestId: expect.any(String) });
    expect(running.log).toContainEqual(
      `  TooManyRequestsException: Rate Exceeded. Function ${quotasFunctionName(QUOTAS_FIXTURE.offId)} has reserved concurrency 0 (ReservedConcurrentExecutions) and 0 executions are in flight.`,
    );
    client.ws.close();
  });

  test("a route past its function's reservation fails the same way while the first runs, and runs once it has ended", async () => {
    const first = await open(running.emu);
    const second = await open(running.emu);
    first.client.ws.send(JSON.stringify({ action: 'hold', gate: gate.url('route-1'), tag: 'first' }));
    await gate.reached('route-1');

    second.client.ws.send(JSON.stringify({ action: 'hold', tag: 'second' }));
    expect(await second.client.nextJson()).toMatchObject({ message: 'Internal server error', connectionId: second.id });

    gate.release('route-1');
    expect(await first.client.next()).toBe('done:first');
    second.client.ws.send(JSON.stringify({ action: 'hold', tag: 'again' }));
    expect(await second.client.next()).toBe('done:again');
    first.client.ws.close();
    second.client.ws.close();
  });

  test('a synchronous Invoke past the unreserved pool is 429 TooManyRequestsException (ConcurrentInvocationLimitExceeded); routes on that pool fail too', async () => {
    // GIVEN both unreserved executions held by the worker
    const held = [invokeWorker('sync-1'), invokeWorker('sync-2')];
    await Promise.all([gate.reached('sync-1'), gate.reached('sync-2')]);

    // WHEN a third synchronous invocation comes THEN the SDK throws Lambda's throttling error
    const third = invokeWorker('sync-3');
    await expect(third).rejects.toBeInstanceOf(TooManyRequestsException);
    await expect(third).rejects.toMatchObject({
      Reason: 'ConcurrentInvocationLimitExceeded',
      message: expect.stringContaining("The account's unreserved concurrency (2: --lambda-concurrency 3 less 1 reserved)"),
      $metadata: { httpStatusCode: 429 },
    });
    expect(gate.hasReached('sync-3')).toBe(false);
    // AND the echo route, on the same pool, fails as a throttled integration
    const { client } = await open(running.emu);
    client.ws.send('hello');
    expect(await client.nextJson()).toMatchObject({ message: 'Internal server error' });

    gate.release('sync-1');
    gate.release('sync-2');
    const answers = await Promise.all(held);
    expect(answers.map((a) => JSON.parse(new TextDecoder().decode(a.Payload)) as { tag: string })).toMatchObject([
      { tag: 'sync-1' },
      { tag: 'sync-2' },
    ]);
    client.ws.send('hello');
    expect(await client.next()).toBe('echo:hello');
    client.ws.close();
  });

  test('a function with a reservation is throttled with ReservedFunctionConcurrentInvocationLimitExceeded', async () => {
    const hold = (tag: string) =>
      running.lambda.send(
        new InvokeCommand({
          FunctionName: quotasFunctionName(QUOTAS_FIXTURE.holdId),
          Payload: JSON.stringify({ gate: gate.url(tag), tag }),
        }),
      );
    const first = hold('reserved-1');
    await gate.reached('reserved-1');
    await expect(hold('reserved-2')).rejects.toMatchObject({
      name: 'TooManyRequestsException',
      Reason: 'ReservedFunctionConcurrentInvocationLimitExceeded',
    });
    gate.release('reserved-1');
    await first;
  });

  test('an asynchronous (Event) Invoke is accepted at once and waits for a free execution, as Lambda retries a throttled event', async () => {
    const held = [invokeWorker('async-hold-1'), invokeWorker('async-hold-2')];
    await Promise.all([gate.reached('async-hold-1'), gate.reached('async-hold-2')]);

    // WHEN an Event invocation comes while the pool is in use THEN it is accepted, and does not run yet
    const accepted = await invokeWorker('async-1', { InvocationType: 'Event' });
    expect(accepted.StatusCode).toBe(202);
    await new Promise((resolve) => setImmediate(resolve));
    expect(gate.hasReached('async-1')).toBe(false);

    // WHEN an execution ends THEN it runs
    gate.release('async-hold-1');
    await gate.reached('async-1');
    gate.release('async-1');
    gate.release('async-hold-2');
    await Promise.all(held);
    await running.emu.settled();
    expect(running.log).toContainEqual(expect.stringMatching(new RegExp(`^INVOKE +${QUOTAS_FIXTURE.workerId} Event 202 [\\d.]+ms$`)));
  });

  test("the emulator's queue of Event invocations is bounded: past it, 429 TooManyRequestsException naming the bound", async () => {
    // GIVEN the worker's pool in use, so Event invocations queue up
    const held = [invokeWorker('queue-hold-1'), invokeWorker('queue-hold-2')];
    await Promise.all([gate.reached('queue-hold-1'), gate.reached('queue-hold-2')]);
    const payload = JSON.stringify({ tag: 'queued', pad: 'x'.repeat(1_000_000) });
    const fits = Math.floor(ASYNC_QUEUE_LIMITS.bytes / Buffer.byteLength(payload));

    // WHEN as many events of 1 MB as fit are sent THEN each is accepted
    for (let i = 0; i < fits; i++) {
      const out = await running.lambda.send(
        new InvokeCommand({ FunctionName: QUOTAS_FIXTURE.workerId, Payload: payload, InvocationType: 'Event' }),
      );
      expect(out.StatusCode).toBe(202);
    }
    // AND the next is refused, saying why
    const refused = running.lambda.send(
      new InvokeCommand({ FunctionName: QUOTAS_FIXTURE.workerId, Payload: payload, InvocationType: 'Event' }),
    );
    await expect(refused).rejects.toBeInstanceOf(TooManyRequestsException);
    await expect(refused).rejects.toMatchObject({
      message: expect.stringContaining(`holds at most ${ASYNC_QUEUE_LIMITS.events} events or ${ASYNC_QUEUE_LIMITS.bytes} bytes`),
      $metadata: { httpStatusCode: 429 },
    });

    // WHEN the queue drains THEN events are accepted again
    gate.release('queue-hold-1');
    gate.release('queue-hold-2');
    await Promise.all(held);
    await running.emu.settled();
    const again = await running.lambda.send(
      new InvokeCommand({ FunctionName: QUOTAS_FIXTURE.workerId, Payload: payload, InvocationType: 'Event' }),
    );
    expect(again.StatusCode).toBe(202);
    await running.emu.settled();
    expect(running.log.filter((line) => / Event 202 /.test(line) && line.includes(QUOTAS_FIXTURE.workerId)).length).toBeGreaterThanOrEqual(
      fits + 1,
    );
  }, 60_000);
});

test('a $connect whose function is throttled refuses the handshake with 500, as a failed $connect integration does', async () => {
  const running = await start('connect-throttled', {}, { connectReserved: 0 });
  try {
    expect(await handshakeStatus(running.emu.url)).toBe(500);
    expect(running.log).toContainEqual(
      expect.stringContaining('TooManyRequestsException: Rate Exceeded. Function QuotasFixture-ConnectFn'),
    );
  } finally {
    await running.stop();
  }
});
