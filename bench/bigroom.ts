/**
 * Big-room benchmark (issue 21), measured as users would: one room of N members on
 * switchboard-local, started by its CLI in its own process (file limit raised), every member a
 * real `ws` connection joined through the protocol, in member processes (bench/bigroom-members.ts)
 * each on its own loopback source address. One member, in this process, sends K room messages over
 * a second while a backend publishes K more through the emulator's Lambda Invoke API (the repo's
 * publish()); every member checks it got every message exactly once, in `seq` order.
 *
 *   npm run bench:bigroom -- --members N [--aws-like] [--messages K] [--inline-limit L] [--shard-size S] [--fault-rate SPEC]
 *
 * It prints time to first and last delivery per message, posts per second, the 429s the emulator
 * answered (from its log), the dead-letter queue's depth, memory per connection and the cost model's
 * price of a message and of a minute at K/s. It exits 1 when any member lost a message.
 */
import { readFileSync } from 'node:fs';
import * as path from 'node:path';
import { performance } from 'node:perf_hooks';
import { LambdaClient } from '@aws-sdk/client-lambda';
import { GetQueueAttributesCommand, ListQueuesCommand, SQSClient } from '@aws-sdk/client-sqs';
import { UsageError } from '../cli-kit/flags';
import { FANOUT_DEFAULTS } from '../contract';
import { cachedAssembly } from '../local/assembly/cache';
import { LOCAL_CREDENTIALS } from '../protocol/local-endpoints';
import { publish } from '../publish/publish';
import { appContext, BIGROOM_USAGE, emulatorFlags, memberSplit, parseBigroomArgs, type BigroomOptions } from './bigroom-args';
import {
  EXPECT_LINE,
  MEMBER_LINES,
  protocolLine,
  readProtocolLine,
  type MembersJob,
  type MembersReady,
  type MembersResult,
} from './bigroom-protocol';
import { RoomSender } from './bigroom-sender';
import { broadcastCost, publishCost, queuedBroadcastCost, type CostBreakdown } from './cost-model';
import { addCounts, checkDeliveries, lostOfUnexpected, mergeArrivals, NO_FAULTS, type ArrivalsBySeq } from './delivery-check';
import { readBanner } from './emulator-banner';
import { EmulatorLogCounts } from './emulator-log';
import { hardFileLimit, residentBytes, startLineProcess, startSwitchboardLocal, type LineProcess, type ServerProcess } from './processes';
import { machine, markdownTable, summarize, unsupportedNodeNote } from './support';

const MEMBERS_SCRIPT = path.join(__dirname, 'bigroom-members.ts');
/** Files the emulator holds besides its members' sockets: dynalite's, the workers', the SDK's connections. */
const SERVER_FILES_BESIDES_MEMBERS = 1000;
/** Files a member process holds besides its sockets. */
const MEMBER_PROCESS_FILES = 100;
/** How often the progress line is printed while members join. */
const PROGRESS_EVERY_MS = 2000;
/** Longest wait for one message's ack or publish result: an inline fan-out answers after its last post. */
const ANSWER_TIMEOUT_MS = 120_000;

const now = () => performance.timeOrigin + performance.now();
const log = (line: string) => process.stderr.write(`${line}\n`);
const thousands = (n: number) => Math.round(n).toLocaleString('en-US');

/** Ports one source address has for connections to one server: Linux's ephemeral range. */
function ephemeralPorts(): number {
  try {
    const [low, high] = readFileSync('/proc/sys/net/ipv4/ip_local_port_range', 'utf8').trim().split(/\s+/).map(Number);
    return high - low + 1;
  } catch {
    return 16_384;
  }
}

