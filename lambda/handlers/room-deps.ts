import type { ConnectionStore } from '../core/connection-store';
import type { Notifier } from '../core/notifier';
import { presenceFanout, type PresenceDeps, type PresenceStore } from '../core/presence';
import type { FanoutResult, FanoutRouting, RoomFanout } from '../core/room-fanout';
import type { RoomPolicy } from '../core/room-rules';
import type { Telemetry } from '../core/telemetry';

/** What the handlers that fan out to a room or count presence are given. */
export interface RoomDeps {
  readonly store: ConnectionStore;
  /** Posts to connections through `@connections`. */
  readonly notifier: Notifier;
  /** The presence rows (`PRES#`). */
  readonly presenceStore: PresenceStore;
  /** The room rules, and whether presence events go out where no rule says. */
  readonly policy: RoomPolicy;
  /** Posts in flight at once during a fan-out. */
  readonly fanoutConcurrency: number;
  /** The fan-out queue rooms beyond the inline limit go through (and a worker's pace); none: every room inline. */
  readonly routing?: FanoutRouting;
  readonly telemetry: Telemetry;
}

/**
 * The room fan-out and the presence deps that send through it: a member pruned as gone (410) is a
 * presence departure from each of its rooms. `onBroadcast` sees each broadcast's result (to count it).
 */
export function roomFanout(deps: RoomDeps, onBroadcast?: (result: FanoutResult) => void): { fanout: RoomFanout; presence: PresenceDeps } {
  const { presenceStore: presence, policy, fanoutConcurrency, telemetry } = deps;
  return presenceFanout(
    deps.store,
    deps.notifier,
    { presence, policy, fanoutConcurrency, logger: telemetry.logger },
    onBroadcast,
    deps.routing,
  );
}
