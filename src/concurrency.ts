/**
 * Runs `work` over `items` with at most `limit` calls in flight, starting them in input order. Every item
 * is worked on whatever the others do: a rejection (or a synchronous throw) is recorded as that item's
 * result, never passed on. The results are in input order, settled like Promise.allSettled's.
 */
export async function mapSettled<T, R>(items: readonly T[], limit: number, work: (item: T, index: number) => Promise<R>): Promise<PromiseSettledResult<R>[]> {
  if (!Number.isInteger(limit) || limit < 1) throw new RangeError(`the concurrency limit must be a whole number of at least 1, not ${limit}`);
  const results: PromiseSettledResult<R>[] = new Array(items.length);
  let next = 0;
  // Each runner takes the next item when its last one settles; JavaScript runs the take without interruption.
  const runner = async () => {
    while (next < items.length) {
      const index = next++;
      try {
        results[index] = { status: 'fulfilled', value: await work(items[index] as T, index) };
      } catch (reason) {
        results[index] = { status: 'rejected', reason };
      }
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, runner));
  return results;
}
