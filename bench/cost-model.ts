import { FANOUT_DEFAULTS, MAX_ROOM_MEMBERS, RATE_LIMIT_DEFAULTS, type RateLimit } from '../contract';

/**
 * Switchboard's cost model, from AWS list prices (us-east-1, late 2025; see
 * ../shared/api-gateway-websocket.md). Only the price table is data: every
 * figure is derived from it and from the request counts the handlers make.
 */
export const PRICES = {
  /** API Gateway WebSocket: per message (in or out), metered in 32 KB units. */
  apiMessage: 1.0 / 1e6,
  /** API Gateway WebSocket: per connection-minute. */
  connectionMinute: 0.25 / 1e6,
  /** Lambda: per request. */
  lambdaRequest: 0.2 / 1e6,
  /** Lambda arm64: per GB-second. */
  lambdaGbSecond: 0.0000133334,
  /** DynamoDB on demand: per write request unit (1 KB). */
  writeUnit: 0.625 / 1e6,
  /** DynamoDB on demand: per read request unit (4 KB strongly consistent, 8 KB eventually). */
  readUnit: 0.125 / 1e6,
  /** SQS FIFO: per request (a batch of up to 10 is one request, per 64 KB chunk). */
  sqsFifoRequest: 0.5 / 1e6,
} as const;

export const MINUTES_PER_MONTH = 30 * 24 * 60;
/** API Gateway closes connections after 2 hours, so an always-on client reconnects 12 times a day. */
export const CONNECTS_PER_CONNECTION_MONTH = (30 * 24) / 2;
/** Approximate size of one room member row as Query reads it (keys + connectionId). */
const MEMBER_ROW_BYTES = 80;
/** Approximate size of a room message frame with small `data` (keys, seq, ts, from): under 1 KB. */
export const SMALL_FRAME_BYTES = 200;

/** What history adds to a room message (docs/realtime-design.md). */
export interface HistoryOptions {
  /** Whether messages are kept (`historyLimit` above 0). Every message takes a `seq` either way. @default true */
  stored?: boolean;
  /** Size of the stored frame: writes are billed per started KB, and so is the delete of the oldest. @default SMALL_FRAME_BYTES */
  frameBytes?: number;
}

export interface CostAssumptions {
  /** Billed Lambda duration per invocation, ms. Not measured here: there is no AWS account. */
  lambdaMs: number;
  /** Lambda memory, MB (the stack's default is 256). */
  memoryMb: number;
}

export const DEFAULT_ASSUMPTIONS: CostAssumptions = { lambdaMs: 20, memoryMb: 256 };

export interface CostBreakdown {
  apiGateway: number;
  lambda: number;
  dynamodb: number;
  /** The fan-out queue's requests, for rooms beyond the inline fan-out; 0 for the rest. */
  sqs: number;
  total: number;
}

function breakdown(
  apiMessages: number,
  invocations: number,
  readUnits: number,
  writeUnits: number,
  connectionMinutes: number,
  a: CostAssumptions,
): CostBreakdown {
  const apiGateway = apiMessages * PRICES.apiMessage + connectionMinutes * PRICES.connectionMinute;
  const lambda = invocations * (PRICES.lambdaRequest + (a.memoryMb / 1024) * (a.lambdaMs / 1000) * PRICES.lambdaGbSecond);
  const dynamodb = readUnits * PRICES.readUnit + writeUnits * PRICES.writeUnit;
  return { apiGateway, lambda, dynamodb, sqs: 0, total: apiGateway + lambda + dynamodb };
}

/** The settings a queued fan-out's cost depends on. */
export interface QueuedFanoutSettings {
  fanoutShardSize: number;
  fanoutPostsPerSecond: number;
  fanoutWorkers: number;
}

export const DEFAULT_QUEUED_FANOUT: QueuedFanoutSettings = {
  fanoutShardSize: FANOUT_DEFAULTS.fanoutShardSize,
  fanoutPostsPerSecond: FANOUT_DEFAULTS.fanoutPostsPerSecond,
  fanoutWorkers: FANOUT_DEFAULTS.fanoutWorkers,
};

/**
 * One message to a room beyond the inline fan-out, of `members` (sender included; docs/design.md,
 * "Rooms beyond one invocation"): frame in, ack out, the sender's invocation (its `seq` and history
 * writes, a consistent read of the layout); one job per shard, sent 10 per SendMessageBatch and
 * each received and deleted once; one worker invocation per shard, billed for the time its posts
 * take at its share of `fanoutPostsPerSecond`; each worker's Queries (one per layout it reads, at
 * least a unit each, and the rows); one post per other member.
 */
