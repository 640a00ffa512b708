/**
 * Gathering the runs of `git-track compare`: named ones first, then those a filter selects.
 */
import { compareRuns, type Comparison } from '../compare/compare-runs.js';
import type { DirectionOptions } from '../compare/direction.js';
import { GitTrackError } from '../errors.js';
import type { Expr } from '../query/ast.js';
import { loadRuns } from '../query/load-runs.js';
import type { SortKey } from '../query/sort.js';
import type { TrackerContext } from '../tracker-context.js';
import { resolveRun } from './resolve-run.js';

/**
 * Compare the runs `refs` name and those `filter` selects (each run once, in that order).
 *
 * @example
 * compareRefs(ctx, ['baseline', 'latest'], {}, { all: true }).rows;
 */
export function compareRefs(
  ctx: TrackerContext,
  refs: string[],
  select: { filter?: Expr; sort?: SortKey[]; limit?: number },
  options: DirectionOptions & { all?: boolean } = {},
): Comparison {
  const runs = refs.map((r) => resolveRun(ctx, r).manifest);
  if (select.filter) {
    const seen = new Set(runs.map((r) => r.id));
    for (const m of loadRuns(ctx, select)) if (!seen.has(m.id)) runs.push(m);
  }
  if (runs.length === 0) throw new GitTrackError('RUN_NOT_FOUND', 'no runs to compare (name runs or give a --filter that matches some)');
  return compareRuns(runs, options);
}
