import type { RoomMessage } from '../protocol';
import type { Clock } from '../protocol/clock';

/** What to do when fetching a gap's messages from history failed. */
export type FetchFailure =
  /** Try again after another wait (a timeout, a rate limit). */
  | 'retry'
  /** The connection is gone: the rejoin's replay will fill the gap, so do nothing now. */
  | 'await-rejoin'
  /** History cannot be had (e.g. no longer a member): report the range as a gap. */
  | 'give-up';

/** History requests one fill sends at most (one per hole); further holes wait for the next round. */
const MAX_HOLES_PER_FILL = 10;

export interface SequencerOptions {
  clock: Clock;
  /** How long a message that skips ahead waits, after the last progress, before the gap is fetched from history. */
  gapWaitMs: number;
  /** Hands one message to the application: called once per `seq`, in increasing order. */
  deliver(message: RoomMessage): void;
  /** Reports that the messages `from`..`to` (inclusive) cannot be had: history no longer keeps them. */
  gap(from: number, to: number): void;
  /** The retained messages with `from <= seq <= to`, in any order; some may be missing. */
  fetch(from: number, to: number): Promise<RoomMessage[]>;
  classifyFailure(err: unknown): FetchFailure;
}

/**
 * One room's messages, delivered to the application exactly once and in `seq` order, whatever
 * order the server's frames arrive in: a replay after `joined` may interleave with live messages
 * from concurrent fan-outs, a rejoin replays what was already seen, and a frame can go missing.
 *
 * - Anything at or below the last delivered `seq` is a duplicate and is dropped.
 * - A message that skips ahead is held until the messages before it arrive.
 * - When no progress is made for `gapWaitMs`, the missing range is fetched from history; what
 *   history no longer has is reported as a gap and skipped.
 * - While a join is in flight, messages wait for its `joined`, whose `seq` may set the baseline.
 * - A rejoin's `joined.seq` is a target: every message up to it exists, so the sequencer fills to
 *   it, from the replay and then from history, without waiting for a later message to show the
 *   hole. At once when the replay brings nothing (`replay: 0`); else once the replay stops making
 *   progress for `gapWaitMs` (a replay cut short at the function's time budget).
 */
export class RoomSequencer {
  private last: number | undefined;
  private readonly held = new Map<number, RoomMessage>();
  /** Numbers held by our own messages: the server sends us no copy of them, so they are passed over, not delivered. */
  private readonly ownHeld = new Set<number>();
  /** Messages that arrived while a join was in flight: they are judged against the `joined` baseline. */
  private early: RoomMessage[] = [];
  /** The latest `seq` a rejoin's `joined` named, while the sequence has not reached it: known to exist. */
  private target: number | undefined;
  private awaitingJoin = false;
  private timer: unknown;
  private filling = false;
  /** Bumped when the sequence restarts, so a history reply for the old one is ignored. */
  private generation = 0;

  constructor(private readonly options: SequencerOptions) {}

  /** The last `seq` delivered (or the baseline from `joined`); undefined before the room's first join. */
  get lastSeq(): number | undefined {
    return this.last;
  }

  /** Messages held back: waiting for earlier ones, or for `joined`. */
  get waiting(): number {
    return this.held.size + this.early.length;
  }

  /** The `seq` the sequence is filling to (a rejoin's `joined.seq`), while it has not reached it. */
  get fillingTo(): number | undefined {
    return this.target;
  }

  /** A join went out: hold every message until its `joined` (or its failure). */
  expectJoin(): void {
    this.awaitingJoin = true;
    this.stopTimer();
  }

  /**
   * The server's `joined`. Its `seq` is the baseline for a first join, and also when it is below
   * the last delivered one: the room's counter expired and restarted. Above the last delivered one
   * (a rejoin that missed messages) it is the target to fill to; `replay` is how many of them the
   * server is replaying: with none coming, history is asked at once.
   */
  joined(seq: number | undefined, replay?: number): void {
    this.awaitingJoin = false;
    if (seq !== undefined && (this.last === undefined || seq < this.last)) {
      if (this.last !== undefined) this.restart();
      this.last = seq;
    } else if (seq !== undefined && this.last !== undefined && seq > this.last) {
      this.target = Math.max(seq, this.target ?? seq);
    }
    this.releaseEarly();
    if (this.hasWork() && replay === 0 && !this.filling) {
      this.stopTimer();
      void this.fill();
    }
  }

  /** The join failed: the messages held for it are judged against what we had. */
  joinFailed(): void {
    this.awaitingJoin = false;
    this.releaseEarly();
  }

  /** The connection closed: nothing more arrives until the rejoin, whose replay fills the gaps. */
  connectionLost(): void {
    this.stopTimer();
  }

  /** The room was left: its sequence ends; a later join starts from that join's baseline. */
  forget(): void {
    this.restart();
    this.last = undefined;
    this.early = [];
    this.awaitingJoin = false;
  }

  /** Whether anything is missing: messages held past a hole, or a target not reached. */
  private hasWork(): boolean {
    return this.held.size > 0 || (this.target !== undefined && this.last !== undefined && this.target > this.last);
  }

