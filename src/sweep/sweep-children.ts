/**
 * A sweep's children and its best one. Children are the runs whose `parent` is the sweep.
 */
import { GitTrackError } from '../errors.js';
import { metricDirection } from '../compare/direction.js';
import type { RunManifest } from '../manifest/schema.js';
import { loadRuns } from '../query/load-runs.js';
import type { TrackerContext } from '../tracker-context.js';

export type Goal = 'min' | 'max';

/**
 * The children of run `id`, oldest first, archived ones too.
 *
 * @example
 * sweepChildren(ctx, '3f9a21c0b7d4').map((r) => r.name); // ['depth=4,lr=0.1', …]
 */
export function sweepChildren(ctx: TrackerContext, id: string): RunManifest[] {
  return loadRuns(ctx, {
    filter: { kind: 'compare', field: { scope: 'attr', name: 'parent' }, op: '=', value: { type: 'string', value: id } },
    sort: [
      { field: { scope: 'attr', name: 'created' }, descending: false },
      { field: { scope: 'attr', name: 'id' }, descending: false },
    ],
  });
}

/**
 * The goal of `metric`: the one given, else the direction its name implies (`loss` min,
 * `accuracy` max). Throws USAGE when neither says.
 *
 * @example
 * goalFor('val.loss');      // 'min'
 * goalFor('speed', 'max');  // 'max'
 */
export function goalFor(metric: string, goal?: Goal): Goal {
  if (goal) return goal;
  const direction = metricDirection(metric);
  if (!direction) throw new GitTrackError('USAGE', `--metric ${metric}: say whether lower or higher is better with --goal min or --goal max`, { metric });
  return direction === 'higher' ? 'max' : 'min';
}

/**
 * The finished child with the best value of `metric` (the earliest on a tie), if any has it.
 *
 * @example
 * bestChild(children, 'f1', 'max')?.id;
 */
export function bestChild(children: RunManifest[], metric: string, goal: Goal): RunManifest | undefined {
  let best: RunManifest | undefined;
  for (const c of children) {
    const v = c.metrics[metric];
    if (c.status !== 'finished' || v === undefined) continue;
    const b = best?.metrics[metric];
    if (b === undefined || (goal === 'max' ? v > b : v < b)) best = c;
  }
  return best;
}
