/**
 * The runs nested under a run (its `parent`), read from the query index without loading
 * their manifests.
 */
import type { Field } from '../query/ast.js';
import { queryRuns } from '../query/query-runs.js';
import type { TrackerContext } from '../tracker-context.js';

export interface ChildRun {
  id: string;
  name?: string;
  status: string;
  created: string;
  archived: boolean;
}

const field = (name: string): Field => ({ scope: 'attr', name });

/**
 * Children of run `id`, oldest first (archived ones too, marked).
 *
 * @example
 * childRuns(ctx, sweepId).map((c) => c.status); // ['finished', 'failed', …]
 */
export function childRuns(ctx: TrackerContext, id: string): ChildRun[] {
  const { rows, get } = queryRuns(ctx, {
    filter: { kind: 'compare', field: field('parent'), op: '=', value: { type: 'string', value: id } },
    sort: [
      { field: field('created'), descending: false },
      { field: field('id'), descending: false },
    ],
  });
  return rows.map((r) => {
    const name = get(r, field('name'));
    return {
      id: get(r, field('id')) as string,
      ...(typeof name === 'string' ? { name } : {}),
      status: String(get(r, field('status'))),
      created: String(get(r, field('created'))),
      archived: get(r, field('archived')) === true,
    };
  });
}
