/**
 * The black-box suite: what any Switchboard stage must do, checked through its public protocol
 * only (a WebSocket and, for publish, the publish function). Features a server may lack (the
 * realtime platform's members, presence, history, resume, user rooms, publish) are detected
 * first: a check is skipped only when the server says it does not have the feature.
 */
import { randomBytes } from 'node:crypto';
import { LIMITS, TOKEN_QUERY_PARAMETER, USER_ROOM_PREFIX, userRoom, type ErrorCode } from '../protocol';
import type { PublishRequest } from '../publish/contract';
import { describeFrame, HandshakeRefused, Probe, record, within, type Frame, type Latencies } from './probe';

/** What to check: a stage's WebSocket URL, and how to act as its users and its backends. */
export interface Target {
  /** `ws://…/stage` or `wss://…/stage`, without a token. */
  readonly url: string;
  /** Tokens for `$connect`: none for a stage without authentication; a second one for two-user checks. */
  readonly tokens: readonly string[];
  /** Publishes as a backend would (rejects when refused); undefined when it cannot, with `publishSkipped` saying why. */
  readonly publish?: (request: PublishRequest) => Promise<{ readonly seq: number; readonly delivered: number }>;
  readonly publishSkipped?: string;
}

export interface SuiteOptions {
  /** How long any one wait may take. */
  readonly timeoutMs: number;
  /** Room names start with this, then random characters (room rules may need another prefix). @default 'verify.' */
  readonly roomPrefix?: string;
  /** Checks not to run, by name: reported as skipped on request. */
  readonly skip?: ReadonlySet<string>;
  /** Round trips per action for the latency figures. @default 20 */
  readonly samples?: number;
}

export type Outcome = 'pass' | 'fail' | 'skip';

export interface CheckResult {
  readonly name: string;
  readonly outcome: Outcome;
  readonly reason: string;
}

export interface SuiteResult {
  readonly checks: readonly CheckResult[];
  readonly latencies: Latencies;
}

/**
 * Room messages one connection sends for the latency figures: within the stage's default room
 * message burst (20, refilled at 10/s), so a verify run is never RATE_LIMITED.
 */
const MAX_ROOM_SAMPLES = 15;

/** Most round trips per action: every frame of one connection stays within the default frame burst (100). */
export const MAX_SAMPLES = 40;

/** Thrown by a check that does not apply: the reason is reported. */
class Skip extends Error {}

/** What one check needs from the run: its probes, and what earlier checks found out. */
interface Run {
  readonly target: Target;
  readonly timeoutMs: number;
  readonly samples: number;
  readonly latencies: Latencies;
  /** A fresh room name, `verify.<random>`. */
  room(): string;
  /** A fresh request id. */
  id(): string;
  /** Opens a probe with token `which` (0 or 1); every probe is closed when the suite ends. */
  open(which?: number): Promise<Probe>;
  /** Set by the checks as they learn them. */
  readonly found: {
    a?: Probe;
    b?: Probe;
    room?: string;
    /** Room messages carry `seq`. */
    seq?: boolean;
    /** The server answers these actions (not UNKNOWN_ACTION). */
    members?: boolean;
    history?: boolean;
    /** The data and seq of every message sent to `room`, oldest first. */
    sent: Array<{ data: string; seq?: number }>;
  };
}

interface Check {
  readonly name: string;
  /** Checks whose failure makes this one meaningless: it then fails (or skips) saying so. */
  readonly needs?: readonly string[];
  /** Resolves with what was seen; throws the reason for a failure (or a Skip). */
  run(run: Run): Promise<string>;
}

/** The `sub` of a JWT, unverified: whose `user.<sub>` room a token may join. */
export function subjectOf(token: string): string | undefined {
  try {
    const payload = JSON.parse(Buffer.from(token.split('.')[1] ?? '', 'base64url').toString('utf8')) as { sub?: unknown };
    return typeof payload.sub === 'string' ? payload.sub : undefined;
  } catch {
    return undefined;
  }
}

/** The same token with its signature changed: well-formed, so only the signature check can refuse it. */
export function tamperedToken(token: string): string {
  const parts = token.split('.');
  if (parts.length !== 3 || parts[2].length === 0) return 'not-a-valid-token';
  const last = parts[2];
  parts[2] = `${last.slice(0, -4)}${last.slice(-4) === 'AAAA' ? 'BBBB' : 'AAAA'}`;
  return parts.join('.');
}

