/**
 * Fan-out benchmark: time from one room message being sent to the last member
 * receiving it, through the emulator running this app, for rooms of 100, 1,000
 * and 5,000 members; and the DynamoDB requests one broadcast makes.
 *
 *   npm run bench:fanout -- [--sizes 100,1000,5000] [--repeat 3] [--assembly DIR]
 *
 * Members are real ws connections, in a worker thread. Their membership rows are written straight
 * to the table (what `join` writes) so that setting up a 5,000-member room does
 * not take 5,000 joins; the sender joins through the API.
 */
import { rmSync } from 'node:fs';
import * as path from 'node:path';
import { performance } from 'node:perf_hooks';
import { Worker } from 'node:worker_threads';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { BatchWriteCommand, DynamoDBDocumentClient, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import WebSocket from 'ws';
import { keys } from '../lambda/core/table-design';
import { startEmulator, type Emulator } from '../local/emulator';
import { UsageError } from '../local/flags';
import { wsText } from '../local/ws-text';
import { machine, markdownTable, numberArg, stringArg, summarize, synthesizeThisApp } from './support';

const MAX_ROOM_MEMBERS = 10_000;

/**
 * The room's members run in a worker thread, as clients on other machines
 * would, so receiving 5,000 frames does not slow the emulator's own event loop.
 * Arrival times are epoch-based (timeOrigin + now) so both threads compare.
 */
const MEMBERS_WORKER = `
const { parentPort, workerData } = require('node:worker_threads');
const WebSocket = require(workerData.ws);
const sockets = [];
let firstArrival = [];
let counts = [];
const now = () => performance.timeOrigin + performance.now();
parentPort.on('message', async (command) => {
  if (command.type === 'open') {
    for (let i = 0; i < command.count; i += 100) {
      await Promise.all(Array.from({ length: Math.min(100, command.count - i) }, () => new Promise((resolve, reject) => {
        const ws = new WebSocket(workerData.url);
        const index = sockets.push(ws) - 1;
        ws.on('message', () => {
          counts[index] = (counts[index] || 0) + 1;
          if (firstArrival[index] === undefined) firstArrival[index] = now();
        });
        ws.once('open', resolve);
        ws.once('error', reject);
      })));
      parentPort.postMessage({ type: 'progress', connected: sockets.length });
    }
    parentPort.postMessage({ type: 'opened' });
  } else if (command.type === 'reset') {
    firstArrival = [];
    counts = [];
    parentPort.postMessage({ type: 'reset' });
  } else if (command.type === 'report') {
    parentPort.postMessage({ type: 'report', firstArrival, counts, members: sockets.length });
  } else if (command.type === 'close') {
    for (const ws of sockets) ws.close();
    parentPort.postMessage({ type: 'closed' });
  }
});
`;

interface Report {
  firstArrival: Array<number | undefined>;
  counts: Array<number | undefined>;
  members: number;
}

class MemberThread {
  private readonly worker: Worker;

  private failure: Error | undefined;

  constructor(url: string) {
    this.worker = new Worker(MEMBERS_WORKER, { eval: true, workerData: { url, ws: require.resolve('ws') } });
    this.worker.on('error', (err) => {
      this.failure = err;
    });
  }

  private call<T>(command: Record<string, unknown>, answer: string, onOther?: (message: Record<string, unknown>) => void): Promise<T> {
    if (this.failure) return Promise.reject(this.failure);
    return new Promise((resolve) => {
      const listener = (message: Record<string, unknown>) => {
        if (message.type !== answer) return onOther?.(message);
        this.worker.off('message', listener);
        resolve(message as T);
      };
      this.worker.on('message', listener);
      this.worker.postMessage(command);
    });
  }

  open(count: number): Promise<void> {
    return this.call({ type: 'open', count }, 'opened', (m) => process.stderr.write(`\r  connected ${String(m.connected)}/${count}`)).then(
      () => {
        process.stderr.write('\n');
      },
    );
  }
  reset = () => this.call({ type: 'reset' }, 'reset');
  report = () => this.call<Report>({ type: 'report' }, 'report');
  async close(): Promise<void> {
    await this.call({ type: 'close' }, 'closed');
    await this.worker.terminate();
  }
}

async function openMembers(emu: Emulator, url: string, count: number): Promise<{ members: MemberThread; ids: string[] }> {
  const ids: string[] = [];
  const onOpen = (id: string) => ids.push(id);
  emu.gateway.on('open', onOpen);
  const members = new MemberThread(url);
  await members.open(count);
  emu.gateway.off('open', onOpen);
  if (ids.length !== count) throw new Error(`Expected ${count} connections to open; the gateway saw ${ids.length}.`);
  return { members, ids };
}

/** Writes the rows `join` would write, 25 member rows per BatchWriteItem. */
async function seedRoom(db: DynamoDBDocumentClient, table: string, room: string, ids: string[]): Promise<void> {
  for (let i = 0; i < ids.length; i += 25) {
    const batch = ids.slice(i, i + 25);
    await db.send(
      new BatchWriteCommand({
        RequestItems: { [table]: batch.map((id) => ({ PutRequest: { Item: { ...keys.member(room, id), connectionId: id } } })) },
      }),
    );
  }
  for (const id of ids) {
    await db.send(
      new UpdateCommand({
        TableName: table,
        Key: keys.connection(id),
        UpdateExpression: 'ADD rooms :r',
        ExpressionAttributeValues: { ':r': new Set([room]) },
      }),
    );
  }
}

function diff(after: Readonly<Record<string, number>>, before: Readonly<Record<string, number>>): Record<string, number> {
  const out: Record<string, number> = {};
  for (const [op, n] of Object.entries(after)) if (n - (before[op] ?? 0) > 0) out[op] = n - (before[op] ?? 0);
  return out;
}

async function measureRoom(
  emu: Emulator,
  url: string,
  db: DynamoDBDocumentClient,
  table: string,
  size: number,
  repeat: number,
): Promise<string[]> {
  const room = `bench-${size}`;
  const { members, ids } = await openMembers(emu, url, size - 1);
  await seedRoom(db, table, room, ids);
  const sender = new WebSocket(url);
  const replies: string[] = [];
  const waiters: Array<() => void> = [];
  sender.on('message', (raw) => {
    replies.push(wsText(raw));
    waiters.shift()?.();
  });
  await new Promise((resolve) => sender.once('open', resolve));
  const nextReply = async () => {
    if (replies.length === 0) await new Promise<void>((resolve) => waiters.push(resolve));
    return JSON.parse(replies.shift()!) as { event?: string; delivered?: number };
  };
  sender.send(JSON.stringify({ action: 'join', room }));
  const joined = await nextReply();
  if (joined.event !== 'joined') throw new Error(`The sender could not join: ${JSON.stringify(joined)}`);

  const handlerMs: number[] = [];
  const onInvocation = (record: { routeKey: string; durationMs: number }) => {
    if (record.routeKey === 'message') handlerMs.push(record.durationMs);
  };
  emu.gateway.on('invocation', onInvocation);
  const lastArrival: number[] = [];
  let requests: Record<string, number> = {};
  let delivered = 0;
  const now = () => performance.timeOrigin + performance.now();
  for (let r = 0; r < repeat; r++) {
    await members.reset();
    const before = emu.dynamodbRequests();
    const sentAt = now();
    sender.send(JSON.stringify({ action: 'message', room, data: `fan-out ${r}` }));
    const ack = await nextReply();
    delivered = ack.delivered ?? 0;
    const deadline = Date.now() + 60_000;
    let report = await members.report();
    while (report.firstArrival.filter((t) => t !== undefined).length < report.members) {
      if (Date.now() > deadline)
        throw new Error(
          `Only ${report.firstArrival.filter((t) => t !== undefined).length}/${report.members} members received broadcast ${r}.`,
        );
      await new Promise((resolve) => setTimeout(resolve, 10));
      report = await members.report();
    }
    lastArrival.push(Math.max(...(report.firstArrival as number[])) - sentAt);
    requests = diff(emu.dynamodbRequests(), before);
    await new Promise((resolve) => setTimeout(resolve, 50)); // a late duplicate would show up here
    const duplicates = (await members.report()).counts.filter((c) => (c ?? 0) > 1).length;
    if (duplicates > 0 || delivered !== size - 1) throw new Error(`Broadcast ${r}: delivered ${delivered}, ${duplicates} duplicates.`);
  }
  emu.gateway.off('invocation', onInvocation);
  sender.close();
  await members.close();
  await emu.settled();
  const median = summarize(lastArrival).p50;
  const calls = Object.entries(requests)
    .map(([op, n]) => `${n} ${op}`)
    .join(', ');
  const handlerMedian = summarize(handlerMs).p50;
  return [
    String(size),
    String(delivered),
    median.toFixed(0),
    lastArrival.map((t) => t.toFixed(0)).join(' / '),
    handlerMedian.toFixed(0),
    calls,
  ];
}

async function main(): Promise<void> {
  const sizes = (stringArg('sizes') ?? '100,1000,5000').split(',').map((s) => {
    const n = Number(s);
    if (!Number.isInteger(n) || n < 2 || n > MAX_ROOM_MEMBERS)
      throw new UsageError(`--sizes takes room sizes from 2 to ${MAX_ROOM_MEMBERS}; got "${s}".`);
    return n;
  });
  const repeat = numberArg('repeat', 3, 1);
  const given = stringArg('assembly');
  // Rooms past the default 1,000-member limit need the limit raised.
  const assemblyDir = given ? path.resolve(given) : synthesizeThisApp({ maxRoomMembers: String(MAX_ROOM_MEMBERS) });
  const emu = await startEmulator({ assemblyDir, port: 0, dynamodbPort: 0, log: () => undefined, functionLog: () => undefined });
  const db = DynamoDBDocumentClient.from(
    new DynamoDBClient({
      endpoint: emu.dynamodbEndpoint,
      region: emu.app.region,
      credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
    }),
  );
  const token = emu.localIssuer ? await emu.localIssuer.mint('bench') : undefined;
  const url = token ? `${emu.url}?token=${token}` : emu.url;
  const rows: string[][] = [];
  try {
    for (const size of sizes) {
      console.error(`Room of ${size} members:`);
      rows.push(await measureRoom(emu, url, db, Object.values(emu.tables)[0], size, repeat));
    }
  } finally {
    db.destroy();
    await emu.stop();
    if (!given) rmSync(assemblyDir, { recursive: true, force: true });
  }
  console.log(`Fan-out through the emulator, ${repeat} broadcasts per room; ${machine()}`);
  console.log(
    markdownTable(
      ['members', 'delivered', 'send to last member, median ms', 'each run ms', 'handler ms, median', 'DynamoDB requests per broadcast'],
      rows,
    ),
  );
}

main().catch((err: unknown) => {
  console.error(err instanceof UsageError ? err.message : err);
  process.exit(err instanceof UsageError ? 2 : 1);
});
