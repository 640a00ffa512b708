/**
 * A bounded pool: `fn` over `items` with at most `limit` running at once. The first failure
 * stops new work from starting and is thrown once the running ones have settled, so no
 * request is left running behind an error.
 *
 * @example
 * await forEachLimited(objects, 4, (o) => upload(o));
 */
export async function forEachLimited<T>(items: readonly T[], limit: number, fn: (item: T, index: number) => Promise<void>): Promise<void> {
  let next = 0;
  let failure: { err: unknown } | null = null;
  const worker = async () => {
    while (failure === null && next < items.length) {
      const i = next++;
      try {
        await fn(items[i]!, i);
      } catch (err) {
        failure ??= { err };
      }
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
  if (failure) throw (failure as { err: unknown }).err;
}
