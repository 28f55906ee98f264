import { forEachWithConcurrency } from '../../lambda/core/concurrency';
import { governorLimit, PostGovernor, SharedPostBucket } from '../../lambda/core/post-governor';
import { maxAllowed } from '../../protocol/token-bucket';
import { startDynaliteTable, type DynaliteTable } from '../support/dynalite-table';

/**
 * The fan-out workers' rate governor against dynalite: workers in different environments, each
 * with its own PostGovernor, share one bucket in the table, so together they never post above
 * `fanoutPostsPerSecond`, and one worker alone may use all of it.
 */
let table: DynaliteTable;
beforeAll(async () => {
  table = await startDynaliteTable('post-governor-test');
});
afterAll(() => table.stop());

describe('the shared post governor', () => {
  it('holds four workers posting at once to the rate together, and lets one worker alone use the whole rate', async () => {
    let now = 1_700_000_000_000;
    const { limit, chunk } = governorLimit(1000);
    expect(limit).toEqual({ perSecond: 1000, burst: 100 });
    const bucket = new SharedPostBucket(table.db, table.tableName, limit, { now: () => now });
    // Time moves only when a worker waits: what each take got is what the bucket allowed by then.
    const sleep = (ms: number) => {
      now += ms;
      return Promise.resolve();
    };
    const workers = Array.from({ length: 4 }, () => new PostGovernor(bucket, chunk, sleep));
    const start = now;
    let posts = 0;
    await forEachWithConcurrency(
      Array.from({ length: 1200 }, (_, i) => i),
      32,
      async (i) => {
        await workers[i % 4].take();
        posts++;
      },
    );
    expect(posts).toBe(1200);
    // 1,200 posts at 1,000 a second with a burst of 100: at least 1.1 s had to pass.
    expect(posts).toBeLessThanOrEqual(maxAllowed(limit, now - start));
    expect(now - start).toBeGreaterThanOrEqual(1100);

    // One worker alone: 1,000 more posts take about a second, not four (no static share).
    const alone = new PostGovernor(bucket, chunk, sleep);
    const from = now;
    for (let i = 0; i < 1000; i++) await alone.take();
    expect(now - from).toBeGreaterThanOrEqual(900);
    expect(now - from).toBeLessThan(1300);
  });
});
