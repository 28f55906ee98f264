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

/** The platform's clock. Reads the globals at call time, so jest's fake timers also apply. */
export const systemClock: Clock = {
  now: () => Date.now(),
  setTimeout: (callback, ms) => globalThis.setTimeout(callback, ms),
  clearTimeout: (handle) => globalThis.clearTimeout(handle as ReturnType<typeof globalThis.setTimeout>),
};