export function queuedBroadcastCost(
  members: number,
  a: CostAssumptions = DEFAULT_ASSUMPTIONS,
  fanout: QueuedFanoutSettings = DEFAULT_QUEUED_FANOUT,
): CostBreakdown {
  checkRoomSize(members);
  const shards = 2 ** Math.ceil(Math.log2(Math.max(1, Math.ceil(members / fanout.fanoutShardSize))));
  const layouts = Math.log2(shards) + 1;
  const sender = breakdown(2, 1, 1, 1 + sequenceWriteUnits({}), 0, a);
  const workerMs = (fanout.fanoutShardSize / (fanout.fanoutPostsPerSecond / fanout.fanoutWorkers)) * 1000;
  const workers = breakdown(members - 1, shards, shards * layouts + memberQueryUnits(members), 0, 0, { ...a, lambdaMs: workerMs });
  const sqs = (Math.ceil(shards / 10) + 2 * shards) * PRICES.sqsFifoRequest;
  const apiGateway = sender.apiGateway + workers.apiGateway;
  const lambda = sender.lambda + workers.lambda;
  const dynamodb = sender.dynamodb + workers.dynamodb;
  return { apiGateway, lambda, dynamodb, sqs, total: apiGateway + lambda + dynamodb + sqs };
}

/** The largest room `maxRoomMembers` allows. */
export const LARGEST_ROOM = MAX_ROOM_MEMBERS;

/** One echo: the frame in, the ack out, one invocation, no table access. */
export function echoCost(a: CostAssumptions = DEFAULT_ASSUMPTIONS): CostBreakdown {
  return breakdown(2, 1, 0, 0, 0, a);
}

/** Write units of one room message's `seq` and history: the counter, and the put of the new message and delete of the oldest. */
function sequenceWriteUnits(history: HistoryOptions): number {
  const frameUnits = Math.max(1, Math.ceil((history.frameBytes ?? SMALL_FRAME_BYTES) / 1024));
  return 1 + ((history.stored ?? true) ? 2 * frameUnits : 0);
}

/** Read units of the fan-out's member Query: strongly consistent (4 KB a unit), every row read, stale ones too. */
function memberQueryUnits(rows: number): number {
  return Math.max(1, Math.ceil((rows * MEMBER_ROW_BYTES) / 4096));
}

function checkRoomSize(members: number): void {
  if (!Number.isInteger(members) || members < 1) throw new Error(`Room size must be a positive integer; got ${members}.`);
}

/**
 * One message to a room of `members` (sender included): frame in, ack out,
 * one post per other member, one invocation; a consistent GetItem of the
 * sender, one conditional UpdateItem of its room-message rate limit's bucket
 * (in its row), the room's `seq` counter and history writes, and a strongly consistent Query of
 * the member rows. `staleRows` are member rows past their TTL not yet pruned: they get no post,
 * but the Query reads (and bills) them all the same, filtered or not.
 */
export function broadcastCost(
  members: number,
  a: CostAssumptions = DEFAULT_ASSUMPTIONS,
  staleRows = 0,
  history: HistoryOptions = {},
): CostBreakdown {
  checkRoomSize(members);
  return breakdown(2 + (members - 1), 1, 1 + memberQueryUnits(members + staleRows), 1 + sequenceWriteUnits(history), 0, a);
}

/**
 * One `publish()` from a backend to a room of `members`: a Lambda Invoke (no frame in, no ack
 * out), the `seq` and history writes, the member Query and one post per member. No sender row is
 * read and no rate-limit bucket written.
 */
export function publishCost(members: number, a: CostAssumptions = DEFAULT_ASSUMPTIONS, history: HistoryOptions = {}): CostBreakdown {
  checkRoomSize(members);
  return breakdown(members, 1, memberQueryUnits(members), sequenceWriteUnits(history), 0, a);
}

/**
 * One `join` into a room that then has `members` (the joiner included): frame in, `joined` out,
 * one invocation; the Query COUNT against the room size limit (it reads every member row), the
 * consistent read of the room's counter, the connection row's conditional UpdateItem, the member
 * row's PutItem and the presence counter's UpdateItem. When it is the user's first connection in
 * the room and presence is on, the member Query and one `presence` post to each other member.
 */
