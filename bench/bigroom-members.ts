/**
 * A member process of `npm run bench:bigroom`: holds its share of the room's members, each a real
 * `ws` connection from its own loopback address, joined through the protocol at a bounded rate.
 * It records every room message each member gets and, once the bench names the `seq`s that were
 * sent (`expect`), waits for them and reports the checks (bench/delivery-check.ts). The job comes
 * as JSON in argv[2]; the lines are bench/bigroom-protocol.ts's.
 */
import { createInterface } from 'node:readline';
import { performance } from 'node:perf_hooks';
import WebSocket from 'ws';
import type { ClientFrame } from '../protocol';
import { wsText } from '../cli-kit/ws-text';
import { addCounts, checkDeliveries, NO_FAULTS, type Arrivals } from './delivery-check';
import {
  EXPECT_LINE,
  KEEPALIVE_INTERVAL_MS,
  MEMBER_LINES,
  protocolLine,
  readProtocolLine,
  type MembersJob,
  type MembersResult,
} from './bigroom-protocol';

/** Attempts at opening and joining one member before the run fails. */
const JOIN_ATTEMPTS = 5;
/** How often the connect loop starts connections. */
const TICK_MS = 100;
/** How often it says how many members have joined. */
const PROGRESS_EVERY_MS = 1000;

/** Milliseconds since the epoch, with performance.now()'s resolution: comparable across processes. */
const now = () => performance.timeOrigin + performance.now();

interface Member {
  readonly socket: WebSocket;
  /** `seq`s received, in arrival order. */
  readonly received: number[];
  readonly seen: Set<number>;
}

const job = JSON.parse(process.argv[2] ?? '{}') as MembersJob;
const members: Member[] = [];
const arrivals = new Map<number, { receivers: number; first: number; last: number }>();
const errorFrames: Record<string, number> = {};
let closed = 0;
let joining = true;
/** After `expect`: the expected `seq`s, and receipts of them still missing over all members. */
let expected: Set<number> | undefined;
let missing = 0;
let idleTimer: NodeJS.Timeout | undefined;

function fail(message: string): never {
  process.stderr.write(`bigroom member process (${job.localAddress}): ${message}\n`);
  process.exit(1);
}

function onRoomMessage(member: Member, seq: number): void {
  const at = now();
  member.received.push(seq);
  if (member.seen.has(seq)) return;
  member.seen.add(seq);
  const a = arrivals.get(seq);
  if (a) {
    a.receivers++;
    a.last = at;
  } else arrivals.set(seq, { receivers: 1, first: at, last: at });
  if (expected?.has(seq) && --missing === 0) finish(false);
}

/** Opens one connection from the job's address and joins the room; rejects on any other answer. */
function openAndJoin(): Promise<Member> {
  return new Promise((resolve, reject) => {
    const socket = new WebSocket(job.url, { localAddress: job.localAddress });
    const member: Member = { socket, received: [], seen: new Set() };
    let joined = false;
    socket.once('unexpected-response', (_req, res) => reject(new Error(`$connect answered ${res.statusCode}`)));
    socket.on('error', (err) => {
      if (!joined) reject(err);
    });
    // Spread over the interval, so the room's pings do not all come at once.
    const keepalive = setInterval(
      () => socket.send(JSON.stringify({ action: 'ping' } satisfies ClientFrame)),
      KEEPALIVE_INTERVAL_MS * (0.5 + Math.random() / 2),
    );
    socket.once('open', () => socket.send(JSON.stringify({ action: 'join', room: job.room } satisfies ClientFrame)));
    socket.on('close', () => {
      clearInterval(keepalive);
      if (joined) closed++;
      else reject(new Error('closed before it joined'));
    });
    socket.on('message', (data) => {
      const frame = JSON.parse(wsText(data)) as {
        event?: string;
        room?: string;
        seq?: unknown;
        error?: { code?: string };
        message?: string;
      };
      if (frame.event === 'message' && frame.room === job.room && typeof frame.seq === 'number') {
        onRoomMessage(member, frame.seq);
        if (expected) resetIdle();
      } else if (frame.event === 'joined' && !joined) {
        joined = true;
        resolve(member);
      } else if (frame.event === 'presence' || frame.event === 'occupancy' || frame.event === 'pong') {
        // Presence (or a big room's occupancy count): nothing to check here. Pong: the keepalive's answer.
      } else if (!joined) {
        socket.terminate();
        reject(new Error(`join answered ${JSON.stringify(frame)}`));
      } else {
        const code = frame.event === 'error' ? (frame.error?.code ?? 'error') : (frame.message ?? JSON.stringify(frame));
        errorFrames[code] = (errorFrames[code] ?? 0) + 1;
      }
    });
  });
}