/** Stops with a clear message when this machine cannot hold the run, before anything starts. */
function checkCapacity(o: BigroomOptions, split: readonly number[]): void {
  const limit = hardFileLimit();
  if (o.members + SERVER_FILES_BESIDES_MEMBERS > limit) {
    throw new UsageError(
      `--members ${o.members} cannot be held here: the emulator is one process with one socket per member, and the hard file limit (ulimit -Hn) is ${limit}, so at most about ${limit - SERVER_FILES_BESIDES_MEMBERS} members. Run fewer members, or raise the hard limit (limits.conf, systemd LimitNOFILE) and run again.`,
    );
  }
  const largest = Math.max(...split);
  if (largest + MEMBER_PROCESS_FILES > limit) {
    throw new UsageError(
      `--per-process ${o.perProcess} is above the file limit (${limit}) of one member process; use at most ${limit - MEMBER_PROCESS_FILES}.`,
    );
  }
  const ports = ephemeralPorts();
  if (largest > ports)
    throw new UsageError(`--per-process ${o.perProcess}: one source address has ${ports} ephemeral ports; use at most that.`);
  if (split.length > 250)
    throw new UsageError(`${split.length} member processes: more than the loopback addresses 127.0.0.2-251; raise --per-process.`);
}

/** One member process: its joins so far, and its answers. */
interface MemberProcess {
  readonly process: LineProcess;
  joined: number;
  ready: Promise<MembersReady>;
  result: Promise<MembersResult>;
}

function startMembers(job: MembersJob): MemberProcess {
  let onReady: (r: MembersReady) => void = () => undefined;
  let onResult: (r: MembersResult) => void = () => undefined;
  const ready = new Promise<MembersReady>((resolve) => (onReady = resolve));
  const result = new Promise<MembersResult>((resolve) => (onResult = resolve));
  const member: MemberProcess = {
    process: startLineProcess(
      MEMBERS_SCRIPT,
      job,
      (line) => {
        const parsed = readProtocolLine(line);
        if (parsed?.kind === MEMBER_LINES.progress) member.joined = (parsed.body as { joined: number }).joined;
        else if (parsed?.kind === MEMBER_LINES.ready) {
          member.joined = job.members;
          onReady(parsed.body as MembersReady);
        } else if (parsed?.kind === MEMBER_LINES.result) onResult(parsed.body as MembersResult);
        else if (line.trim() !== '') log(`[members ${job.localAddress}] ${line}`);
      },
      ['--expose-gc'],
    ),
    joined: 0,
    ready,
    result,
  };
  // A member process that exits before it answers fails the run (it printed why on stderr).
  const died = member.process.exited.then((code) => {
    throw new Error(`the member process on ${job.localAddress} exited (${code}) before it finished; see its message above`);
  });
  member.ready = Promise.race([ready, died]);
  member.result = Promise.race([result, died]);
  return member;
}

/** A message the bench sent: when, and what the server answered. */
interface Sent {
  readonly kind: 'room message' | 'publish';
  readonly sentAt: number;
  seq?: number;
  delivered?: number;
  failed?: number;
  error?: string;
}

/** Sends K room messages from the sender and K publishes over one second, interleaved; resolves when every one is answered. */
async function sendAll(
  o: BigroomOptions,
  sender: RoomSender,
  lambda: LambdaClient,
  functionName: string,
  room: string,
  run: string,
): Promise<Sent[]> {
  const sent: Sent[] = [];
  const answers: Promise<void>[] = [];
  const start = now();
  const interval = 1000 / o.messages;
  const at = (ms: number) => new Promise((resolve) => setTimeout(resolve, Math.max(0, start + ms - now())));
  for (let i = 0; i < o.messages; i++) {
    await at(i * interval);
    const message: Sent = { kind: 'room message', sentAt: now() };
    sent.push(message);
    answers.push(
      sender.send(`${run}-${i}`, `bigroom ${i}`, ANSWER_TIMEOUT_MS).then(
        (ack) => void Object.assign(message, { seq: ack.seq, delivered: ack.delivered, failed: ack.failed ?? 0 }),
        (err: unknown) => void (message.error = err instanceof Error ? err.message : String(err)),
      ),
    );
    await at((i + 0.5) * interval);
    const published: Sent = { kind: 'publish', sentAt: now() };
    sent.push(published);
    answers.push(
      publish({ room, data: `published ${i}` }, { client: lambda, functionName }).then(
        (r) => void Object.assign(published, { seq: r.seq, delivered: r.delivered, failed: r.failed }),
        (err: unknown) => void (published.error = err instanceof Error ? err.message : String(err)),
      ),
    );
  }
  await Promise.all(answers);
  return sent;
}

