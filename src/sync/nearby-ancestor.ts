/**
 * Ancestry answered without a process where it is cheap: a push usually sends a handful of
 * runs on top of the remote tip it last saw, so that tip is among the few nearest commits.
 */
import { NEARBY_COMMITS } from '../limits.js';
import type { TrackerContext } from '../tracker-context.js';

/**
 * Whether `target` is among the {@link NEARBY_COMMITS} commits nearest `from` (breadth first,
 * every parent). false means "not found nearby", not "not an ancestor": ask git then.
 *
 * @example
 * reachesNearby(ctx, localTip, remoteTip) || (await isAncestor(ctx.repo, ctx.env, remoteTip, localTip));
 */
export function reachesNearby(ctx: TrackerContext, from: string, target: string): boolean {
  const seen = new Set<string>();
  const queue = [from];
  while (queue.length > 0 && seen.size < NEARBY_COMMITS) {
    const oid = queue.shift()!;
    if (oid === target) return true;
    if (seen.has(oid) || !ctx.store.has(oid)) continue;
    seen.add(oid);
    queue.push(...ctx.store.readCommit(oid).parents);
  }
  return false;
}
