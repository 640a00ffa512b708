/**
 * `which FILE`: the runs that produced a file and the runs that used it, by content hash.
 */
import { hashPath, type ContentHash } from '../artifacts/hash.js';
import type { TrackerContext } from '../tracker-context.js';
import { buildContentIndex, type ContentUse } from './content-index.js';

export interface WhichResult {
  hash: ContentHash;
  producedBy: ContentUse[];
  usedBy: ContentUse[];
}

/**
 * Hash `path` (file or directory) and look it up.
 *
 * @example
 * (await which(ctx, 'models/churn.pkl')).producedBy[0]?.run.id;
 */
export async function which(ctx: TrackerContext, path: string): Promise<WhichResult> {
  const hash = await hashPath(path, { stateDir: ctx.repo.stateDir, env: ctx.env });
  const uses = buildContentIndex(ctx).uses(hash.sha256);
  return { hash, producedBy: uses.filter((u) => u.as === 'artifact'), usedBy: uses.filter((u) => u.as === 'data') };
}
