/**
 * What bench/client.ts is asked to do and what it answers, shared by the client process and the
 * benches that start it. No side effects: importing it starts nothing.
 */
import type { LatencySummary } from './support';

/**
 * A line the client prints, `CHECKPOINT name`, before it waits for one line on its stdin: the
 * bench takes its readings (e.g. the server's CPU time) between the two.
 */
export const CHECKPOINT = '#checkpoint';

/** The echo job's checkpoints: just before its measured round trips, and just after. */
export const ECHO_CHECKPOINTS = { measuring: 'measuring', measured: 'measured' } as const;

/** N clients x M round trips, one frame in flight per client, after an unmeasured warm-up. */
export interface EchoJob {
  readonly mode: 'echo';
  readonly url: string;
  readonly action: 'message' | 'ping';
  readonly clients: number;
  readonly messages: number;
  /** Round trips per client before measuring, on the same connections. */
  readonly warmUp: number;
}

export interface EchoResult extends LatencySummary {
  readonly seconds: number;
  /** CPU time this client process used while measuring. */
  readonly clientCpuSeconds: number;
}

/** One room of `size` members (the sender included), each joined through the protocol; `warmUp` broadcasts, then `repeat` timed ones. */
export interface FanoutJob {
  readonly mode: 'fanout';
  readonly url: string;
  readonly room: string;
  readonly size: number;
  /** Broadcasts sent and checked first, untimed: the emulator's and the handler's code are JIT-compiled by then, as on a warm server. */
  readonly warmUp: number;
  readonly repeat: number;
}

export interface FanoutResult {
  /** Time to connect and join all members. */
  readonly joinSeconds: number;
  /** Per timed broadcast: from sending it to the last member receiving it. */
  readonly lastArrivalMs: number[];
  /** Per timed broadcast: the `delivered` count of the sender's ack. */
  readonly delivered: number[];
}
