/**
 * Where a function's next invocation goes: the policy alone, a pure function of what the pool
 * knows of its environments; pool.ts carries it out.
 */
import type { EnvironmentState } from './lifecycle';

/**
 * How a function's invocations are spread over its environments.
 *
 * A worker thread that waits for work sleeps, and waking it costs more CPU than a small handler's
 * whole run: on this project's 2-core machine a wake-up each way was most of an echo round trip's
 * CPU time, and spreading short invocations over idle environments meant a wake-up for nearly
 * every one. So short invocations queue in a busy environment, behind the one it runs, and start
 * there the moment it answers, with no wake-up; idle environments are used when the running one
 * is not short, and the invocations sent in one turn of the event loop go to a worker in one
 * message. An environment still serves one invocation at a time (as in Lambda), each one's
 * timeout and `getRemainingTimeInMillis()` count from its own start, and nothing waits long
 * behind a slow invocation: the ones queued behind it are taken back and go to another environment.
 */
export interface DispatchSettings {
  /** The function's invocations are short when they typically (a moving average) run under this. */
  readonly shortRunMs: number;
  /** At most this many invocations wait in one environment's queue, behind the one it runs. */
  readonly queueLimit: number;
  /** Invocations waiting behind one that has run this long are taken back, to run elsewhere. */
  readonly reclaimAfterMs: number;
}

export const DISPATCH: DispatchSettings = { shortRunMs: 1, queueLimit: 16, reclaimAfterMs: 5 };

/** What the policy reads of an environment. */
export interface DispatchCandidate {
  readonly state: EnvironmentState;
  /** The invocations sent to it and not settled: the running one, then those queued behind it. */
  readonly invocationCount: number;
  /** Whether its worker has room to queue one more (a free claim slot: DispatchSettings.queueLimit). */
  readonly hasFreeSlot: boolean;
  /** When its running invocation started, on the pool's clock. */
  readonly startedAt: number;
}

/** The decision to start a new environment for the invocation. */
export const NEW_ENVIRONMENT = 'new';

/**
 * Where the next invocation goes (see DispatchSettings): behind a running one when the function's
 * invocations are short, else to an idle environment, else to a new one (when `canStartOne`),
 * else behind a running one; undefined: it waits in the pool's queue. Of the running ones, the
 * one with the fewest queued that has not run for `reclaimAfterMs` (`now`, on the pool's clock).
 */
export function chooseEnvironment<E extends DispatchCandidate>(
  environments: Iterable<E>,
  now: number,
  typicalRunMs: number,
  canStartOne: boolean,
  settings: DispatchSettings,
): E | typeof NEW_ENVIRONMENT | undefined {
  let idle: E | undefined;
  let queueable: E | undefined;
  for (const e of environments) {
    if (e.state === 'idle') idle ??= e;
    else if (
      e.state === 'busy' &&
      e.hasFreeSlot &&
      now - e.startedAt < settings.reclaimAfterMs &&
      (!queueable || e.invocationCount < queueable.invocationCount)
    )
      queueable = e;
  }
  if (queueable && isShort(typicalRunMs, settings)) return queueable;
  if (idle) return idle;
  if (canStartOne) return NEW_ENVIRONMENT;
  return queueable;
}

/** Whether a function that typically runs `typicalRunMs` (Infinity until one has run) counts as short. */
export function isShort(typicalRunMs: number, settings: DispatchSettings): boolean {
  return typicalRunMs <= settings.shortRunMs;
}

/** The weight of the latest run in the moving average of a function's run time. */
const RUN_TIME_WEIGHT = 0.1;

/** The moving average of a function's run time after one more run of `ranMs` (`typicalRunMs` Infinity: none yet). */
export function nextTypicalRunMs(typicalRunMs: number, ranMs: number): number {
  return typicalRunMs === Infinity ? ranMs : typicalRunMs + (ranMs - typicalRunMs) * RUN_TIME_WEIGHT;
}
