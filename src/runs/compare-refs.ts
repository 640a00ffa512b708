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
 * Compare the runs `refs` name, then the children of `select.children` (oldest first unless
 * sorted) and those `filter` selects (each run once, in that order). Runs that are selected,
 * not named, leave archived ones out unless `all`.
 *
 * @example
 * compareRefs(ctx, ['baseline', 'latest'], {}, { all: true }).rows;
 * compareRefs(ctx, [], { children: 'sweep-lr' });
 */
export function compareRefs(
  ctx: TrackerContext,
  refs: string[],
  select: { filter?: Expr; sort?: SortKey[]; limit?: number; children?: string },
  options: DirectionOptions & { all?: boolean } = {},
): Comparison {
  const runs = refs.map((r) => resolveRun(ctx, r).manifest);
  let filter = select.filter;
  let sort = select.sort;
  if (select.children !== undefined) {
    const parent = resolveRun(ctx, select.children).manifest.id;
    const children: Expr = { kind: 'compare', field: { scope: 'attr', name: 'parent' }, op: '=', value: { type: 'string', value: parent } };
    filter = filter ? { kind: 'and', left: children, right: filter } : children;
    sort ??= [{ field: { scope: 'attr', name: 'created' }, descending: false }];
  }
  if (filter) {
    if (!options.all) filter = { kind: 'and', left: filter, right: NOT_ARCHIVED };
    const seen = new Set(runs.map((r) => r.id));
    for (const m of loadRuns(ctx, { ...select, filter, sort })) if (!seen.has(m.id)) runs.push(m);
  }
  if (runs.length === 0) {
    const what = select.children !== undefined ? `'${select.children}' has no children${options.all ? '' : ' that are not archived'}` : 'name runs or give a --filter that matches some';
    throw new GitTrackError('RUN_NOT_FOUND', `no runs to compare (${what})`);
  }
  return compareRuns(runs, options);
}

const NOT_ARCHIVED: Expr = { kind: 'not', expr: { kind: 'compare', field: { scope: 'attr', name: 'archived' }, op: '=', value: { type: 'boolean', value: true } } };
