/**
 * Time as the client and the emulator see it. Everything that waits (reconnect backoff,
 * keepalive, the idle timeout, the maximum connection duration, TTL expiry) takes a Clock, so
 * tests drive time by hand; one manual clock can drive both sides.
 */
export interface Clock {
  /** Milliseconds since the epoch, as `Date.now()`. */
  now(): number;
  /** Calls `callback` once, `ms` from now; returns a handle for `clearTimeout`. */
  setTimeout(callback: () => void, ms: number): unknown;
  clearTimeout(handle: unknown): void;
}

/**
 * A Clock that also measures short spans: the emulator's Lambda runtime times invocations that
 * run for microseconds, which `now()` (whole milliseconds, and set back when the system clock is)
 * cannot.
 */
export interface MonotonicClock extends Clock {
  /** Milliseconds from an arbitrary origin, with a fraction, never going back: as `performance.now()`. */
  monotonicNow(): number;
}

/** The platform's clock. Reads the globals at call time, so jest's fake timers also apply. */
export const systemClock: MonotonicClock = {
  now: () => Date.now(),
  monotonicNow: () => performance.now(),
  setTimeout: (callback, ms) => globalThis.setTimeout(callback, ms),
  clearTimeout: (handle) => globalThis.clearTimeout(handle as ReturnType<typeof globalThis.setTimeout>),
};
