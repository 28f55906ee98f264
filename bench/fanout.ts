/**
 * Fan-out benchmark, measured as a user would see it: the emulator started by its real CLI
 * (`switchboard-local --assembly DIR --port 0 --quiet`) in its own process, and a room's members
 * in a client process (bench/client.ts). Every member connects and joins through the protocol;
 * then one member sends `warm-up` room messages (checked, not timed), then `repeat` more, each
 * timed from sending it to the last other member receiving it. The sender's room-message limit
 * (a burst of 20 by default) bounds warm-up + repeat. Each room is measured twice: on the emulator
 * as it runs by default (no quotas, `@connections` answered at once), and under `--aws-like`
 * (AWS's account request quota, a `@connections` call of 10-30 ms, Lambda's concurrency): what the
 * same broadcast is likely to take on AWS.
 *
 *   npm run bench:fanout [-- --sizes 100,1000 --limits local,aws-like --warm-up 3 --repeat 5 --cpu-prof DIR]
 *
 * The assembly is this app's cached synthesis (local/assembly/cache.ts, shared with the tests and
 * `npm start`); rooms above the default member limit synthesize it with that limit raised.
 * --cpu-prof DIR runs the emulator under `node --cpu-prof`; summarize the profile with
 * `npx tsx bench/cpu-profile.ts DIR`.
 */
import { mkdirSync } from 'node:fs';
import * as path from 'node:path';
import { CONTEXT_KEYS, RATE_LIMIT_DEFAULTS, ROOM_DEFAULTS } from '../contract';
import { cachedAssembly } from '../local/assembly/cache';
import { UsageError } from '../cli-kit/flags';
import type { FanoutJob, FanoutResult } from './client-protocol';
import { runClientProcess, startSwitchboardLocal, type ServerProcess } from './processes';
import { machine, markdownTable, unsupportedNodeNote, numberArg, stringArg, summarize } from './support';

/** Switchboard's target for a 1,000-member room, send to last member, on a warm emulator. */
const TARGET_1000_MS = 500;
/** Rooms larger than this take many seconds to join one by one. */
const MAX_BENCH_ROOM = 5_000;
/** The emulator's limits a row runs under: none (its default), or AWS's (`--aws-like`). */
const LIMITS: Readonly<Record<string, readonly string[]>> = { local: [], 'aws-like': ['--aws-like'] };

async function main(): Promise<void> {
  const nodeNote = unsupportedNodeNote();
  if (nodeNote) console.error(nodeNote);
  const sizes = (stringArg('sizes') ?? '100,1000').split(',').map((s) => {
    const n = Number(s);
    if (!Number.isInteger(n) || n < 2 || n > MAX_BENCH_ROOM)
      throw new UsageError(`--sizes takes room sizes from 2 to ${MAX_BENCH_ROOM}; got "${s}".`);
    return n;
  });
  const repeat = numberArg('repeat', 5, 1);
  const warmUp = numberArg('warm-up', 3, 0);
  if (warmUp + repeat > RATE_LIMIT_DEFAULTS.roomMessages.burst) {
    throw new UsageError(
      `--warm-up + --repeat is ${warmUp + repeat}; the sender's room-message burst is ${RATE_LIMIT_DEFAULTS.roomMessages.burst}, so keep it at most that.`,
    );
  }
  const limits = (stringArg('limits') ?? 'local,aws-like').split(',').map((name) => {
    if (!Object.hasOwn(LIMITS, name))
      throw new UsageError(`--limits takes ${Object.keys(LIMITS).join(' and/or ')}, comma-separated; got "${name}".`);
    return name;
  });
  const profileDir = stringArg('cpu-prof');
  const largest = Math.max(...sizes);
  const sizeContext: Record<string, string> =
    largest > ROOM_DEFAULTS.maxRoomMembers ? { [CONTEXT_KEYS.maxRoomMembers]: String(largest) } : {};
  // History is on by default (each room message: a counter update and a history write before the
  // fan-out); the largest room runs again with it off, to show what it costs.
  const variants = [
    ...limits.map((limit) => ({ history: 'on', limits: limit, context: sizeContext, sizes })),
    { history: 'off', limits: limits[0], context: { ...sizeContext, [CONTEXT_KEYS.historyLimit]: '0' }, sizes: [largest] },
  ];

  const rows: string[][] = [];
  for (const variant of variants) {
    const assembly = await cachedAssembly({ cwd: process.cwd(), context: variant.context, log: (line) => console.error(line) });
    let emulator: ServerProcess | undefined;
    try {
      const variantProfileDir = profileDir && path.resolve(profileDir, `history-${variant.history}-${variant.limits}`);
      if (variantProfileDir) mkdirSync(variantProfileDir, { recursive: true });
      const profile = variantProfileDir ? ['--cpu-prof', '--cpu-prof-dir', variantProfileDir] : [];
      emulator = await startSwitchboardLocal(assembly.dir, profile, [...LIMITS[variant.limits]]);
      for (const size of variant.sizes) {
        const job: FanoutJob = { mode: 'fanout', url: emulator.url, room: `bench-${size}`, size, warmUp, repeat };
        const result = await runClientProcess<FanoutResult>(job);
        rows.push([
          String(size),
          variant.history,
          variant.limits,
          String(result.delivered[0]),
          result.joinSeconds.toFixed(1),
          summarize([...result.lastArrivalMs]).p50.toFixed(0),
          result.lastArrivalMs.map((t) => t.toFixed(0)).join(' / '),
        ]);
      }
    } finally {
      await emulator?.stop();
    }
  }

  console.log(
    `Fan-out: one room message, send to last member; ${warmUp} warm-up then ${repeat} timed broadcasts per room; members joined through the protocol;`,
  );
  console.log(`switchboard-local and the members each in their own process; ${machine()}\n`);
  console.log(
    markdownTable(
      ['members', 'history', 'limits', 'delivered', 'connect + join all, s', 'send to last member, median ms', 'each broadcast ms'],
      rows,
    ),
  );
  // The target is the emulator's own speed: the row without AWS's limits.
  const thousand = rows.find((r) => r[0] === '1000' && r[1] === 'on' && r[2] === 'local');
  if (thousand) {
    const met = Number(thousand[5]) < TARGET_1000_MS;
    console.log(`\n1,000 members, history on: ${thousand[5]} ms at the median (target < ${TARGET_1000_MS} ms: ${met ? 'met' : 'not met'})`);
  }
  const awsLike = rows.find((r) => r[0] === '1000' && r[1] === 'on' && r[2] === 'aws-like');
  if (awsLike) console.log(`1,000 members, history on, --aws-like: ${awsLike[5]} ms at the median`);
}

main().catch((err: unknown) => {
  console.error(err instanceof UsageError ? err.message : err);
  process.exit(err instanceof UsageError ? 2 : 1);
});