export function withToken(url: string, token: string | undefined): string {
  if (token === undefined) return url;
  return `${url}${url.includes('?') ? '&' : '?'}${TOKEN_QUERY_PARAMETER}=${encodeURIComponent(token)}`;
}

const isError = (frame: Frame, code: ErrorCode): boolean =>
  frame.event === 'error' && typeof frame.error === 'object' && frame.error !== null && (frame.error as { code?: unknown }).code === code;

/** Throws a reason naming what was expected and what came. */
function expectFrame(frame: Frame, ok: boolean, expected: string): void {
  if (!ok) throw new Error(`expected ${expected}; got ${describeFrame(frame)}`);
}

/** Sends an action the server may not have; undefined when it answers UNKNOWN_ACTION (it lacks the feature). */
async function optionalAction(
  probe: Probe,
  frame: { action: string; id: string } & Record<string, unknown>,
  run: Run,
): Promise<Frame | undefined> {
  const reply = await probe.request(frame, run.timeoutMs);
  return isError(reply, 'UNKNOWN_ACTION') ? undefined : reply;
}

/**
 * Sends `frame` with a fresh id, unmeasured (a refusal is no latency sample), and throws unless the
 * answer is the error frame with `code`; `refused` says what was sent, for the failure's message.
 */
async function expectRefusal(
  probe: Probe,
  frame: { action: string } & Record<string, unknown>,
  code: ErrorCode,
  refused: string,
  run: Run,
): Promise<void> {
  const id = run.id();
  const reply = await probe.request({ ...frame, id }, run.timeoutMs, false);
  expectFrame(reply, isError(reply, code), `an error frame with code ${code} and id "${id}" ${refused}`);
}

async function join(probe: Probe, room: string, run: Run, extra: Record<string, unknown> = {}): Promise<Frame> {
  const reply = await probe.request({ action: 'join', room, id: run.id(), ...extra }, run.timeoutMs);
  if (isError(reply, 'FORBIDDEN') && !room.startsWith(USER_ROOM_PREFIX)) {
    throw new Error(
      `joining ${room} was FORBIDDEN: if this stage has room rules, pass --room-prefix with a prefix they let anyone join (e.g. public.verify.); got ${describeFrame(reply)}`,
    );
  }
  expectFrame(reply, reply.event === 'joined' && reply.room === room, `{"event":"joined","room":"${room}"}`);
  return reply;
}

async function refusedStatus(url: string, run: Run): Promise<number | 'connected'> {
  try {
    const probe = await Probe.open(url, run.timeoutMs, new Map());
    await probe.close();
    return 'connected';
  } catch (err: unknown) {
    if (err instanceof HandshakeRefused) return err.status;
    throw err;
  }
}

const platformReason = (run: Run): string | undefined =>
  run.found.seq || run.found.members || run.found.history
    ? undefined
    : 'server does not support the realtime platform (no seq on room messages, members and history answer UNKNOWN_ACTION)';

