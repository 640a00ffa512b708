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

/**
 * A counting semaphore: at most `limit` holders at once, served in arrival order.
 *
 * @example
 * const release = await limiter.acquire();
 * try { await send(); } finally { release(); }
 */
export class Limiter {
  private active = 0;
  private readonly waiting: (() => void)[] = [];

  constructor(private readonly limit: number) {}

  /** Wait for a place; resolves with the function that gives it back. */
  async acquire(): Promise<() => void> {
    if (this.active >= this.limit) await new Promise<void>((resolvePromise) => this.waiting.push(resolvePromise));
    else this.active++;
    let released = false;
    return () => {
      if (released) return;
      released = true;
      const next = this.waiting.shift();
      if (next) next(); // the place passes straight to the next waiter
      else this.active--;
    };
  }
}
