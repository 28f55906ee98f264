import type { MonotonicClock } from '../../protocol/clock';

const MAX_FIRINGS = 10_000;

/** A clock whose timers fire only when the test advances it; drives the client and the emulator alike. */
export class ManualClock implements MonotonicClock {
  private nextHandle = 1;
  private readonly timers = new Map<number, { at: number; callback: () => void }>();

  /** Starts at `time` ms since the epoch. @default 0 */
  constructor(private time = 0) {}

  now(): number {
    return this.time;
  }

  /** The same time: a manual clock never goes back. */
  monotonicNow(): number {
    return this.time;
  }

  setTimeout(callback: () => void, ms: number): unknown {
    const handle = this.nextHandle++;
    this.timers.set(handle, { at: this.time + Math.max(0, ms), callback });
    return handle;
  }

  clearTimeout(handle: unknown): void {
    this.timers.delete(handle as number);
  }

  /** Delays of the timers now pending, soonest first. */
  pendingDelays(): number[] {
    return [...this.timers.values()].map((t) => t.at - this.time).sort((a, b) => a - b);
  }

  /** Moves time forward, firing every timer that falls due, in order. */
  advance(ms: number): void {
    const target = this.time + ms;
    for (let fired = 0; ; fired++) {
      const due = [...this.timers.entries()].filter(([, t]) => t.at <= target).sort((a, b) => a[1].at - b[1].at)[0];
      if (!due) break;
      // A timer that re-arms itself for the same instant would spin here forever: fail instead of hanging.
      if (fired === MAX_FIRINGS) throw new Error(`advance(${ms}) fired ${MAX_FIRINGS} timers: one keeps re-arming without time passing`);
      this.timers.delete(due[0]);
      this.time = due[1].at;
      due[1].callback();
    }
    this.time = target;
  }
}
