/**
 * What `npm run bench:bigroom` and its member processes (bench/bigroom-members.ts) say to each
 * other: the job as JSON in argv[2], then one line at a time, `KIND JSON`, on the member process's
 * stdout and stdin. No side effects: importing it starts nothing.
 */
import { API_GATEWAY_LIMITS } from '../protocol';
import type { ArrivalsBySeq, DeliveryCount } from './delivery-check';

/**
 * How often each member sends a `ping` frame, as the typed client does (at half the idle timeout):
 * joining a big room takes longer than API Gateway's 10-minute idle timeout, which only a client's
 * messages reset, so without them the first members are closed before the messages go out.
 */
export const KEEPALIVE_INTERVAL_MS = (API_GATEWAY_LIMITS.idleTimeoutSeconds * 1000) / 2;

/** One member process's share of the room. */
export interface MembersJob {
  /** The emulator's WebSocket URL, with a token when `$connect` needs one. */
  readonly url: string;
  readonly room: string;
  readonly members: number;
  /** The loopback address its connections come from (ws's `localAddress`), so no address runs out of ephemeral ports. */
  readonly localAddress: string;
  /** Connections opened (and joined) per second by this process. */
  readonly connectRate: number;
  /** After `expect`, how long nothing may arrive before the missing messages count as lost. */
  readonly idleTimeoutMs: number;
}

/** Lines a member process prints. */
export const MEMBER_LINES = {
  /** `{ joined }`: members joined so far. */
  progress: 'progress',
  /** `{ rssBefore, rssAfter }`: every member joined; its resident memory before connecting and now. */
  ready: 'ready',
  /** {@link MembersResult}: the checks, after `expect`. */
  result: 'result',
} as const;

/** The line the bench writes once every message is sent: `expect { seqs }`, the `seq`s every member should have. */
export const EXPECT_LINE = 'expect';

export interface MembersReady {
  readonly rssBefore: number;
  readonly rssAfter: number;
}

export interface MembersResult {
  /** Added up over the process's members. */
  readonly count: DeliveryCount;
  readonly arrivals: ArrivalsBySeq;
  /** Members that had every expected message when the process stopped waiting. */
  readonly complete: number;
  /** Error frames the members got, by code, e.g. `{ "RATE_LIMITED": 2 }`. */
  readonly errorFrames: Readonly<Record<string, number>>;
  /** Connections closed by the server while the run went on. */
  readonly closed: number;
  /** Whether it stopped waiting because nothing arrived for `idleTimeoutMs`. */
  readonly timedOut: boolean;
}

/** Formats one protocol line. */
export function protocolLine(kind: string, body: unknown): string {
  return `${kind} ${JSON.stringify(body)}\n`;
}

/** Splits one protocol line into its kind and body; undefined for any other line. */
export function readProtocolLine(line: string): { kind: string; body: unknown } | undefined {
  const match = /^([a-z]+) (.*)$/s.exec(line);
  if (!match) return undefined;
  try {
    return { kind: match[1], body: JSON.parse(match[2]) as unknown };
  } catch {
    return undefined;
  }
}
