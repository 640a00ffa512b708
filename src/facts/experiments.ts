/**
 * The experiments overview: each experiment with its number of runs, its last activity and
 * its best run by a chosen metric, from the query index (no manifest is read).
 */
import type { Field } from '../query/ast.js';
import { queryRuns } from '../query/query-runs.js';
import type { TrackerContext } from '../tracker-context.js';

export interface ExperimentSummary {
  /** null for runs without an experiment. */
  experiment: string | null;
  runs: number;
  /** `created` of its newest run. */
  last: string;
  /** The finished run with the best value of the metric, when one has it. */
  best?: { id: string; name?: string; value: number };
}

const attr = (name: string): Field => ({ scope: 'attr', name });

/**
 * Experiments, most recently active first. Archived runs count only with `all`.
 *
 * @example
 * experiments(ctx, { metric: 'f1', goal: 'max' })[0]; // { experiment: 'churn', runs: 12, last: '…', best: { id, value: 0.87 } }
 */
export function experiments(ctx: TrackerContext, options: { metric?: string; goal?: 'min' | 'max'; all?: boolean } = {}): ExperimentSummary[] {
  const archivedField = attr('archived');
  const { rows, get } = queryRuns(ctx, {
    ...(options.all ? {} : { filter: { kind: 'not', expr: { kind: 'compare', field: archivedField, op: '=', value: { type: 'boolean', value: true } } } }),
  });
  const metric: Field | undefined = options.metric ? { scope: 'metrics', name: options.metric } : undefined;
  const byName = new Map<string | null, ExperimentSummary>();
  for (const r of rows) {
    const e = get(r, attr('experiment'));
    const key = typeof e === 'string' ? e : null;
    const created = String(get(r, attr('created')));
    let s = byName.get(key);
    if (!s) byName.set(key, (s = { experiment: key, runs: 0, last: created }));
    s.runs++;
    // Times are recorded to the second or the millisecond: compare them as times, not text.
    if (Date.parse(created) > Date.parse(s.last)) s.last = created;
    if (!metric || get(r, attr('status')) !== 'finished') continue;
    const v = get(r, metric);
    if (typeof v !== 'number') continue;
    if (!s.best || (options.goal === 'min' ? v < s.best.value : v > s.best.value)) {
      const name = get(r, attr('name'));
      s.best = { id: get(r, attr('id')) as string, ...(typeof name === 'string' ? { name } : {}), value: v };
    }
  }
  return [...byName.values()].sort((a, b) => Date.parse(b.last) - Date.parse(a.last));
}
