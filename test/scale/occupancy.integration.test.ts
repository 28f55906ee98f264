import { ROOM_DEFAULTS } from '../../contract/defaults';
import type { Emulator } from '../../local/emulator';
import { connect, type TestClient } from '../local/helpers';
import { authenticatedUrl, recorder, request, start, waitUntil } from './support';

/**
 * The app as `cdk synth` builds it, in the emulator: a room that grows past `presenceLimit` (100)
 * stops sending a `presence` event per join, and its members get `occupancy` counts instead, at
 * most once a second. Real ws clients, dynalite.
 */
jest.setTimeout(120_000);

let emu: Emulator;
afterAll(() => emu?.stop());

let users = 0;

/** Opens `count` members of `room`, each a user of its own (presence is per user), 20 at a time. */
async function openMembers(room: string, count: number): Promise<TestClient[]> {
  const opened: TestClient[] = [];
  for (let i = 0; i < count; i += 20) {
    const urls = await Promise.all(Array.from({ length: Math.min(20, count - i) }, () => authenticatedUrl(emu, `fan-${users++}`)));
    const batch = await Promise.all(urls.map((url) => connect(url)));
    await Promise.all(batch.map(async (m) => expect(await request(m, { action: 'join', room })).toMatchObject({ event: 'joined', room })));
    opened.push(...batch);
  }
  return opened;
}

it(`switches a room from presence events to occupancy counts once it has more than ${ROOM_DEFAULTS.presenceLimit} members`, async () => {
  ({ emu } = await start());
  const room = 'stadium';
  const [first, ...early] = await openMembers(room, ROOM_DEFAULTS.presenceLimit);
  const frames = recorder(first);
  // WHEN 20 more join: the room has 101 to 120 members as they do
  const late = await openMembers(room, 20);
  const events = () => frames.map((f) => JSON.parse(f) as { event: string; members?: number });
  await waitUntil(() => events().some((e) => e.event === 'occupancy'), { timeoutMs: 30_000, returnOnTimeout: true });
  // AND, once the second is over (occupancy goes out at most once a second), one more
  await new Promise((resolve) => setTimeout(resolve, 1100));
  const last = await openMembers(room, 1);
  await waitUntil(() => events().some((e) => e.event === 'occupancy' && e.members === 121), { timeoutMs: 30_000, returnOnTimeout: true });
  // THEN the first member saw no presence event for any of them, and occupancy counts of the room as it grew, the last 121
  const seen = events();
  expect(seen.filter((e) => e.event === 'presence')).toEqual([]);
  const counts = seen.filter((e) => e.event === 'occupancy').map((e) => e.members);
  expect(counts.slice(0, -1).every((n) => n !== undefined && n > ROOM_DEFAULTS.presenceLimit && n <= 120)).toBe(true);
  expect(counts.at(-1)).toBe(121);
  // 21 joins in two bursts a second apart: one count per second, not one per join
  expect(counts.length).toBeLessThanOrEqual(4);
  for (const m of [first, ...early, ...late, ...last]) m.ws.close();
});
