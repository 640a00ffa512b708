/**
 * After a fresh clone the local `runs` does not exist yet while origin has one: read commands
 * say how to get the runs instead of showing an empty list.
 */
import { readRef } from '../git/refs.js';
import { RUNS_REF } from '../runs/layout.js';
import type { TrackerContext } from '../tracker-context.js';

/**
 * Print the one-line hint to stderr, unless the local branch exists or origin has no runs.
 *
 * @example
 * showRemoteRunsHint(cli.tracker()); // stderr: 'hint: runs exist on origin: run git-track pull'
 */
export function showRemoteRunsHint(ctx: TrackerContext): void {
  if (readRef(ctx.repo.commonDir, RUNS_REF)) return;
  if (readRef(ctx.repo.commonDir, 'refs/remotes/origin/runs')) process.stderr.write('hint: runs exist on origin: run git-track pull\n');
}
