/**
 * The benchmarks' client, run in its own process by bench/echo.ts and bench/fanout.ts so that the
 * server under test has its process to itself, as with a user's app. Takes one job as JSON in
 * argv[2] and prints its result as JSON on stdout; the same code measures every server.
 */
import { createInterface } from 'node:readline';
import { performance } from 'node:perf_hooks';
import WebSocket from 'ws';
import type { ClientFrame } from '../protocol';
import { wsText } from '../cli-kit/ws-text';
import { CHECKPOINT, ECHO_CHECKPOINTS, type EchoJob, type EchoResult, type FanoutJob, type FanoutResult } from './client-protocol';
import { summarize } from './support';

/** How many members connect and join at once while a room is set up. */
const JOIN_BATCH = 100;
/** A broadcast that has not reached every member by then has lost some. */
const BROADCAST_TIMEOUT_MS = 30_000;

/** A connection that hands out its frames in order, and fails on an error frame or a close. */
class BenchSocket {
  private readonly queue: Array<Record<string, unknown>> = [];
  private waiter: { resolve: (frame: Record<string, unknown>) => void; reject: (err: Error) => void } | undefined;
  private failure: Error | undefined;
  /** Called for each frame instead of queueing it, when set. */
  onFrame: ((frame: Record<string, unknown>) => void) | undefined;

  private constructor(private readonly ws: WebSocket) {
    ws.on('message', (data) => {
      const frame = JSON.parse(wsText(data)) as Record<string, unknown>;
      if (frame.event === 'error') return this.fail(new Error(`error frame: ${JSON.stringify(frame)}`));
      if (this.onFrame) return this.onFrame(frame);
      if (this.waiter) {
        const { resolve } = this.waiter;
        this.waiter = undefined;
        resolve(frame);
      } else this.queue.push(frame);
    });
    ws.on('error', (err) => this.fail(err));
    ws.on('close', (code) => this.fail(new Error(`connection closed with ${code} mid-run`)));
  }

  static open(url: string): Promise<BenchSocket> {
    const ws = new WebSocket(url);
    return new Promise((resolve, reject) => {
      ws.once('open', () => resolve(new BenchSocket(ws)));
      ws.once('error', reject);
      ws.once('unexpected-response', (_req, res) => reject(new Error(`$connect answered ${res.statusCode}`)));
    });
  }

  private fail(err: Error): void {
    this.failure ??= err;
    this.waiter?.reject(err);
    this.waiter = undefined;
  }

  send(frame: ClientFrame): void {
    this.ws.send(JSON.stringify(frame));
  }

  next(): Promise<Record<string, unknown>> {
    if (this.queue.length > 0) return Promise.resolve(this.queue.shift()!);
    if (this.failure) return Promise.reject(this.failure);
    return new Promise((resolve, reject) => (this.waiter = { resolve, reject }));
  }

  close(): void {
    this.ws.removeAllListeners('close');
    this.ws.terminate();
  }
}

async function roundTrips(socket: BenchSocket, job: EchoJob, count: number, latencies: number[] | undefined): Promise<void> {
  for (let i = 0; i < count; i++) {
    const sentAt = performance.now();
    socket.send(job.action === 'ping' ? { action: 'ping', id: String(i) } : { action: 'message', data: `hello ${i}` });
    await socket.next();
    latencies?.push(performance.now() - sentAt);
  }
}

const parentLines = createInterface({ input: process.stdin })[Symbol.asyncIterator]();

/** Tells the bench where the run is and waits until it has taken its readings (see CHECKPOINT). */
async function checkpoint(name: string): Promise<void> {
  process.stdout.write(`${CHECKPOINT} ${name}\n`);
  await parentLines.next();
}

