/**
 * The account quotas through the real `switchboard-local`, with the real AWS SDK clients and ws
 * clients: the flags as a user gives them, the banner that says which limits are on, and what a
 * caller over each limit gets.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { ApiGatewayManagementApiClient, GetConnectionCommand, LimitExceededException } from '@aws-sdk/client-apigatewaymanagementapi';
import { InvokeCommand, LambdaClient, TooManyRequestsException } from '@aws-sdk/client-lambda';
import { ASYNC_QUEUE_LIMITS } from '../../../local/services/lambda/invoke-api';
import { LOCAL_CREDENTIALS } from '../../../protocol/local-endpoints';
import { Gate } from '../fixtures/gate';
import { QUOTAS_FIXTURE, writeQuotasAssembly } from '../fixtures/quotas-assembly';
import { connect } from '../helpers';
import { startCli, type RunningCli } from './running-cli';

jest.setTimeout(60_000);

const { region } = QUOTAS_FIXTURE;
let tmp: string;
let assembly: string;
beforeAll(() => {
  tmp = mkdtempSync(path.join(os.tmpdir(), 'switchboard-quotas-cli-'));
  assembly = writeQuotasAssembly(path.join(tmp, 'assembly'));
});
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

describe('--account-rps 1 --post-latency 150', () => {
  let cli: RunningCli;
  let management: ApiGatewayManagementApiClient;
  beforeAll(async () => {
    cli = await startCli(['--assembly', assembly, '--port', '0', '--account-rps', '1', '--post-latency', '150']);
    management = new ApiGatewayManagementApiClient({
      endpoint: cli.managementEndpoint,
      region,
      credentials: LOCAL_CREDENTIALS,
      maxAttempts: 1,
    });
  });
  afterAll(async () => {
    management.destroy();
    expect(await cli.stop()).toBe(0);
  });

  test('the banner says which limits are on', () => {
    expect(cli.banner).toContain('  Limits        API Gateway 1 requests/s (burst 1), @connections 150 ms a call');
    expect(cli.banner).toContain('  Reserved      HoldFn 1, OffFn 0 concurrent executions (ReservedConcurrentExecutions)');
  });

  test('calls over the quota are LimitExceededException from the SDK; each call, throttled or not, takes the latency', async () => {
    const client = await connect(cli.url);
    const connectionId = await connectionIdOf(cli);

    // WHEN four calls are made at once against a bucket of 1 token (refilling 1 a second)
    const started = performance.now();
    const calls = await Promise.allSettled(
      Array.from({ length: 4 }, async () => {
        const t0 = performance.now();
        try {
          await management.send(new GetConnectionCommand({ ConnectionId: connectionId }));
        } finally {
          // Only ever later than the latency, never sooner: a lower bound cannot flake on a busy machine.
          expect(performance.now() - t0).toBeGreaterThanOrEqual(149);
        }
      }),
    );

    // THEN at most the tokens there were pass, and the SDK throws LimitExceededException for the rest
    const refused = calls.filter((c): c is PromiseRejectedResult => c.status === 'rejected').map((c) => c.reason as Error);
    const elapsedSeconds = (performance.now() - started) / 1000;
    expect(refused.length).toBeGreaterThanOrEqual(4 - Math.floor(1 + elapsedSeconds));
    expect(refused.length).toBeGreaterThan(0);
    for (const error of refused) expect(error).toBeInstanceOf(LimitExceededException);
    expect(cli.stdout()).toMatch(new RegExp(`@connections GET +${escape(connectionId)} 429`));
    client.ws.close();
  });

  test('a message over the quota is answered "Too Many Requests" without running its route', async () => {
    const client = await connect(cli.url);
    // Two at once against at most one token: one or both are throttled, never both run.
    client.ws.send('one');
    client.ws.send('two');
    const frames = [await client.next(), await client.next()];
    const throttled = frames.filter((f) => f.includes('"message":"Too Many Requests"'));
    expect(throttled.length).toBeGreaterThanOrEqual(1);
    expect(frames.filter((f) => f.startsWith('echo:')).length).toBe(2 - throttled.length);
    expect(cli.stdout()).toContain('(throttled)');
    client.ws.close();
  });
});

describe('--aws-like --lambda-concurrency 3', () => {
  let cli: RunningCli;
  let lambda: LambdaClient;
  let gate: Gate;
  beforeAll(async () => {
    gate = await Gate.open();
    cli = await startCli(['--assembly', assembly, '--port', '0', '--aws-like', '--lambda-concurrency', '3']);
    lambda = new LambdaClient({ endpoint: cli.httpUrl, region, credentials: LOCAL_CREDENTIALS, maxAttempts: 1 });
  });
  afterAll(async () => {
    lambda.destroy();
    await gate.close();
    expect(await cli.stop('SIGINT')).toBe(0);
  });

  const invokeWorker = (tag: string, extra: Partial<ConstructorParameters<typeof InvokeCommand>[0]> = {}) =>
    lambda.send(
      new InvokeCommand({ FunctionName: QUOTAS_FIXTURE.workerId, Payload: JSON.stringify({ gate: gate.url(tag), tag }), ...extra }),
    );

  test("AWS's values are on, and a flag given beside --aws-like wins", () => {
    expect(cli.banner).toContain(
      '  Limits        API Gateway 10000 requests/s (burst 5000), @connections 10-30 ms a call, Lambda 3 concurrent executions',
    );
  });

  test('past the unreserved pool a synchronous Invoke is TooManyRequestsException and a route is "Internal server error"; an Event waits its turn', async () => {
    // GIVEN the 2 unreserved executions (3 less HoldFn's 1) held by the worker
    const held = [invokeWorker('h1'), invokeWorker('h2')];
    await Promise.all([gate.reached('h1'), gate.reached('h2')]);

    await expect(invokeWorker('h3')).rejects.toMatchObject({
      name: 'TooManyRequestsException',
      Reason: 'ConcurrentInvocationLimitExceeded',
    });
    const client = await connect(cli.url);
    client.ws.send('hello');
    expect(await client.nextJson()).toMatchObject({ message: 'Internal server error' });
    client.ws.send(JSON.stringify({ action: 'off' }));
    expect(await client.nextJson()).toMatchObject({ message: 'Internal server error' });

    const event = await invokeWorker('e1', { InvocationType: 'Event' });
    expect(event.StatusCode).toBe(202);
    gate.release('h1');
    await gate.reached('e1');
    gate.release('e1');
    gate.release('h2');
    await Promise.all(held);
    client.ws.send('hello');
    expect(await client.next()).toBe('echo:hello');
    client.ws.close();
  });

  test('the queue of Event invocations is bounded: past it, TooManyRequestsException naming the bound', async () => {
    const held = [invokeWorker('q1'), invokeWorker('q2')];
    await Promise.all([gate.reached('q1'), gate.reached('q2')]);
    const payload = JSON.stringify({ tag: 'queued', pad: 'x'.repeat(1_000_000) });
    const event = () =>
      lambda.send(new InvokeCommand({ FunctionName: QUOTAS_FIXTURE.workerId, Payload: payload, InvocationType: 'Event' }));
    const fits = Math.floor(ASYNC_QUEUE_LIMITS.bytes / Buffer.byteLength(payload));
    for (let i = 0; i < fits; i++) expect((await event()).StatusCode).toBe(202);
    const refused = event();
    await expect(refused).rejects.toBeInstanceOf(TooManyRequestsException);
    await expect(refused).rejects.toThrow(`at most ${ASYNC_QUEUE_LIMITS.events} events or ${ASYNC_QUEUE_LIMITS.bytes} bytes`);
    gate.release('q1');
    gate.release('q2');
    await Promise.all(held);
  });
});

/** The connection id of the latest OPEN line of the CLI's log. */
async function connectionIdOf(cli: RunningCli): Promise<string> {
  for (let i = 0; i < 500; i++) {
    const ids = [...cli.stdout().matchAll(/^OPEN +(\S{16}) 101$/gm)].map((m) => m[1]);
    if (ids.length > 0) return ids[ids.length - 1];
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
  throw new Error('no OPEN line in the log');
}

function escape(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}
