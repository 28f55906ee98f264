/**
 * Time as the emulator's gateway sees it: the idle timeout, the maximum connection duration and
 * the drop of a client that never answers a close frame all wait on it, so tests can run them in
 * simulated time. The same shape as the client's clock (client/clock.ts), so one manual clock in a
 * test drives both.
 */
export interface Clock {
  /** Milliseconds since the epoch, as `Date.now()`. */
  now(): number;
  /** Calls `callback` once, `ms` from now; returns a handle for `clearTimeout`. */
  setTimeout(callback: () => void, ms: number): unknown;
  clearTimeout(handle: unknown): void;
}

/** The real clock. */
export const systemClock: Clock = {
  now: () => Date.now(),
  setTimeout: (callback, ms) => setTimeout(callback, ms),
  clearTimeout: (handle) => clearTimeout(handle as NodeJS.Timeout | undefined),
};