/** The checks, in the order they run. */
export const CHECKS: readonly Check[] = [
  {
    name: 'connect',
    async run(run) {
      run.found.a = await run.open(0);
      return run.target.tokens.length > 0 ? 'connected with a token (101)' : 'connected without a token (101)';
    },
  },
  {
    name: 'auth: no token is 401',
    async run(run) {
      if (run.target.tokens.length === 0) throw new Skip('no token given: the stage is taken to have no authentication');
      const status = await refusedStatus(run.target.url, run);
      if (status !== 401)
        throw new Error(`expected the handshake refused with 401; ${status === 'connected' ? 'it connected' : `got ${status}`}`);
      return 'refused with 401';
    },
  },
  {
    name: 'auth: bad token is 403',
    async run(run) {
      if (run.target.tokens.length === 0) throw new Skip('no token given: the stage is taken to have no authentication');
      const status = await refusedStatus(withToken(run.target.url, tamperedToken(run.target.tokens[0])), run);
      if (status !== 403) {
        throw new Error(
          `expected a token with a bad signature refused with 403; ${status === 'connected' ? 'it connected' : `got ${status}`}`,
        );
      }
      return 'a token with a bad signature was refused with 403';
    },
  },
  {
    name: 'echo',
    needs: ['connect'],
    async run(run) {
      for (let i = 0; i < run.samples; i++) {
        const data = `verify echo ${i}`;
        const id = run.id();
        const reply = await run.found.a!.request({ action: 'message', data, id }, run.timeoutMs);
        expectFrame(
          reply,
          reply.event === 'message' && reply.data === `Received: ${data}`,
          `{"event":"message","data":"Received: ${data}","id":"${id}"}`,
        );
      }
      return `${run.samples} acknowledgements`;
    },
  },
  {
    name: 'ping',
    needs: ['connect'],
    async run(run) {
      for (let i = 0; i < run.samples; i++) {
        const id = run.id();
        const reply = await run.found.a!.request({ action: 'ping', id }, run.timeoutMs);
        expectFrame(reply, reply.event === 'pong', `{"event":"pong","id":"${id}"}`);
      }
      return `${run.samples} pongs`;
    },
  },
  {
    name: 'error: BAD_REQUEST',
    needs: ['connect'],
    async run(run) {
      const a = run.found.a!;
      a.drain();
      a.send('this is not JSON');
      const notJson = await a.next(() => true, run.timeoutMs, 'answer to a frame that is not JSON');
      expectFrame(notJson, isError(notJson, 'BAD_REQUEST'), 'an error frame with code BAD_REQUEST for a frame that is not JSON');
      await expectRefusal(a, { action: 'message', data: 42 }, 'BAD_REQUEST', 'for a number as data', run);
      return 'for a frame that is not JSON, and for data that is not a string';
    },
  },
  {
    name: 'error: UNKNOWN_ACTION',
    needs: ['connect'],
    async run(run) {
      await expectRefusal(run.found.a!, { action: 'verify-no-such-action' }, 'UNKNOWN_ACTION', 'for an action that does not exist', run);
      return 'for an action that does not exist';
    },
  },
  {
    name: 'limit: oversized data is BAD_REQUEST',
    needs: ['connect'],
    async run(run) {
      const data = 'x'.repeat(LIMITS.maxDataBytes + 1);
      await expectRefusal(run.found.a!, { action: 'message', data }, 'BAD_REQUEST', `for data of ${data.length} bytes`, run);
      const after = await run.found.a!.request({ action: 'ping', id: run.id() }, run.timeoutMs);
      expectFrame(after, after.event === 'pong', 'the connection to stay open (a pong after the refusal)');
      return `data of ${LIMITS.maxDataBytes + 1} bytes refused; the connection stayed open`;
    },
  },
  {
    name: 'limit: a message past 128 KB closes with 1009',
    async run(run) {
      const probe = await run.open(0);
      probe.send('x'.repeat(LIMITS.maxMessageBytes + 1));
      const closed = await within(probe.closed, run.timeoutMs);
      if (!closed) throw new Error(`expected the connection closed with 1009 within ${run.timeoutMs} ms; it stayed open`);
      if (closed.code !== 1009)
        throw new Error(`expected close code 1009; got ${closed.code}${closed.reason ? ` (${closed.reason})` : ''}`);
      return `a ${LIMITS.maxMessageBytes + 1}-byte message closed the connection with 1009`;
    },
  },
  {
    name: 'rooms: join and fan-out',
    needs: ['connect'],
    async run(run) {
      const room = run.room();
      const a = run.found.a!;
      await join(a, room, run);
      const b = await run.open(1);
      await join(b, room, run);
      const data = `verify fan-out ${run.id()}`;
      const id = run.id();
      const ack = await a.request({ action: 'message', room, data, id }, run.timeoutMs);
      expectFrame(ack, ack.event === 'message' && ack.delivered === 1, `an acknowledgement {"event":"message",...,"delivered":1}`);
      const got = await b.next(
        (f) => f.event === 'message' && f.room === room,
        run.timeoutMs,
        `room message in ${room} on the second connection`,
      );
      expectFrame(
        got,
        got.data === data && typeof got.from === 'string',
        `{"event":"message","room":"${room}","from":...,"data":"${data}"}`,
      );
      run.found.b = b;
      run.found.room = room;
      run.found.seq = typeof got.seq === 'number';
      run.found.sent.push({ data, seq: typeof got.seq === 'number' ? got.seq : undefined });
      for (let i = 0; i < Math.min(run.samples, MAX_ROOM_SAMPLES); i++) {
        const reply = await b.request({ action: 'message', room, data: `verify sample ${i}`, id: run.id() }, run.timeoutMs);
        expectFrame(reply, reply.event === 'message', 'an acknowledgement of a room message');
        const echoed = await a.next(
          (f) => f.event === 'message' && f.room === room,
          run.timeoutMs,
          `room message ${i} from the second connection`,
        );
        run.found.sent.push({ data: String(echoed.data), seq: typeof echoed.seq === 'number' ? echoed.seq : undefined });
      }
      return `two connections in ${room}: each message reached the other${run.found.seq ? ' (with seq)' : ''}`;
    },
  },
  {
    name: 'NOT_IN_ROOM',
    needs: ['connect'],
    async run(run) {
      const frame = { action: 'message', room: run.room(), data: 'not a member' };
      await expectRefusal(run.found.a!, frame, 'NOT_IN_ROOM', 'for a message to a room not joined', run);
      return 'for a message to a room the connection has not joined';
    },
  },
  {
    name: 'leave',
    needs: ['rooms: join and fan-out'],
    async run(run) {
      const room = run.room();
      const a = run.found.a!;
      await join(a, room, run);
      const left = await a.request({ action: 'leave', room, id: run.id() }, run.timeoutMs);
      expectFrame(left, left.event === 'left' && left.room === room, `{"event":"left","room":"${room}"}`);
      await expectRefusal(a, { action: 'message', room, data: 'after leaving' }, 'NOT_IN_ROOM', 'for a message after leaving', run);
      return 'left, then NOT_IN_ROOM';
    },
  },
  {
    name: 'members',
    needs: ['rooms: join and fan-out'],
    async run(run) {
      const { a, room } = run.found;
      const reply = await optionalAction(a!, { action: 'members', room: room!, id: run.id() }, run);
      run.found.members = reply !== undefined;
      if (!reply) throw new Skip('server does not support members (it answers UNKNOWN_ACTION)');
      expectFrame(
        reply,
        reply.event === 'members' && reply.room === room && Array.isArray(reply.members),
        `{"event":"members","room":"${room}","members":[...]}`,
      );
      const members = reply.members as Array<{ userId?: unknown; connections?: unknown }>;
      const expected = new Set(run.target.tokens.map(subjectOf).filter((s): s is string => s !== undefined));
      for (const userId of expected) {
        if (!members.some((m) => m.userId === userId))
          throw new Error(`expected user ${userId} among the members; got ${JSON.stringify(members)}`);
      }
      const connections = members.reduce((n, m) => n + (typeof m.connections === 'number' ? m.connections : 0), 0);
      if (connections !== 2) throw new Error(`expected 2 connections in all among the members; got ${JSON.stringify(members)}`);
      return `${members.length} user(s), 2 connections`;
    },
  },
  {
    name: 'publish',
    needs: ['rooms: join and fan-out'],
    async run(run) {
      const { publish, publishSkipped } = run.target;
      if (!publish) throw new Skip(publishSkipped ?? 'no way to publish was given');
      const { a, room } = run.found;
      const data = `verify publish ${run.id()}`;
      const started = performance.now();
      const result = await publish({ room: room!, data });
      record(run.latencies, 'publish', performance.now() - started);
      if (result.delivered !== 2) throw new Error(`expected delivered 2 (both connections in ${room}); got ${JSON.stringify(result)}`);
      const got = await a!.next(
        (f) => f.event === 'message' && f.room === room && f.data === data,
        run.timeoutMs,
        `published message in ${room}`,
      );
      expectFrame(
        got,
        got.from === 'server' && got.seq === result.seq && got.publisher === true,
        `{"from":"server","publisher":true,"seq":${result.seq},...}`,
      );
      run.found.sent.push({ data, seq: result.seq });
      return `delivered to 2 connections with seq ${result.seq}`;
    },
  },
  {
    name: 'history',
    needs: ['rooms: join and fan-out'],
    async run(run) {
      const { a, room } = run.found;
      const reply = await optionalAction(a!, { action: 'history', room: room!, limit: 100, id: run.id() }, run);
      run.found.history = reply !== undefined;
      if (!reply) throw new Skip('server does not support history (it answers UNKNOWN_ACTION)');
      expectFrame(
        reply,
        reply.event === 'history' && reply.room === room && Array.isArray(reply.messages),
        `{"event":"history","room":"${room}","messages":[...]}`,
      );
      const messages = reply.messages as Frame[];
      const expected = run.found.sent.map((m) => m.data);
      const got = messages.map((m) => m.data);
      if (JSON.stringify(got) !== JSON.stringify(expected)) {
        throw new Error(
          `expected the room's ${expected.length} messages, oldest first; got ${messages.length}: ${describeFrame({ data: got })}`,
        );
      }
      for (let i = 1; i < messages.length; i++) {
        const [before, seq] = [messages[i - 1].seq, messages[i].seq];
        if (typeof before !== 'number' || seq !== before + 1) {
          throw new Error(`expected seq increasing by 1, oldest first; got ${messages.map((m) => m.seq).join(', ')}`);
        }
      }
      return `${messages.length} messages, oldest first, seq ${String(messages[0].seq)}..${String(messages[messages.length - 1].seq)}`;
    },
  },
  {
    name: 'resume: join with since',
    needs: ['rooms: join and fan-out'],
    async run(run) {
      if (!run.found.seq) throw new Skip('server does not support seq (room messages carry none), so there is nothing to resume from');
      const { room } = run.found;
      const since = run.found.sent[0].seq!;
      const probe = await run.open(0);
      const joined = await join(probe, room!, run, { since });
      const expected = run.found.sent.slice(1).map((m) => m.seq);
      const replay: Frame[] = [];
      for (let i = 0; i < expected.length; i++) {
        replay.push(
          await probe.next(
            (f) => f.event === 'message' && f.room === room,
            run.timeoutMs,
            `replayed message ${i + 1} of ${expected.length}`,
          ),
        );
      }
      const seqs = replay.map((m) => m.seq);
      if (JSON.stringify(seqs) !== JSON.stringify(expected))
        throw new Error(`expected seq ${expected.join(', ')} in order; got ${seqs.join(', ')}`);
      if (joined.replay !== undefined && joined.replay !== expected.length) {
        throw new Error(`expected joined.replay ${expected.length}; got ${JSON.stringify(joined.replay)}`);
      }
      await probe.close();
      return `after joined, the ${run.found.sent.length - 1} messages with seq > ${since}, in order`;
    },
  },
  {
    name: 'signals',
    needs: ['rooms: join and fan-out'],
    async run(run) {
      const { a, b } = run.found;
      const room = run.room();
      await join(a!, room, run);
      await join(b!, room, run);
      const type = 'verify-typing';
      const ack = await optionalAction(a!, { action: 'signal', room, type, data: { typing: true }, id: run.id() }, run);
      if (!ack) throw new Skip('server does not support signals (it answers UNKNOWN_ACTION)');
      expectFrame(
        ack,
        ack.event === 'signal' && ack.room === room && ack.delivered === 1,
        `{"event":"signal","room":"${room}","delivered":1}`,
      );
      const got = await b!.next(
        (f) => f.event === 'signal' && f.room === room,
        run.timeoutMs,
        `the signal in ${room} on the second connection`,
      );
      expectFrame(
        got,
        got.type === type && typeof got.from === 'string' && JSON.stringify(got.data) === '{"typing":true}' && got.seq === undefined,
        `{"event":"signal","room":"${room}","type":"${type}","from":...,"data":{"typing":true}} with no seq`,
      );
      // Not stored: the room's history is still empty.
      const history = await a!.request({ action: 'history', room, id: run.id() }, run.timeoutMs);
      expectFrame(
        history,
        history.event === 'history' && Array.isArray(history.messages) && history.messages.length === 0,
        'an empty history',
      );
      return `reached the other connection${typeof got.fromName === 'string' ? ` (from ${got.fromName})` : ''}, no seq, not in history`;
    },
  },
  {
    name: 'exactly-once: the same id twice',
    needs: ['rooms: join and fan-out'],
    async run(run) {
      if (!run.found.seq) throw new Skip('server does not support seq (room messages carry none), so a resend cannot name the first');
      const { a, b } = run.found;
      const room = run.room();
      await join(a!, room, run);
      await join(b!, room, run);
      b!.drain();
      const id = run.id();
      const data = `verify once ${id}`;
      const first = await a!.request({ action: 'message', room, data, id }, run.timeoutMs);
      expectFrame(
        first,
        first.event === 'message' && typeof first.seq === 'number' && first.delivered === 1,
        `an ack with a seq, delivered 1`,
      );
      const again = await a!.request({ action: 'message', room, data, id }, run.timeoutMs);
      expectFrame(
        again,
        again.event === 'message' && again.seq === first.seq && again.duplicate === true,
        `the first seq (${String(first.seq)}) again, with "duplicate":true`,
      );
      // A message after both: by the time it arrives, a second copy would have too.
      const after = `verify after ${id}`;
      await a!.request({ action: 'message', room, data: after, id: run.id() }, run.timeoutMs);
      await b!.next((f) => f.event === 'message' && f.data === after, run.timeoutMs, `the message after the resend in ${room}`);
      const received = b!.drain().filter((f) => f.event === 'message' && f.room === room && f.data === data).length;
      if (received !== 1) throw new Error(`expected the message once on the other connection; got it ${received} times`);
      return `acknowledged twice with seq ${String(first.seq)} (the second "duplicate"), delivered once`;
    },
  },
  {
    name: 'user rooms: own joins, another user FORBIDDEN',
    // Whether the server has user rooms is told by what those checks found.
    needs: ['rooms: join and fan-out'],
    async run(run) {
      const notPlatform = platformReason(run);
      if (notPlatform) throw new Skip(notPlatform);
      if (run.target.tokens.length === 0) throw new Skip('no token given: connections have no user, so no user room');
      const sub = subjectOf(run.target.tokens[0]);
      if (!sub) throw new Skip('the token is not a JWT with a sub, so its user room is unknown');
      const a = run.found.a!;
      await join(a, userRoom(sub), run);
      const other = `${USER_ROOM_PREFIX}verify-${randomBytes(6).toString('hex')}`;
      await expectRefusal(a, { action: 'join', room: other }, 'FORBIDDEN', `for another user's room ${other}`, run);
      return `joined ${userRoom(sub)}; ${other} was FORBIDDEN`;
    },
  },
  {
    name: 'presence',
    needs: ['rooms: join and fan-out', 'members'],
    async run(run) {
      if (run.target.tokens.length < 2) throw new Skip('needs two users: give a second token (--token2, or --user2 with --outputs)');
      const [first, second] = run.target.tokens.map(subjectOf);
      if (!first || !second || first === second) throw new Skip('needs two different users: the two tokens name the same (or no) sub');
      const room = run.room();
      const a = run.found.a!;
      await join(a, room, run);
      const other = await run.open(1);
      await join(other, room, run);
      const isPresence = (change: string) => (f: Frame) =>
        f.event === 'presence' && f.room === room && f.userId === second && f.change === change;
      const joined = await a.next(isPresence('joined'), run.timeoutMs, `presence "joined" of ${second} in ${room}`);
      // The other user's only connection goes away: its $disconnect is the "left".
      await other.close();
      const left = await a.next(isPresence('left'), run.timeoutMs, `presence "left" of ${second} in ${room} after it disconnected`);
      // Observers order a user's presence events by version (docs/protocol.md, "Presence order").
      if (typeof joined.version !== 'number' || typeof left.version !== 'number' || left.version <= joined.version) {
        throw new Error(`expected the "left" to carry a higher "version" than the "joined"; got ${JSON.stringify([joined, left])}`);
      }
      const who = typeof joined.name === 'string' ? `${joined.name} (${second})` : second;
      return `"joined" when ${who} joined, "left" when it disconnected`;
    },
  },
];