async function echo(job: EchoJob): Promise<EchoResult> {
  const sockets = await Promise.all(Array.from({ length: job.clients }, () => BenchSocket.open(job.url)));
  // Unmeasured: starts the execution environments the measured run uses and lets both JITs settle.
  await Promise.all(sockets.map((s) => roundTrips(s, job, job.warmUp, undefined)));
  const latencies: number[] = [];
  await checkpoint(ECHO_CHECKPOINTS.measuring);
  const cpuBefore = process.cpuUsage();
  const start = performance.now();
  await Promise.all(sockets.map((s) => roundTrips(s, job, job.messages, latencies)));
  const seconds = (performance.now() - start) / 1000;
  const cpu = process.cpuUsage(cpuBefore);
  await checkpoint(ECHO_CHECKPOINTS.measured);
  for (const s of sockets) s.close();
  return { ...summarize(latencies), seconds, clientCpuSeconds: (cpu.user + cpu.system) / 1e6 };
}

/** The next frame that is not a presence event: members joining at once may announce the user to each other. */
async function nextReply(socket: BenchSocket): Promise<Record<string, unknown>> {
  for (;;) {
    const frame = await socket.next();
    if (frame.event !== 'presence') return frame;
  }
}

async function join(url: string, room: string): Promise<BenchSocket> {
  const socket = await BenchSocket.open(url);
  socket.send({ action: 'join', room });
  const reply = await nextReply(socket);
  if (reply.event !== 'joined') throw new Error(`join ${room}: expected a joined frame, got ${JSON.stringify(reply)}`);
  return socket;
}

async function fanout(job: FanoutJob): Promise<FanoutResult> {
  const joinStart = performance.now();
  const members: BenchSocket[] = [];
  for (let i = 0; i < job.size - 1; i += JOIN_BATCH) {
    const batch = Math.min(JOIN_BATCH, job.size - 1 - i);
    members.push(...(await Promise.all(Array.from({ length: batch }, () => join(job.url, job.room)))));
  }
  const sender = await join(job.url, job.room);
  const joinSeconds = (performance.now() - joinStart) / 1000;

  const lastArrivalMs: number[] = [];
  const delivered: number[] = [];
  // Warm-up broadcasts have negative numbers: checked like the others, not recorded.
  for (let r = -job.warmUp; r < job.repeat; r++) {
    let arrived = 0;
    let last = 0;
    let allArrived: () => void = () => undefined;
    const done = new Promise<void>((resolve) => (allArrived = resolve));
    for (const m of members) {
      m.onFrame = (frame) => {
        if (frame.event !== 'message' || frame.room !== job.room) return;
        last = performance.now();
        if (++arrived === members.length) allArrived();
      };
    }
    const sentAt = performance.now();
    sender.send({ action: 'message', room: job.room, data: `fan-out ${r}` });
    const ack = await nextReply(sender);
    const timeout = setTimeout(() => {
      process.stderr.write(`bench client: broadcast ${r} reached ${arrived}/${members.length} members within ${BROADCAST_TIMEOUT_MS} ms\n`);
      process.exit(1);
    }, BROADCAST_TIMEOUT_MS);
    await done;
    clearTimeout(timeout);
    if (ack.delivered !== members.length)
      throw new Error(`broadcast ${r}: the ack says delivered ${String(ack.delivered)}, not ${members.length}`);
    if (r < 0) continue;
    lastArrivalMs.push(last - sentAt);
    delivered.push(ack.delivered);
  }
  for (const s of [...members, sender]) s.close();
  return { joinSeconds, lastArrivalMs, delivered };
}

async function main(): Promise<void> {
  const job = JSON.parse(process.argv[2] ?? '{}') as EchoJob | FanoutJob;
  const result = job.mode === 'echo' ? await echo(job) : await fanout(job);
  process.stdout.write(`${JSON.stringify(result)}\n`);
}

main().then(
  () => process.exit(0),
  (err: unknown) => {
    process.stderr.write(`bench client: ${err instanceof Error ? err.message : String(err)}\n`);
    process.exit(1);
  },
);
