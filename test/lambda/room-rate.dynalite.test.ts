import { RoomLayouts } from '../../lambda/core/room-layout';
import { RoomRateLimiter, roomRateLimit } from '../../lambda/core/room-rate-limiter';
import { forEachWithConcurrency } from '../../lambda/core/concurrency';
import { maxAllowed } from '../../protocol/token-bucket';
import { startDynaliteTable, type DynaliteTable } from '../support/dynalite-table';

/** The per-room message limit on the room's FANOUT# row, against dynalite: exact under concurrency, off where rooms fan out inline. */
let table: DynaliteTable;
beforeAll(async () => {
  table = await startDynaliteTable('room-rate-test');
});
afterAll(() => table.stop());

describe('RoomRateLimiter', () => {
  it('lets a queued room take its burst and rate from many senders at once, and refuses the rest with a retry time', async () => {
    let now = 1_700_000_000_000;
    const limit = roomRateLimit(5);
    const limiter = new RoomRateLimiter(
      new RoomLayouts(table.db, table.tableName),
      { inlineFanoutLimit: 0, fanoutShardSize: 100 },
      limit,
      () => now,
    );
    const outcomes: boolean[] = [];
    // 40 senders, 8 at a time, while 2 s pass: each compare-and-set that loses reads again.
    await forEachWithConcurrency(
      Array.from({ length: 40 }, (_, i) => i),
      8,
      async () => {
        const outcome = await limiter.take('queued-room');
        outcomes.push(outcome.allowed);
        if (!outcome.allowed) expect(outcome.retryAfterMs).toBeGreaterThan(0);
        now += 50;
      },
    );
    const allowed = outcomes.filter(Boolean).length;
    expect(allowed).toBeLessThanOrEqual(maxAllowed(limit, 40 * 50));
    // Lost races are refused after 3 tries, so a few may be refused below the bound; most are allowed.
    expect(allowed).toBeGreaterThanOrEqual(limit.burst);
    expect(outcomes.filter((o) => !o).length).toBeGreaterThan(0);
  });

  it('never limits a room that fans out inline', async () => {
    const limiter = new RoomRateLimiter(
      new RoomLayouts(table.db, table.tableName),
      { inlineFanoutLimit: 1000, fanoutShardSize: 1000 },
      roomRateLimit(1),
      () => 0,
    );
    for (let i = 0; i < 10; i++) await expect(limiter.take('small-room')).resolves.toEqual({ allowed: true });
  });
});
