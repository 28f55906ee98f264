import * as path from 'node:path';
import { InvokeCommand, LambdaClient } from '@aws-sdk/client-lambda';
import { GetQueueAttributesCommand, ListQueuesCommand, ReceiveMessageCommand, SQSClient } from '@aws-sdk/client-sqs';
import { cachedAssembly } from '../../local/assembly/cache';
import { startEmulator, type Emulator, type EmulatorOptions } from '../../local/emulator';
import { FANOUT_MAX_RECEIVES } from '../../lib/fanout-queue';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient, GetCommand } from '@aws-sdk/lib-dynamodb';
import { keys } from '../../contract/table-design';
import { quiet, authenticatedUrl, request, recorder, seeded, waitUntil } from './support';
import { connect, type TestClient } from '../local/helpers';
import { requireIntegrationTest } from '../support/test-tier';

/**
 * A room beyond one invocation, in the emulator with the app as `cdk synth -c inlineFanoutLimit=0
 * -c fanoutShardSize=100` builds it: every room goes through the fan-out queue (SQS FIFO) and its
 * workers, and a room of a few thousand members grows through several layouts of shards while its
 * members join. Real ws clients, the real Lambda and SQS SDK clients, dynalite.
 */
jest.setTimeout(300_000);

const ROOT = path.join(__dirname, '..', '..');
const MEMBERS = 1200;
/** The workers' posts per second in this app: below the emulator's own pace here (about 1,300), so the governor is what holds them. */
const POSTS_PER_SECOND = 600;
const credentials = { accessKeyId: 'local', secretAccessKey: 'local' };

let assemblyDir: string;

beforeAll(async () => {
  requireIntegrationTest('the big-room tests');
  const context = {
    inlineFanoutLimit: '0',
    fanoutShardSize: '100',
    fanoutWorkers: '4',
    fanoutPostsPerSecond: String(POSTS_PER_SECOND),
    maxRoomMembers: '5000',
    presence: 'false',
  };
  assemblyDir = (await cachedAssembly({ cwd: ROOT, context, log: (line) => process.stderr.write(`\n${line}\n`) })).dir;
});

async function start(options: Partial<EmulatorOptions> = {}): Promise<Emulator> {
  return startEmulator({ assemblyDir, port: 0, dynamodbPort: 0, ...quiet, ...options });
}

/** Opens `count` clients, 25 at a time, each joined to `room`, each recording what it receives from then on. */
async function members(emu: Emulator, room: string, count: number): Promise<Array<{ client: TestClient; frames: string[] }>> {
  const url = await authenticatedUrl(emu);
  const opened: Array<{ client: TestClient; frames: string[] }> = [];
  for (let i = 0; i < count; i += 25) {
    const batch = await Promise.all(Array.from({ length: Math.min(25, count - i) }, () => connect(url)));
    await Promise.all(
      batch.map(async (client) => expect(await request(client, { action: 'join', room })).toMatchObject({ event: 'joined' })),
    );
    opened.push(...batch.map((client) => ({ client, frames: recorder(client) })));
  }
  return opened;
}

/** The `seq`s of the room messages among `frames`, in the order they came. */
function seqsOf(frames: string[], room: string): number[] {
  return frames
    .map((f) => JSON.parse(f) as { event?: string; room?: string; seq?: number; from?: string })
    .filter((f) => f.event === 'message' && f.room === room && f.from !== undefined && typeof f.seq === 'number')
    .map((f) => f.seq!);
}

function sqsOf(emu: Emulator): SQSClient {
  return new SQSClient({ endpoint: emu.serviceEndpoints.sqs, region: emu.app.region, credentials });
}

/** The fan-out dead-letter queue's URL: the FIFO queue no event source reads. */
async function deadLetterQueueUrl(sqs: SQSClient): Promise<string> {
  const urls = (await sqs.send(new ListQueuesCommand({}))).QueueUrls ?? [];
  const dead = urls.filter((u) => /DeadLetters/.test(u));
  if (dead.length !== 1) throw new Error(`expected one dead-letter queue; found ${urls.join(', ')}`);
  return dead[0];
}

async function depth(sqs: SQSClient, queueUrl: string): Promise<number> {
  const attributes = await sqs.send(
    new GetQueueAttributesCommand({
      QueueUrl: queueUrl,
      AttributeNames: ['ApproximateNumberOfMessages', 'ApproximateNumberOfMessagesNotVisible'],
    }),
  );
  return Number(attributes.Attributes?.ApproximateNumberOfMessages) + Number(attributes.Attributes?.ApproximateNumberOfMessagesNotVisible);
}