/** Runs every check against the target; never throws for what the server does. */
export async function runSuite(target: Target, options: SuiteOptions): Promise<SuiteResult> {
  const latencies: Latencies = new Map();
  const probes: Probe[] = [];
  let counter = 0;
  const tag = randomBytes(4).toString('hex');
  const run: Run = {
    target,
    timeoutMs: options.timeoutMs,
    samples: options.samples ?? 20,
    latencies,
    room: () => `${options.roomPrefix ?? 'verify.'}${randomBytes(6).toString('hex')}`,
    id: () => `v${tag}-${++counter}`,
    async open(which = 0) {
      const token = target.tokens[Math.min(which, target.tokens.length - 1)];
      const probe = await Probe.open(withToken(target.url, token), options.timeoutMs, latencies);
      probes.push(probe);
      return probe;
    },
    found: { sent: [] },
  };
  const results: CheckResult[] = [];
  try {
    for (const check of CHECKS) {
      const blocked = (check.needs ?? []).map((n) => results.find((r) => r.name === n)).find((r) => r && r.outcome !== 'pass');
      if (options.skip?.has(check.name)) {
        results.push({ name: check.name, outcome: 'skip', reason: 'skipped on request (--skip)' });
      } else if (blocked) {
        const reason = blocked.outcome === 'skip' ? blocked.reason : `needs "${blocked.name}", which failed`;
        results.push({ name: check.name, outcome: blocked.outcome, reason });
      } else {
        try {
          results.push({ name: check.name, outcome: 'pass', reason: await check.run(run) });
        } catch (err: unknown) {
          const reason = err instanceof Error ? err.message : String(err);
          results.push({ name: check.name, outcome: err instanceof Skip ? 'skip' : 'fail', reason });
        }
      }
    }
  } finally {
    await Promise.all(probes.map((p) => p.close()));
  }
  return { checks: results, latencies };
}