  /** Stops the wait for a gap, for good (the client closed). */
  dispose(): void {
    this.stopTimer();
  }

  /**
   * The `seq` of a message this client sent (from its acknowledgement): the server sends no copy
   * to its sender, so nothing is waited for at that number. It is passed over, not delivered.
   */
  ownMessage(seq: number): void {
    if (this.awaitingJoin || this.last === undefined || seq <= this.last || this.held.has(seq)) return;
    this.ownHeld.add(seq);
    this.afterArrival(this.drain());
  }

  /** One room message from the server, live, replayed, or from history. */
  accept(message: RoomMessage): void {
    if (this.awaitingJoin) {
      this.early.push(message);
      return;
    }
    // No baseline (a server that sent no `joined.seq`): the first message starts the sequence.
    if (this.last === undefined) this.last = message.seq - 1;
    if (message.seq <= this.last || this.held.has(message.seq)) return;
    this.ownHeld.delete(message.seq);
    this.held.set(message.seq, message);
    this.afterArrival(this.drain());
  }

  /** The wait restarts only on progress: a steady live stream past a hole must not postpone its fill forever. */
  private afterArrival(progressed: boolean): void {
    if (!this.hasWork()) this.stopTimer();
    else if (progressed || this.timer === undefined) this.startTimer();
  }

  private releaseEarly(): void {
    const early = this.early;
    this.early = [];
    for (const message of early) this.accept(message);
    if (this.hasWork() && this.timer === undefined) this.startTimer();
  }

  /** Delivers every held message that is next in line; says whether it delivered any. */
  private drain(): boolean {
    let progressed = false;
    for (;;) {
      if (this.target !== undefined && this.last !== undefined && this.last >= this.target) this.target = undefined;
      if (this.last !== undefined && this.ownHeld.delete(this.last + 1)) {
        this.last += 1;
        progressed = true;
        continue;
      }
      const next = this.last === undefined ? undefined : this.held.get(this.last + 1);
      if (!next) return progressed;
      this.held.delete(next.seq);
      this.last = next.seq;
      progressed = true;
      this.options.deliver(next);
    }
  }

  /** Fetches the holes below held messages and the target from history (a few per round); what history lacks becomes a gap. */
  private async fill(): Promise<void> {
    this.timer = undefined;
    if (this.filling || this.awaitingJoin || !this.hasWork() || this.last === undefined) return;
    const holes = this.holes(this.last, MAX_HOLES_PER_FILL);
    if (holes.length === 0) return;
    const to = holes[holes.length - 1][1];
    const generation = this.generation;
    this.filling = true;
    const messages: RoomMessage[] = [];
    try {
      // Hole by hole, so what is already held is not fetched again.
      for (const [from, end] of holes) {
        for (const message of await this.options.fetch(from, end)) if (message.seq >= from && message.seq <= end) messages.push(message);
      }
    } catch (err: unknown) {
      const failure = this.options.classifyFailure(err);
      if (failure !== 'give-up') {
        this.filling = false;
        if (failure === 'retry' && generation === this.generation && !this.awaitingJoin) this.startTimer();
        return;
      }
    }
    this.filling = false;
    if (generation !== this.generation) return;
    for (const message of messages) this.accept(message);
    // A rejoin started meanwhile: its replay may still bring what history did not.
    if (this.awaitingJoin) return;
    // What history did not have up to `to` is gone: report it and move past it.
    for (let last = this.last; last !== undefined && last < to; last = this.last) {
      const next = this.held.size > 0 ? Math.min(...this.held.keys()) : to + 1;
      if (next > last + 1) {
        const gapEnd = Math.min(next - 1, to);
        this.last = gapEnd;
        this.options.gap(last + 1, gapEnd);
      }
      // Held messages are all above `last`, so this always progresses; the check keeps a broken invariant from spinning.
      if (!this.drain() && this.last === last) break;
    }
    if (this.hasWork()) this.startTimer();
    else this.stopTimer();
  }

  /** The missing ranges above `last`, below the highest held message and up to the target, lowest first. */
  private holes(last: number, max: number): Array<[number, number]> {
    const holes: Array<[number, number]> = [];
    let previous = last;
    // Our own messages' numbers are not holes: nothing will come for them.
    for (const seq of [...this.held.keys(), ...this.ownHeld].sort((a, b) => a - b)) {
      if (holes.length === max) return holes;
      if (seq > previous + 1) holes.push([previous + 1, seq - 1]);
      previous = seq;
    }
    // The target is a message that exists: everything after the last known number up to it is missing.
    if (holes.length < max && this.target !== undefined && this.target > previous) holes.push([previous + 1, this.target]);
    return holes;
  }

  private restart(): void {
    this.generation += 1;
    this.held.clear();
    this.ownHeld.clear();
    this.target = undefined;
    this.stopTimer();
  }

  private startTimer(): void {
    this.options.clock.clearTimeout(this.timer);
    this.timer = this.options.clock.setTimeout(() => void this.fill(), this.options.gapWaitMs);
  }

  private stopTimer(): void {
    this.options.clock.clearTimeout(this.timer);
    this.timer = undefined;
  }
}