async function joinOne(): Promise<void> {
  for (let attempt = 1; ; attempt++) {
    try {
      members.push(await openAndJoin());
      return;
    } catch (err: unknown) {
      const message = err instanceof Error ? err.message : String(err);
      const code = (err as NodeJS.ErrnoException).code;
      if (code === 'EMFILE' || code === 'ENFILE') {
        fail(
          `cannot open more sockets (${code}) at ${members.length} members: the file limit is reached; run fewer --members or raise the hard limit (ulimit -Hn)`,
        );
      }
      if (code === 'EADDRNOTAVAIL') {
        fail(`${job.localAddress} ran out of ephemeral ports at ${members.length} members; use a smaller --per-process`);
      }
      if (attempt >= JOIN_ATTEMPTS) fail(`a member could not connect and join after ${JOIN_ATTEMPTS} attempts: ${message}`);
      await new Promise((resolve) => setTimeout(resolve, 200 * attempt));
    }
  }
}

/** Opens and joins every member at the job's rate, printing progress. */
async function joinAll(): Promise<void> {
  const started = now();
  let launched = 0;
  const pending = new Set<Promise<void>>();
  const progress = setInterval(
    () => process.stdout.write(protocolLine(MEMBER_LINES.progress, { joined: members.length })),
    PROGRESS_EVERY_MS,
  );
  while (launched < job.members) {
    const due = Math.min(job.members, Math.ceil(((now() - started) / 1000) * job.connectRate) + 1);
    // Never more in flight than a second's worth: a slow server slows the connects, it is not flooded.
    while (launched < due && pending.size < job.connectRate) {
      launched++;
      const p: Promise<void> = joinOne().finally(() => pending.delete(p));
      pending.add(p);
    }
    await new Promise((resolve) => setTimeout(resolve, TICK_MS));
  }
  await Promise.all(pending);
  clearInterval(progress);
  joining = false;
}

function resetIdle(): void {
  if (idleTimer) idleTimer.refresh();
}

function finish(timedOut: boolean): void {
  if (idleTimer) clearTimeout(idleTimer);
  let count = NO_FAULTS;
  let complete = 0;
  for (const m of members) {
    const c = checkDeliveries(m.received, expected!);
    if (c.lost === 0) complete++;
    count = addCounts(count, c);
  }
  const result: MembersResult = {
    count,
    arrivals: Object.fromEntries([...arrivals].map(([seq, a]): [string, Arrivals] => [String(seq), a])),
    complete,
    errorFrames,
    closed,
    timedOut,
  };
  process.stdout.write(protocolLine(MEMBER_LINES.result, result), () => {
    for (const m of members) {
      m.socket.removeAllListeners('close');
      m.socket.terminate();
    }
    process.exit(0);
  });
}

function onExpect(seqs: readonly number[]): void {
  if (joining) fail('the bench sent its messages before every member had joined');
  expected = new Set(seqs);
  missing = 0;
  for (const seq of expected) missing += members.length - (arrivals.get(seq)?.receivers ?? 0);
  if (missing === 0) return finish(false);
  idleTimer = setTimeout(() => finish(true), job.idleTimeoutMs);
}

/** Resident memory after a full collection (the bench starts this process with --expose-gc), so garbage does not count. */
function settledRss(): number {
  (globalThis as { gc?: () => void }).gc?.();
  return process.memoryUsage.rss();
}

async function main(): Promise<void> {
  createInterface({ input: process.stdin }).on('line', (line) => {
    const parsed = readProtocolLine(line);
    if (parsed?.kind === EXPECT_LINE) onExpect((parsed.body as { seqs: number[] }).seqs);
  });
  // The bench going away (Ctrl-C, a crash) closes stdin: nothing is left to report to.
  process.stdin.on('end', () => process.exit(1));
  const rssBefore = settledRss();
  await joinAll();
  process.stdout.write(protocolLine(MEMBER_LINES.ready, { rssBefore, rssAfter: settledRss() }));
}

main().catch((err: unknown) => fail(err instanceof Error ? err.message : String(err)));