/** The dead-letter queues' depth (ApproximateNumberOfMessages), found as the targets of the app's redrive policies; undefined without one. */
async function deadLetterDepth(endpoint: string | undefined, region: string): Promise<{ queues: number; depth: number } | undefined> {
  if (!endpoint) return undefined;
  const sqs = new SQSClient({ endpoint, region, credentials: LOCAL_CREDENTIALS });
  try {
    const { QueueUrls = [] } = await sqs.send(new ListQueuesCommand({}));
    const attributes = await Promise.all(
      QueueUrls.map(async (QueueUrl) => ({
        QueueUrl,
        ...(
          await sqs.send(
            new GetQueueAttributesCommand({ QueueUrl, AttributeNames: ['QueueArn', 'RedrivePolicy', 'ApproximateNumberOfMessages'] }),
          )
        ).Attributes,
      })),
    );
    const dlqArns = new Set(
      attributes.flatMap((a) =>
        a.RedrivePolicy ? [(JSON.parse(a.RedrivePolicy) as { deadLetterTargetArn: string }).deadLetterTargetArn] : [],
      ),
    );
    const dlqs = attributes.filter((a) => a.QueueArn !== undefined && dlqArns.has(a.QueueArn));
    if (dlqs.length === 0) return undefined;
    return { queues: dlqs.length, depth: dlqs.reduce((sum, a) => sum + Number(a.ApproximateNumberOfMessages ?? 0), 0) };
  } finally {
    sqs.destroy();
  }
}

/**
 * Waits until the app's queues that feed dead-letter queues (the fan-out queue) hold no message,
 * visible or in flight, or `timeoutMs` passes: the queued path acks at once, so the warm-up round's
 * jobs would otherwise still be running when the measured round starts.
 */
