/**
 * At most `limit` calls of `fn` in flight: each runner takes the next item as soon as its call
 * ends, so a slow item holds up one runner, not a batch. `stop` is asked before each item is
 * taken (an aborted run takes no more). Rejects with the first error, as Promise.all does.
 */
export async function forEachLimit<T>(items: readonly T[], limit: number, fn: (item: T, index: number) => Promise<void>, stop?: () => boolean): Promise<void> {
  let next = 0;
  const runner = async (): Promise<void> => {
    while (next < items.length && stop?.() !== true) {
      const index = next++;
      await fn(items[index]!, index);
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, runner));
}

/** `fn` of every item, at most `limit` at once, the results in the items' order. */
export async function mapLimit<T, R>(items: readonly T[], limit: number, fn: (item: T) => Promise<R>): Promise<R[]> {
  const results = new Array<R>(items.length);
  await forEachLimit(items, limit, async (item, index) => {
    results[index] = await fn(item);
  });
  return results;
}
