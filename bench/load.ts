/**
 * Load test: K connections each send M messages through the emulator (or any
 * Switchboard URL) and every ack is checked: exactly one per message, in order
 * per connection, none lost. Prints progress while it runs, then throughput,
 * latency percentiles and any loss; exits 1 if anything was lost.
 *
 *   npm run load -- [--connections 1000] [--messages 10] [--window 2] [--ramp 50]
 *                   [--timeout 300] [--assembly DIR | --url ws://host:port/stage]
 */
import * as path from 'node:path';
import { performance } from 'node:perf_hooks';
import WebSocket from 'ws';
import { cachedAssembly } from '../local/assembly/cache';
import { UsageError } from '../cli-kit/flags';
import { wsText } from '../cli-kit/ws-text';
import { startSwitchboardLocal, type ServerProcess } from './processes';
import { machine, markdownTable, numberArg, stringArg, summarize } from './support';

interface Tally {
  connected: number;
  connectFailures: number;
  acked: number;
  duplicates: number;
  outOfOrder: number;
  errorFrames: number;
  unexpected: number;
  latencies: number[];
}

/** One connection: keeps up to `window` messages in flight and checks each ack against what it sent. */
async function runConnection(url: string, index: number, messages: number, window: number, tally: Tally, deadline: number): Promise<void> {
  const ws = new WebSocket(url);
  try {
    await new Promise<void>((resolve, reject) => {
      ws.once('open', resolve);
      ws.once('error', reject);
    });
  } catch {
    tally.connectFailures++;
    return;
  }
  tally.connected++;
  const sentAt = new Map<number, number>();
  let nextToSend = 0;
  let nextExpected = 0;
  const seen = new Set<number>();
  await new Promise<void>((resolve) => {
    const timer = setTimeout(resolve, Math.max(0, deadline - Date.now()));
    const send = () => {
      while (nextToSend < messages && nextToSend - nextExpected < window) {
        const i = nextToSend++;
        sentAt.set(i, performance.now());
        ws.send(JSON.stringify({ action: 'message', data: `c${index} m${i}`, id: `c${index}-m${i}` }));
      }
    };
    ws.on('message', (raw) => {
      let frame: { event?: string; data?: string; id?: string };
      try {
        frame = JSON.parse(wsText(raw)) as typeof frame;
      } catch {
        tally.unexpected++;
        return;
      }
      const match = /^c(\d+)-m(\d+)$/.exec(frame.id ?? '');
      if (frame.event === 'error' || !match) {
        if (frame.event === 'error') tally.errorFrames++;
        else tally.unexpected++;
        return;
      }
      const i = Number(match[2]);
      if (Number(match[1]) !== index || frame.data !== `Received: c${index} m${i}`) {
        tally.unexpected++;
        return;
      }
      if (seen.has(i)) {
        tally.duplicates++;
        return;
      }
      seen.add(i);
      if (i !== nextExpected) tally.outOfOrder++;
      nextExpected = Math.max(nextExpected, i + 1);
      tally.acked++;
      tally.latencies.push(performance.now() - (sentAt.get(i) ?? 0));
      if (seen.size === messages) {
        clearTimeout(timer);
        resolve();
      } else send();
    });
    ws.on('close', () => {
      clearTimeout(timer);
      resolve();
    });
    send();
  });
  ws.close();
}

/** After the load: does a fresh client still get its echo promptly? */
async function stillServing(url: string): Promise<number | undefined> {
  const started = performance.now();
  const ws = new WebSocket(url);
  try {
    return await new Promise<number | undefined>((resolve) => {
      const timer = setTimeout(() => resolve(undefined), 10_000);
      ws.once('error', () => resolve(undefined));
      ws.once('open', () => ws.send(JSON.stringify({ action: 'message', data: 'still there?' })));
      ws.on('message', (raw) => {
        if (wsText(raw).includes('Received: still there?')) {
          clearTimeout(timer);
          resolve(performance.now() - started);
        }
      });
    });
  } finally {
    ws.terminate();
  }
}

async function main(): Promise<number> {
  const connections = numberArg('connections', 1000, 1);
  const messages = numberArg('messages', 10, 1);
  const window = numberArg('window', 2, 1);
  const ramp = numberArg('ramp', 50, 1);
  const timeoutSeconds = numberArg('timeout', 300, 1);
  const givenUrl = stringArg('url');
  const givenAssembly = stringArg('assembly');

  let emulator: ServerProcess | undefined;
  let url = givenUrl;
  if (!url) {
    const assemblyDir = givenAssembly
      ? path.resolve(givenAssembly)
      : (await cachedAssembly({ cwd: process.cwd(), log: (line) => console.error(line) })).dir;
    console.error('Starting the emulator ...');
    emulator = await startSwitchboardLocal(assemblyDir);
    url = emulator.url;
  }

  const tally: Tally = {
    connected: 0,
    connectFailures: 0,
    acked: 0,
    duplicates: 0,
    outOfOrder: 0,
    errorFrames: 0,
    unexpected: 0,
    latencies: [],
  };
  const total = connections * messages;
  console.error(`Load: ${connections} connections x ${messages} messages (window ${window}) against ${url}`);
  const started = performance.now();
  const progress = setInterval(() => {
    const seconds = ((performance.now() - started) / 1000).toFixed(0);
    console.error(
      `  ${seconds}s  connected ${tally.connected}/${connections}  acked ${tally.acked}/${total}  errors ${tally.errorFrames + tally.unexpected}`,
    );
  }, 2000);
  const deadline = Date.now() + timeoutSeconds * 1000;
  try {
    // Every connection stays open for the whole run; they are opened `ramp` per 20 ms.
    await Promise.all(
      Array.from({ length: connections }, async (_, i) => {
        await new Promise((resolve) => setTimeout(resolve, Math.floor(i / ramp) * 20));
        await runConnection(url, i, messages, window, tally, deadline);
      }),
    );
  } finally {
    clearInterval(progress);
  }
  const seconds = (performance.now() - started) / 1000;
  const serving = await stillServing(url);
  await emulator?.stop();

  const lost = total - tally.acked;
  const latency = summarize(tally.latencies);
  console.log(`\n${connections} connections x ${messages} messages, window ${window}; ${machine()}`);
  console.log(
    markdownTable(
      ['acks', 'lost', 'duplicates', 'out of order', 'error frames', 'acks/s', 'p50 ms', 'p95 ms', 'p99 ms', 'max ms'],
      [
        [
          `${tally.acked}/${total}`,
          String(lost),
          String(tally.duplicates),
          String(tally.outOfOrder),
          String(tally.errorFrames + tally.unexpected),
          (tally.acked / seconds).toFixed(0),
          latency.p50.toFixed(1),
          latency.p95.toFixed(1),
          latency.p99.toFixed(1),
          latency.max.toFixed(1),
        ],
      ],
    ),
  );
  console.log(
    `connect failures: ${tally.connectFailures}; emulator still serving afterwards: ${serving === undefined ? 'NO' : `yes (fresh echo in ${serving.toFixed(0)} ms)`}`,
  );
  const ok =
    lost === 0 && tally.duplicates === 0 && tally.outOfOrder === 0 && tally.errorFrames + tally.unexpected === 0 && serving !== undefined;
  console.log(ok ? 'PASS: every message got exactly one ack, in order.' : 'FAIL: see the counts above.');
  return ok ? 0 : 1;
}

main().then(
  (code) => process.exit(code),
  (err: unknown) => {
    console.error(err instanceof UsageError ? err.message : err);
    process.exit(err instanceof UsageError ? 2 : 1);
  },
);
