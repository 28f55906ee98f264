/**
 * Runs `worker` over `items` with at most `limit` in flight, never an
 * unbounded Promise.all. Errors are the worker's to handle: a rejection here
 * stops the run and is rethrown.
 */
export async function forEachWithConcurrency<T>(items: readonly T[], limit: number, worker: (item: T) => Promise<void>): Promise<void> {
  if (!Number.isInteger(limit) || limit < 1) throw new Error(`Concurrency limit must be a positive integer; got ${limit}.`);
  let next = 0;
  const lanes = Array.from({ length: Math.min(limit, items.length) }, async () => {
    while (next < items.length) {
      const item = items[next++];
      await worker(item);
    }
  });
  await Promise.all(lanes);
}
