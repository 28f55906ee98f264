/**
 * Fan-out benchmark, measured as a user would see it: the emulator started by its real CLI
 * (`switchboard-local --assembly DIR --port 0 --quiet`) in its own process, and a room's members
 * in a client process (bench/client.ts). Every member connects and joins through the protocol;
 * then one member sends `repeat` room messages, and each is timed from sending it to the last
 * other member receiving it.
 *
 *   npm run bench:fanout [-- --sizes 100,1000 --repeat 3 --cpu-prof DIR]
 *
 * The assembly is this app's cached synthesis (local/assembly-cache.ts, shared with the tests and
 * `npm start`); rooms above the default member limit synthesize it with that limit raised.
 * --cpu-prof DIR runs the emulator under `node --cpu-prof`; summarize the profile with
 * `npx tsx bench/cpu-profile.ts DIR`.
 */
import { mkdirSync } from 'node:fs';
import * as path from 'node:path';
import { ROOM_DEFAULTS } from '../lambda/core/config';
import { CONTEXT_KEYS } from '../lib/app-config';
import { cachedAssembly } from '../local/assembly-cache';
import { UsageError } from '../local/flags';
import type { FanoutJob, FanoutResult } from './client-protocol';
import { runClientProcess, startSwitchboardLocal, type ServerProcess } from './processes';
import { machine, markdownTable, numberArg, stringArg, summarize } from './support';

/** The target for a 1,000-member room, send to last member. */
const TARGET_1000_MS = 500;
/** Rooms larger than this take many seconds to join one by one. */
const MAX_BENCH_ROOM = 5_000;

async function main(): Promise<void> {
  const sizes = (stringArg('sizes') ?? '100,1000').split(',').map((s) => {
    const n = Number(s);
    if (!Number.isInteger(n) || n < 2 || n > MAX_BENCH_ROOM)
      throw new UsageError(`--sizes takes room sizes from 2 to ${MAX_BENCH_ROOM}; got "${s}".`);
    return n;
  });
  const repeat = numberArg('repeat', 3, 1);
  const profileDir = stringArg('cpu-prof');
  if (profileDir) mkdirSync(profileDir, { recursive: true });
  const largest = Math.max(...sizes);
  const context = largest > ROOM_DEFAULTS.maxRoomMembers ? { [CONTEXT_KEYS.maxRoomMembers]: String(largest) } : undefined;
  const assembly = await cachedAssembly({ cwd: process.cwd(), context, log: (line) => console.error(line) });

  const rows: string[][] = [];
  let emulator: ServerProcess | undefined;
  try {
    emulator = await startSwitchboardLocal(assembly.dir, profileDir ? ['--cpu-prof', '--cpu-prof-dir', path.resolve(profileDir)] : []);
    for (const size of sizes) {
      const job: FanoutJob = { mode: 'fanout', url: emulator.url, room: `bench-${size}`, size, repeat };
      const result = await runClientProcess<FanoutResult>(job);
      rows.push([
        String(size),
        String(result.delivered[0]),
        result.joinSeconds.toFixed(1),
        summarize([...result.lastArrivalMs]).p50.toFixed(0),
        result.lastArrivalMs.map((t) => t.toFixed(0)).join(' / '),
      ]);
    }
  } finally {
    await emulator?.stop();
  }

  console.log(`Fan-out: one room message, send to last member; ${repeat} broadcasts per room; members joined through the protocol;`);
  console.log(`switchboard-local and the members each in their own process; ${machine()}\n`);
  console.log(
    markdownTable(['members', 'delivered', 'connect + join all, s', 'send to last member, median ms', 'each broadcast ms'], rows),
  );
  const thousand = rows.find((r) => r[0] === '1000');
  if (thousand) {
    const met = Number(thousand[3]) < TARGET_1000_MS;
    console.log(`\n1,000 members: ${thousand[3]} ms at the median (target < ${TARGET_1000_MS} ms: ${met ? 'met' : 'not met'})`);
  }
}

main().catch((err: unknown) => {
  console.error(err instanceof UsageError ? err.message : err);
  process.exit(err instanceof UsageError ? 2 : 1);
});