export function joinCost(members: number, presenceEvent: boolean, a: CostAssumptions = DEFAULT_ASSUMPTIONS): CostBreakdown {
  checkRoomSize(members);
  const countUnits = Math.max(1, Math.ceil((members * MEMBER_ROW_BYTES) / 4096));
  // The presence event's fan-out reads the room's members once more.
  const presenceUnits = presenceEvent ? memberQueryUnits(members) : 0;
  return breakdown(2 + (presenceEvent ? members - 1 : 0), 1, countUnits + 1 + presenceUnits, 3, 0, a);
}

/**
 * What resuming adds to a join with `since`, for `missed` retained messages: `joined` and each
 * replayed message are posts (the route returns no body), and the history Query reads them
 * (strongly consistent, 4 KB a unit).
 */
export function resumeCost(missed: number, a: CostAssumptions = DEFAULT_ASSUMPTIONS, frameBytes = SMALL_FRAME_BYTES): CostBreakdown {
  if (!Number.isInteger(missed) || missed < 0) throw new Error(`Missed messages must be a non-negative integer; got ${missed}.`);
  return breakdown(missed + 1, 0, Math.max(1, Math.ceil((missed * frameBytes) / 4096)), 0, 0, a);
}

/**
 * One frame refused with RATE_LIMITED: the frame in and the error out are still billed, and so
 * is the invocation. Past the frame limit (kept in memory) that is all; past the room-message
 * limit, at most the sender's row was read (1 read unit; none while the environment already knows
 * the bucket is empty) and nothing is written.
 */
export function refusedFrameCost(limit: 'frames' | 'roomMessages', a: CostAssumptions = DEFAULT_ASSUMPTIONS): CostBreakdown {
  return breakdown(2, 1, limit === 'roomMessages' ? 1 : 0, 0, 0, a);
}

/**
 * One connection sending room messages into a room of `members` at `sentPerSecond` for
 * `seconds`: with the room-message limit, at most burst + perSecond x seconds are broadcast and
 * the rest refused; with none (`'unlimited'`), every one is.
 */
export function floodCost(
  members: number,
  sentPerSecond: number,
  seconds: number,
  limit: RateLimit | 'unlimited' = RATE_LIMIT_DEFAULTS.roomMessages,
  a: CostAssumptions = DEFAULT_ASSUMPTIONS,
): CostBreakdown {
  const sent = Math.floor(sentPerSecond * seconds);
  const broadcast = limit === 'unlimited' ? sent : Math.min(sent, Math.floor(limit.burst + limit.perSecond * seconds));
  const one = broadcastCost(members, a);
  const refused = refusedFrameCost('roomMessages', a);
  const sum = (k: keyof CostBreakdown) => broadcast * one[k] + (sent - broadcast) * refused[k];
  return { apiGateway: sum('apiGateway'), lambda: sum('lambda'), dynamodb: sum('dynamodb'), sqs: sum('sqs'), total: sum('total') };
}

/**
 * One always-connected client for a month, idle: connection-minutes plus a
 * reconnect every 2 hours ($connect writes 1 row; $disconnect deletes it with one
 * DeleteItem that returns it, no read; one keepalive ping every 5 minutes).
 */
export function connectionMonthCost(a: CostAssumptions = DEFAULT_ASSUMPTIONS): CostBreakdown {
  const connects = CONNECTS_PER_CONNECTION_MONTH;
  const pings = MINUTES_PER_MONTH / 5;
  return breakdown(2 * pings, 2 * connects + pings, 0, 2 * connects, MINUTES_PER_MONTH, a);
}

export interface Workload {
  /** Concurrent connections, on average. */
  connections: number;
  /** Messages each connection sends per minute. */
  messagesPerMinute: number;
  /** Members in the room each message goes to; 1 means plain echo. */
  roomSize: number;
}

/** The monthly bill for a steady workload. */
export function monthlyCost(w: Workload, a: CostAssumptions = DEFAULT_ASSUMPTIONS): CostBreakdown {
  const messages = w.connections * w.messagesPerMinute * MINUTES_PER_MONTH;
  const perMessage = w.roomSize <= 1 ? echoCost(a) : broadcastCost(w.roomSize, a);
  const perConnection = connectionMonthCost(a);
  const sum = (k: keyof CostBreakdown) => messages * perMessage[k] + w.connections * perConnection[k];
  return { apiGateway: sum('apiGateway'), lambda: sum('lambda'), dynamodb: sum('dynamodb'), sqs: sum('sqs'), total: sum('total') };
}