describe(`a room of ${MEMBERS} members, fanned out through the queue`, () => {
  let emu: Emulator;
  afterAll(() => emu?.stop());

  it('gives every member every message exactly once, in seq order, from a member and from publish; the sender gets queued acks', async () => {
    emu = await start();
    const room = 'arena';
    const joined = await members(emu, room, MEMBERS);
    const [sender, ...others] = joined;
    const acks: number[] = [];
    for (let i = 0; i < 4; i++) {
      const ack = await request(sender.client, { action: 'message', room, data: `m${i}` });
      expect(ack).toMatchObject({ event: 'message', room, queued: true });
      expect(ack).not.toHaveProperty('delivered');
      acks.push(ack.seq as number);
    }
    const lambda = new LambdaClient({ endpoint: emu.lambdaEndpoint, region: emu.app.region, credentials });
    for (let i = 0; i < 3; i++) {
      const out = await lambda.send(
        new InvokeCommand({ FunctionName: emu.publishFunctionName, Payload: Buffer.from(JSON.stringify({ room, data: `p${i}` })) }),
      );
      const result = JSON.parse(Buffer.from(out.Payload!).toString()) as { seq: number; queued?: true };
      expect(result.queued).toBe(true);
      acks.push(result.seq);
    }
    const all = [...acks].sort((a, b) => a - b);
    expect(new Set(all).size).toBe(7);
    await waitUntil(() => others.every((m) => seqsOf(m.frames, room).length >= 7), { timeoutMs: 180_000, returnOnTimeout: true });
    // THEN each member got all 7, once each, in seq order; the sender got only the 3 published
    const wrong = others.filter((m) => JSON.stringify(seqsOf(m.frames, room)) !== JSON.stringify(all));
    expect(wrong.map((m) => seqsOf(m.frames, room)).slice(0, 3)).toEqual([]);
    expect(seqsOf(sender.frames, room)).toEqual(all.slice(4));
    // AND the room grew into shards on the way (100 members a shard): its layout says 16 or more
    const db = DynamoDBDocumentClient.from(new DynamoDBClient({ endpoint: emu.dynamodbEndpoint, region: emu.app.region, credentials }));
    const [table] = Object.values(emu.tables);
    const layout = await db.send(new GetCommand({ TableName: table, Key: keys.roomLayout(room), ConsistentRead: true }));
    expect(layout.Item?.shards).toBeGreaterThanOrEqual(16);
    // AND no job failed
    const sqs = sqsOf(emu);
    expect(await depth(sqs, await deadLetterQueueUrl(sqs))).toBe(0);
    for (const m of joined) m.client.ws.close();
  });
});

describe('the fan-out governor under the account quota', () => {
  let emu: Emulator;
  afterAll(() => emu?.stop());

  it('keeps the workers together under --account-rps: API Gateway answers none of their posts 429', async () => {
    // GIVEN an account quota of 800 requests/s and workers that may post 600/s together
    const lines: string[] = [];
    emu = await start({ accountRps: 800, log: (line) => lines.push(line) });
    const room = 'governed';
    const joined = await members(emu, room, 250);
    const [sender, ...others] = joined;
    // WHEN three messages go to 249 members, 4 shards, through 4 workers at once
    const startedAt = Date.now();
    const seqs: number[] = [];
    for (let i = 0; i < 3; i++) seqs.push((await request(sender.client, { action: 'message', room, data: `g${i}` })).seq as number);
    await waitUntil(() => others.every((m) => seqsOf(m.frames, room).length >= 3), { timeoutMs: 60_000, returnOnTimeout: true });
    const elapsedMs = Date.now() - startedAt;
    // THEN everyone got them, no post was refused for the quota, and the 747 posts took as long as 600/s allows
    expect(others.filter((m) => JSON.stringify(seqsOf(m.frames, room)) !== JSON.stringify(seqs))).toHaveLength(0);
    const posts = lines.filter((line) => /^@connections POST\s+\S+ \d{3}$/.test(line));
    expect(posts.length).toBeGreaterThanOrEqual(747);
    expect(posts.filter((line) => line.endsWith(' 429'))).toEqual([]);
    expect(elapsedMs).toBeGreaterThanOrEqual(((747 - POSTS_PER_SECOND / 10) / POSTS_PER_SECOND) * 1000);
    for (const m of joined) m.client.ws.close();
  });
});

describe('fan-out workers that fail', () => {
  let emu: Emulator;
  afterEach(() => emu?.stop());

  it('lose nothing when posts fail mid-shard: a failed shard is handed out again and its members get the message', async () => {
    // GIVEN @connections fails a third of the posts with 500 (each post retried up to 6 times in the worker), 150 members in 2 shards
    emu = await start({ faultRates: { 500: 0.35 }, random: seeded(7) });
    const room = 'flaky';
    const joined = await members(emu, room, 150);
    const [sender, ...others] = joined;
    const ack = await request(sender.client, { action: 'message', room, data: 'through' });
    expect(ack).toMatchObject({ queued: true });
    // THEN every member gets it, at least once (a retried shard posts again to those it reached)
    await waitUntil(() => others.every((m) => seqsOf(m.frames, room).includes(ack.seq as number)), {
      timeoutMs: 120_000,
      returnOnTimeout: true,
    });
    expect(others.filter((m) => !seqsOf(m.frames, room).includes(ack.seq as number))).toHaveLength(0);
    for (const m of joined) m.client.ws.close();
  });

  it('put a job that fails every time in the dead-letter queue after 3 receives, naming its room, shard and seq', async () => {
    // GIVEN every post fails
    emu = await start({ faultRates: { 500: 1 } });
    const room = 'doomed';
    const joined = await members(emu, room, 3);
    const ack = await request(joined[0].client, { action: 'message', room, data: 'never' });
    expect(ack).toMatchObject({ queued: true });
    const sqs = sqsOf(emu);
    const dlq = await deadLetterQueueUrl(sqs);
    const deadline = Date.now() + 120_000;
    let received: Array<{ Body?: string; Attributes?: Record<string, string> }> = [];
    while (received.length === 0 && Date.now() < deadline) {
      received =
        (
          await sqs.send(
            new ReceiveMessageCommand({ QueueUrl: dlq, WaitTimeSeconds: 1, MessageSystemAttributeNames: ['ApproximateReceiveCount'] }),
          )
        ).Messages ?? [];
    }
    expect(received).toHaveLength(1);
    expect(JSON.parse(received[0].Body!)).toMatchObject({ room, shard: 0, shards: 1, seq: ack.seq });
    expect(FANOUT_MAX_RECEIVES).toBe(3);
    for (const m of joined) m.client.ws.close();
  });
});
