/**
 * The parent a new run is nested under: any run reference (id, prefix, name, `latest`, …) that
 * names a recorded run, or the full id of a run still in progress in this repository (a
 * sweep's parent, a `git-track run` process), which is recorded only after its children.
 */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { GitTrackError, isGitTrackError } from '../errors.js';
import { CLAIM_SUFFIX, stagingRoot } from '../capture/staging.js';
import type { TrackerContext } from '../tracker-context.js';
import { RUN_ID_PATTERN } from './layout.js';
import { resolveRun } from './resolve-run.js';

/**
 * The id of the parent run `ref` names. Throws `RUN_NOT_FOUND` saying it is the parent that
 * is missing.
 *
 * @example
 * resolveParent(ctx, 'sweep-lr');     // '3f9a21c0b7d4'
 * resolveParent(ctx, '3f9a21c0b7d4'); // also while that run is still running here
 */
export function resolveParent(ctx: TrackerContext, ref: string): string {
  if (RUN_ID_PATTERN.test(ref) && isStaged(ctx, ref)) return ref;
  try {
    return resolveRun(ctx, ref).manifest.id;
  } catch (err) {
    if (!isGitTrackError(err, 'RUN_NOT_FOUND')) throw err;
    throw new GitTrackError('RUN_NOT_FOUND', `parent run not found: ${err.message}`, { ...err.data, parent: true });
  }
}

function isStaged(ctx: TrackerContext, id: string): boolean {
  const dir = join(stagingRoot(ctx.repo), id);
  return existsSync(dir) || existsSync(`${dir}${CLAIM_SUFFIX}`);
}
