/**
 * After a fresh clone the local `runs` does not exist yet while origin has one: read commands
 * say how to get the runs instead of showing an empty list.
 */
import { readRef } from '../git/refs.js';
import { RUNS_REF } from '../runs/layout.js';
import type { TrackerContext } from '../tracker-context.js';

/**
 * The one-line hint, or null when the local branch exists or origin has no runs.
 *
 * @example
 * remoteRunsHint(ctx); // 'runs exist on origin: run git-track pull'
 */
export function remoteRunsHint(ctx: TrackerContext): string | null {
  if (readRef(ctx.repo.commonDir, RUNS_REF)) return null;
  return readRef(ctx.repo.commonDir, 'refs/remotes/origin/runs') ? 'runs exist on origin: run git-track pull' : null;
}
