/**
 * The command line of `npm run bench:bigroom`, parsed and checked. No side effects: the bench and
 * its test import it.
 */
import { integerFlag, parseFlags, UsageError } from '../cli-kit/flags';
import { CONTEXT_KEYS, RATE_LIMIT_DEFAULTS, ROOM_DEFAULTS } from '../contract';
import { parseFaultRates } from '../local/gateway/management';

export const BIGROOM_USAGE = `Usage: npm run bench:bigroom -- --members N [--aws-like] [--messages K] [--inline-limit L]
         [--shard-size S] [--fault-rate 429:0.2,500:0.05] [--account-rps R] [--connect-rate C]
         [--per-process P] [--idle-timeout S] [--count-429s | --quiet]

One room of N members on switchboard-local (started by its CLI, in its own process), each member a
real WebSocket connection in a member process (P members each, on its own loopback address). One
member sends K room messages over a second while a backend publishes K more (the Lambda Invoke
API); every member checks it got every message exactly once, in seq order.

  --members N        members of the room, the sender included (2 to what the file limit allows)
  --messages K       room messages from the sender, and as many publishes (default: 10)
  --aws-like         the emulator's --aws-like: AWS's account quota, @connections latency, Lambda concurrency
  --account-rps R    the emulator's --account-rps (e.g. a quota scaled down with N)
  --fault-rate SPEC  the emulator's --fault-rate, e.g. 429:0.2,500:0.05
  --inline-limit L   -c inlineFanoutLimit=L: rooms above L members fan out through the queue (0: all)
  --shard-size S     -c fanoutShardSize=S: members per shard of a queued fan-out
  --connect-rate C   connections opened (and joined) per second, over all member processes (default: 400)
  --per-process P    members per member process (default: 2500)
  --idle-timeout S   give up on missing messages after S seconds with nothing arriving (default: 20)
  --count-429s       read the emulator's log to count 429s (the default with --aws-like, --account-rps
                     or --fault-rate; logging every post made 1,000 members' delivery 1.7 times slower here)
  --quiet            run the emulator with --quiet, never counting 429s
`;

export interface BigroomOptions {
  readonly members: number;
  readonly messages: number;
  readonly awsLike: boolean;
  readonly accountRps?: number;
  readonly faultRate?: string;
  readonly inlineLimit?: number;
  readonly shardSize?: number;
  readonly connectRate: number;
  readonly perProcess: number;
  readonly idleTimeoutSeconds: number;
  /** Run the emulator with --quiet: no log, so no 429 count. */
  readonly quiet: boolean;
}

/** More than any machine's file limit holds in one process; the bench checks the real limit before it starts. */
const MAX_MEMBERS = 1_000_000;

/** Parses argv (without node and the script); throws UsageError naming what is wrong. */
export function parseBigroomArgs(argv: readonly string[]): BigroomOptions | 'help' {
  const { values, switches } = parseFlags(argv, {
    values: [
      'members',
      'messages',
      'account-rps',
      'fault-rate',
      'inline-limit',
      'shard-size',
      'connect-rate',
      'per-process',
      'idle-timeout',
    ],
    switches: ['aws-like', 'quiet', 'count-429s', 'help'],
  });
  if (switches.has('help')) return 'help';
  const raw = values.get('members');
  if (raw === undefined) throw new UsageError('--members N is required: how many members the room has (see --help)');
  const integer = (flag: string, min: number, max: number, fallback?: number): number | undefined => {
    const value = values.get(flag);
    return value === undefined ? fallback : integerFlag(flag, value, min, max);
  };
  const faultRate = values.get('fault-rate');
  if (faultRate !== undefined) {
    try {
      parseFaultRates(faultRate);
    } catch (err: unknown) {
      throw new UsageError(`--fault-rate: ${err instanceof Error ? err.message : String(err)}`);
    }
  }
  if (switches.has('quiet') && switches.has('count-429s'))
    throw new UsageError('--quiet and --count-429s contradict each other: the 429s are counted from the log --quiet turns off');
  const limited = switches.has('aws-like') || values.has('account-rps') || faultRate !== undefined;
  return {
    members: integerFlag('members', raw, 2, MAX_MEMBERS),
    messages: integer('messages', 1, 1000, 10)!,
    awsLike: switches.has('aws-like'),
    accountRps: integer('account-rps', 1, 1_000_000),
    faultRate,
    inlineLimit: integer('inline-limit', 0, MAX_MEMBERS),
    shardSize: integer('shard-size', 1, MAX_MEMBERS),
    connectRate: integer('connect-rate', 1, 100_000, 400)!,
    perProcess: integer('per-process', 1, 100_000, 2500)!,
    idleTimeoutSeconds: integer('idle-timeout', 1, 3600, 20)!,
    // Without a quota or faults there are no 429s to count but a full client buffer's, and the log slows the emulator.
    quiet: switches.has('quiet') || (!switches.has('count-429s') && !limited),
  };
}

/** The emulator's own flags this run passes on, as a user would type them. */
export function emulatorFlags(o: BigroomOptions): string[] {
  return [
    ...(o.awsLike ? ['--aws-like'] : []),
    ...(o.accountRps !== undefined ? ['--account-rps', String(o.accountRps)] : []),
    ...(o.faultRate !== undefined ? ['--fault-rate', o.faultRate] : []),
  ];
}

/** The app's context (`-c K=V`) for this run: room size, and the sender's burst when K is above it. */
export function appContext(o: BigroomOptions): Record<string, string> {
  return {
    ...(o.members > ROOM_DEFAULTS.maxRoomMembers ? { [CONTEXT_KEYS.maxRoomMembers]: String(o.members) } : {}),
    // K messages a second from one connection, a warm-up round then the measured one: its room-message burst must take them all.
    ...(2 * o.messages > RATE_LIMIT_DEFAULTS.roomMessages.burst ? { [CONTEXT_KEYS.roomMessageBurst]: String(2 * o.messages) } : {}),
    // ...and every room message is a frame too (the app refuses a room-message burst above the frame burst).
    ...(2 * o.messages > RATE_LIMIT_DEFAULTS.frames.burst ? { [CONTEXT_KEYS.frameBurst]: String(2 * o.messages) } : {}),
    ...(o.inlineLimit !== undefined ? { [CONTEXT_KEYS.inlineFanoutLimit]: String(o.inlineLimit) } : {}),
    ...(o.shardSize !== undefined ? { [CONTEXT_KEYS.fanoutShardSize]: String(o.shardSize) } : {}),
  };
}

/** Member processes and how many members each holds: the sender is in the bench's own process. */
export function memberSplit(members: number, perProcess: number): number[] {
  const others = members - 1;
  const processes = Math.max(1, Math.ceil(others / perProcess));
  return Array.from({ length: processes }, (_, i) => Math.floor(others / processes) + (i < others % processes ? 1 : 0));
}
