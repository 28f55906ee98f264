/**
 * Echo benchmark: round-trips per second and latency through the local emulator, against a
 * plain `ws` echo server measured in the same run with the same client code.
 *
 *   npm run bench:echo [-- --clients 10 --messages 500 --assembly DIR --field action --route message --query token=T]
 *
 * Without --assembly it synthesizes this app (cdk.json in the current folder) into a temp dir.
 */
import { rmSync } from 'node:fs';
import * as path from 'node:path';
import { performance } from 'node:perf_hooks';
import WebSocket, { WebSocketServer } from 'ws';
import { startEmulator } from '../local/emulator';
import { UsageError } from '../local/flags';
import { wsText } from '../local/ws-text';
import { machine, markdownTable, numberArg, stringArg, summarize, synthesizeThisApp } from './support';

interface Scenario {
  readonly name: string;
  readonly url: string;
  /** The frame the client sends for message number i. */
  readonly frame: (i: number) => string;
  /** True when `reply` answers the frame just sent. */
  readonly isReply: (reply: string) => boolean;
}

/** Round trips per client before measuring. */
const WARM_UP_MESSAGES = 200;

interface Result {
  readonly name: string;
  readonly roundTrips: number;
  readonly seconds: number;
  readonly p50: number;
  readonly p99: number;
}

/** One client: connects, then sends `count` frames, each after the previous reply. */
async function runClient(scenario: Scenario, count: number, latencies: number[]): Promise<void> {
  const ws = new WebSocket(scenario.url);
  await new Promise<void>((resolve, reject) => {
    ws.once('open', () => resolve());
    ws.once('error', reject);
  });
  let sentAt = 0;
  let next: (() => void) | undefined;
  // A dropped connection or an error fails the run instead of hanging or crashing it.
  let fail: ((err: Error) => void) | undefined;
  ws.on('error', (err) => fail?.(err));
  ws.on('close', (code) => fail?.(new Error(`${scenario.name}: connection closed with ${code} mid-run`)));
  ws.on('message', (data) => {
    if (!scenario.isReply(wsText(data))) return;
    latencies.push(performance.now() - sentAt);
    next?.();
  });
  for (let i = 0; i < count; i++) {
    await new Promise<void>((resolve, reject) => {
      next = resolve;
      fail = reject;
      sentAt = performance.now();
      ws.send(scenario.frame(i));
    });
  }
  fail = undefined;
  ws.close();
  await new Promise((resolve) => ws.once('close', resolve));
}

async function measure(scenario: Scenario, clients: number, messages: number): Promise<Result> {
  // Warm-up, unmeasured: start the execution environments the measured run will use and let
  // the JIT settle, so both servers are measured in their steady state.
  await Promise.all(Array.from({ length: clients }, () => runClient(scenario, WARM_UP_MESSAGES, [])));
  const latencies: number[] = [];
  const start = performance.now();
  await Promise.all(Array.from({ length: clients }, () => runClient(scenario, messages, latencies)));
  const seconds = (performance.now() - start) / 1000;
  const { p50, p99 } = summarize(latencies);
  return { name: scenario.name, roundTrips: latencies.length, seconds, p50, p99 };
}

async function main(): Promise<void> {
  const clients = numberArg('clients', 10, 1);
  const messages = numberArg('messages', 500, 1);
  const given = stringArg('assembly');
  const assemblyDir = given ? path.resolve(given) : synthesizeThisApp();
  const routeField = stringArg('field') ?? 'action';
  const routeKey = stringArg('route') ?? 'message';
  const query = stringArg('query'); // e.g. token=... for an app with a $connect authorizer

  const plain = new WebSocketServer({ host: '127.0.0.1', port: 0 });
  plain.on('connection', (ws) => ws.on('message', (data) => ws.send(wsText(data))));
  await new Promise((resolve) => plain.once('listening', resolve));
  const plainUrl = `ws://127.0.0.1:${(plain.address() as { port: number }).port}`;

  const maxConcurrency = stringArg('concurrency') === undefined ? undefined : numberArg('concurrency', 1, 1);
  const emu = await startEmulator({ assemblyDir, port: 0, maxConcurrency, log: () => undefined, functionLog: () => undefined });
  const payload = (i: number) => JSON.stringify({ [routeField]: routeKey, data: `hello ${i}` });
  // This app's $connect needs a token: the emulator's local issuer mints one.
  const token = emu.localIssuer ? await emu.localIssuer.mint('bench') : undefined;
  const emuQuery = query ?? (token ? `token=${token}` : undefined);
  const emuUrl = emuQuery ? `${emu.url}?${emuQuery}` : emu.url;
  const results: Result[] = [];
  try {
    results.push(await measure({ name: 'plain ws echo', url: plainUrl, frame: payload, isReply: () => true }, clients, messages));
    results.push(
      await measure(
        {
          name: `emulator: ${routeKey} (${emu.app.routes.get(routeKey)?.hasRouteResponse ? 'route response' : '@connections reply'})`,
          url: emuUrl,
          frame: payload,
          isReply: () => true,
        },
        clients,
        messages,
      ),
    );
    if (!given && emu.app.routes.get('ping')?.hasRouteResponse) {
      // This app's ping is a two-way route: the same path without an SDK call in the handler.
      const ping = (i: number) => JSON.stringify({ action: 'ping', id: String(i) });
      results.push(
        await measure({ name: 'emulator: ping (route response)', url: emuUrl, frame: ping, isReply: () => true }, clients, messages),
      );
    }
  } finally {
    await emu.stop();
    plain.close();
    if (!given) rmSync(assemblyDir, { recursive: true, force: true });
  }

  const rows = results.map((r) => [
    r.name,
    String(r.roundTrips),
    (r.roundTrips / r.seconds).toFixed(0),
    r.p50.toFixed(2),
    r.p99.toFixed(2),
  ]);
  console.log(`${clients} clients x ${messages} messages; ${machine()}`);
  console.log(markdownTable(['server', 'round trips', 'round trips/s', 'p50 ms', 'p99 ms'], rows));
  const [base, ...emulated] = results;
  for (const r of emulated) {
    const ratio = r.roundTrips / r.seconds / (base.roundTrips / base.seconds);
    console.log(
      `${r.name} / plain ws: ${(ratio * 100).toFixed(1)}% of the throughput (target >= 30%), p50 ${r.p50.toFixed(2)} ms (target < 2 ms)`,
    );
  }
}

main().catch((err: unknown) => {
  console.error(err instanceof UsageError ? err.message : err);
  process.exit(err instanceof UsageError ? 2 : 1);
});