async function queuesDrained(endpoint: string | undefined, region: string, timeoutMs: number): Promise<void> {
  if (!endpoint) return;
  const sqs = new SQSClient({ endpoint, region, credentials: LOCAL_CREDENTIALS });
  const deadline = Date.now() + timeoutMs;
  try {
    const { QueueUrls = [] } = await sqs.send(new ListQueuesCommand({}));
    for (;;) {
      let waiting = 0;
      for (const QueueUrl of QueueUrls) {
        const { Attributes = {} } = await sqs.send(
          new GetQueueAttributesCommand({
            QueueUrl,
            AttributeNames: ['RedrivePolicy', 'ApproximateNumberOfMessages', 'ApproximateNumberOfMessagesNotVisible'],
          }),
        );
        if (Attributes.RedrivePolicy === undefined) continue;
        waiting += Number(Attributes.ApproximateNumberOfMessages ?? 0) + Number(Attributes.ApproximateNumberOfMessagesNotVisible ?? 0);
      }
      if (waiting === 0 || Date.now() > deadline) return;
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
  } finally {
    sqs.destroy();
  }
}

const usd = (v: number) => (v < 0.01 ? `$${v.toFixed(6)}` : `$${v.toFixed(2)}`);
const costLine = (c: CostBreakdown) =>
  `${usd(c.total)} (API Gateway ${usd(c.apiGateway)}, Lambda ${usd(c.lambda)}, DynamoDB ${usd(c.dynamodb)}, SQS ${usd(c.sqs)})`;

async function run(o: BigroomOptions): Promise<number> {
  const split = memberSplit(o.members, o.perProcess);
  checkCapacity(o, split);
  const context = appContext(o);
  const flags = emulatorFlags(o);
  log(
    `The emulator, as a user starts it: npx switchboard-local ${[...Object.entries(context).map(([k, v]) => `-c ${k}=${v}`), ...flags].join(' ')}`,
  );
  const assembly = await cachedAssembly({ cwd: process.cwd(), context, log });
  const logCounts = new EmulatorLogCounts();
  let emulator: ServerProcess | undefined;
  let sender: RoomSender | undefined;
  const processes: MemberProcess[] = [];
  try {
    emulator = await startSwitchboardLocal(assembly.dir, [], flags, {
      quiet: o.quiet,
      raiseFileLimit: true,
      onLine: o.quiet ? undefined : (line) => logCounts.add(line),
    });
    const banner = readBanner(emulator.banner);
    if (!banner.publishFunction) throw new Error(`the app has no publish function: the banner names none\n${emulator.banner}`);
    const lambda = new LambdaClient({ endpoint: banner.lambdaEndpoint, region: banner.region, credentials: LOCAL_CREDENTIALS });
    const runId = `bigroom-${Date.now().toString(36)}`;
    const room = runId;

    sender = await RoomSender.join(emulator.url, room);
    log(
      `${o.members} members: ${split.length} member process(es) of ${split.join(', ')}, from 127.0.0.2-${1 + split.length}, ${o.connectRate} joins/s`,
    );
    const perProcessRate = Math.max(1, Math.floor(o.connectRate / split.length));
    const joinStart = now();
    split.forEach((members, i) =>
      processes.push(
        startMembers({
          url: emulator!.url,
          room,
          members,
          localAddress: `127.0.0.${i + 2}`,
          connectRate: perProcessRate,
          idleTimeoutMs: o.idleTimeoutSeconds * 1000,
        }),
      ),
    );
    // The server's memory per connection is the slope from half the room to all of it: the
    // environments and caches it starts with, and those the first joins start, are left out.
    let half: { members: number; bytes: number | undefined } | undefined;
    const progress = setInterval(() => {
      const joined = 1 + processes.reduce((sum, p) => sum + p.joined, 0);
      if (!half && joined >= o.members / 2) half = { members: joined, bytes: residentBytes(emulator!.child.pid!) };
      const seconds = (now() - joinStart) / 1000;
      log(`  joined ${thousands(joined)}/${thousands(o.members)} members (${thousands(joined / seconds)}/s, ${seconds.toFixed(0)} s)`);
    }, PROGRESS_EVERY_MS);
    let readies: MembersReady[];
    try {
      readies = await Promise.all(processes.map((p) => p.ready));
    } finally {
      clearInterval(progress);
    }
    const joinSeconds = (now() - joinStart) / 1000;
    const serverAfter = residentBytes(emulator.child.pid!);
    log(
      `All ${thousands(o.members)} members joined in ${joinSeconds.toFixed(1)} s. Sending ${o.messages} room messages and ${o.messages} publishes over 1 s...`,
    );

    // One untimed round first (checked like the others): the message and publish functions'
    // environments start, as they are on a warm server.
    const warmUp = await sendAll(o, sender, lambda, banner.publishFunction, room, `${runId}-warm-up`);
    log(`Warm-up round answered (${warmUp.filter((s) => s.seq !== undefined).length}/${warmUp.length}); waiting for its queued jobs...`);
    await queuesDrained(banner.sqsEndpoint, banner.region, 120_000);
    log('The measured round...');
    const sent = await sendAll(o, sender, lambda, banner.publishFunction, room, runId);
    lambda.destroy();
    const answered = sent.filter((s) => s.seq !== undefined);
    const expected = new Set([...warmUp, ...answered].flatMap((s) => (s.seq === undefined ? [] : [s.seq])));
    log(`${answered.length}/${sent.length} answered; members check their messages...`);
    for (const p of processes) p.process.send(protocolLine(EXPECT_LINE, { seqs: [...expected] }));
    const results = await Promise.all(processes.map((p) => p.result));

    // The checks: the member processes', and the sender's, which gets the publishes only.
    const publishSeqs = new Set([...warmUp, ...answered].filter((s) => s.kind === 'publish' && s.seq !== undefined).map((s) => s.seq!));
    let count = results.reduce((sum, r) => addCounts(sum, r.count), NO_FAULTS);
    count = addCounts(count, checkDeliveries(sender.received, publishSeqs));
    const arrivals: ArrivalsBySeq = results.reduce<ArrivalsBySeq>((all, r) => mergeArrivals(all, r.arrivals), {});
    const lost = count.lost + lostOfUnexpected(arrivals, expected, o.members - 1);
    const complete = results.reduce((sum, r) => sum + r.complete, 0) + (checkDeliveries(sender.received, publishSeqs).lost === 0 ? 1 : 0);

    // Timing per answered message, over the member processes' members.
    const timing = (kind?: Sent['kind']) => {
      const of = answered
        .filter((s) => kind === undefined || s.kind === kind)
        .flatMap((s) => (arrivals[String(s.seq)] ? [{ s, a: arrivals[String(s.seq)] }] : []));
      return {
        first: summarize(of.map(({ s, a }) => a.first - s.sentAt)),
        last: summarize(of.map(({ s, a }) => a.last - s.sentAt)),
      };
    };
    // Posts per second over the measured round only: its messages' deliveries, from its first send to its last delivery.
    const measured = answered.flatMap((s) => arrivals[String(s.seq)] ?? []);
    const measuredSeqs = new Set(answered.map((s) => s.seq!));
    const deliveries = measured.reduce((sum, a) => sum + a.receivers, 0) + sender.received.filter((seq) => measuredSeqs.has(seq)).length;
    const firstSend = Math.min(...sent.map((s) => s.sentAt));
    const lastArrival = Math.max(...measured.map((a) => a.last));
    const postsPerSecond = deliveries / ((lastArrival - firstSend) / 1000);
    const failed = [...warmUp, ...answered].reduce((sum, s) => sum + (s.failed ?? 0), 0);
    const errors = [...warmUp, ...sent].filter((s) => s.error !== undefined);
    const dlq = await deadLetterDepth(banner.sqsEndpoint, banner.region);
    const clientBytes = readies.reduce((sum, r) => sum + (r.rssAfter - r.rssBefore), 0);
    const errorFrames = results.reduce<Record<string, number>>((all, r) => {
      for (const [code, n] of Object.entries(r.errorFrames)) all[code] = (all[code] ?? 0) + n;
      return all;
    }, {});

    const ms = (v: number) => (Number.isNaN(v) ? 'n/a' : v.toFixed(0));
    const rows = (['room message', 'publish', undefined] as const).map((kind) => {
      const t = timing(kind);
      return [
        kind === undefined ? 'all' : kind === 'publish' ? 'publishes' : `${kind}s`,
        String(t.last.count),
        ms(t.first.p50),
        ms(t.first.max),
        ms(t.last.p50),
        ms(t.last.max),
      ];
    });
    const limits = [
      o.awsLike ? '--aws-like' : '',
      o.accountRps ? `--account-rps ${o.accountRps}` : '',
      o.faultRate ? `--fault-rate ${o.faultRate}` : '',
    ]
      .filter(Boolean)
      .join(' ');
    const path_ =
      o.inlineLimit === undefined
        ? `the app default (inlineFanoutLimit=${FANOUT_DEFAULTS.inlineFanoutLimit}${o.shardSize ? `, fanoutShardSize=${o.shardSize}` : ''})`
        : `inlineFanoutLimit=${o.inlineLimit}${o.shardSize ? `, fanoutShardSize=${o.shardSize}` : ''}`;
    console.log(
      `\nBig room: ${thousands(o.members)} members, ${o.messages} room messages + ${o.messages} publishes over 1 s; fan-out: ${path_}; limits: ${limits || 'none'}`,
    );
    console.log(`${machine()}; members joined in ${joinSeconds.toFixed(1)} s (${thousands((o.members - 1) / joinSeconds)}/s)\n`);
    console.log(
      markdownTable(['messages', 'answered', 'first delivery p50 ms', 'first max ms', 'last delivery p50 ms', 'last max ms'], rows),
    );
    console.log('');
    console.log(
      `delivered      ${thousands(deliveries)} posts in the measured round, ${thousands(postsPerSecond)} posts/s (its first send to its last delivery)`,
    );
    console.log(
      `checked        ${thousands(complete)}/${thousands(o.members)} members got every message; lost ${lost}, duplicated ${count.duplicated}, out of order ${count.outOfOrder}, unexpected ${count.unexpected}`,
    );
    console.log(
      `refused        ${errors.length} sends unanswered or refused${errors.length ? ` (${errors[0].error})` : ''}; failed posts (acks, publish results) ${failed}`,
    );
    console.log(
      o.quiet
        ? '429s           not counted (the emulator ran --quiet; --count-429s reads its log)'
        : `429s           ${thousands(logCounts.postsAnswered(429))} PostToConnection answered 429, ${thousands(logCounts.throttledMessages)} incoming messages throttled (the whole run, warm-up included); other post answers: ${
            [...logCounts.posts]
              .filter(([s]) => s !== 200 && s !== 429)
              .map(([s, n]) => `${s} x${n}`)
              .join(', ') || 'none'
          }`,
    );
    if (Object.keys(errorFrames).length > 0) console.log(`error frames   ${JSON.stringify(errorFrames)}`);
    if (results.some((r) => r.closed > 0))
      console.log(`closed         ${results.reduce((s, r) => s + r.closed, 0)} member connections closed by the server`);
    console.log(`DLQ depth      ${dlq ? `${dlq.depth} (${dlq.queues} dead-letter queue(s))` : 'no dead-letter queue in this app'}`);
    const perConnection = (bytes: number | undefined, n: number) => (bytes === undefined ? 'n/a' : `${(bytes / n / 1024).toFixed(1)} KiB`);
    const serverSlope =
      half?.bytes !== undefined && serverAfter !== undefined && o.members > half.members
        ? perConnection(serverAfter - half.bytes, o.members - half.members)
        : 'n/a';
    console.log(
      `memory         server RSS grew ${serverSlope} per connection (from ${thousands(half?.members ?? 0)} to ${thousands(o.members)} members; RSS ${((serverAfter ?? 0) / 2 ** 20).toFixed(0)} MiB at the end of joins); member processes ${perConnection(clientBytes, o.members - 1)} per connection`,
    );
    // A room above the inline limit is priced as the queue delivers it (its publishes as its messages, less the frame in and ack out).
    const queued = o.members > (o.inlineLimit ?? FANOUT_DEFAULTS.inlineFanoutLimit);
    const messageCost = queued ? queuedBroadcastCost(o.members) : broadcastCost(o.members);
    const publishOne = queued ? queuedBroadcastCost(o.members) : publishCost(o.members);
    console.log(`cost           one room message ${costLine(messageCost)}; one publish ${costLine(publishOne)}`);
    const minute = (c: CostBreakdown) => c.total * 60 * o.messages;
    console.log(
      `               a minute at ${o.messages}/s: room messages ${usd(minute(messageCost))}, publishes ${usd(minute(publishOne))} (bench/cost-model.ts; Lambda time assumed)`,
    );
    if (lost > 0) console.log(`\nFAILED: ${lost} messages lost`);
    return lost > 0 ? 1 : 0;
  } finally {
    sender?.close();
    for (const p of processes) p.process.child.kill('SIGTERM');
    await emulator?.stop();
  }
}

async function main(): Promise<void> {
  const nodeNote = unsupportedNodeNote();
  if (nodeNote) log(nodeNote);
  const options = parseBigroomArgs(process.argv.slice(2));
  if (options === 'help') {
    console.log(BIGROOM_USAGE);
    return;
  }
  // Exits at once: the SDK clients' sockets would keep it alive a little longer.
  process.exit(await run(options));
}

main().catch((err: unknown) => {
  console.error(err instanceof UsageError ? err.message : err instanceof Error ? err.message : err);
  process.exit(err instanceof UsageError ? 2 : 1);
});
