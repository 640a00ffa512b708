/**
 * Manifests of the runs a query selects, read through the index (which picks and orders the
 * runs without reading every manifest).
 */
import type { RunManifest } from '../manifest/schema.js';
import { readRunManifest } from '../runs/read-runs.js';
import type { TrackerContext } from '../tracker-context.js';
import { queryRuns, type RunQuery } from './query-runs.js';

/**
 * The manifests a query selects, in its order.
 *
 * @example
 * loadRuns(ctx, { filter: parseFilter("tags.team = 'growth'"), limit: 10 });
 */
export function loadRuns(ctx: TrackerContext, query: RunQuery = {}): RunManifest[] {
  const { table, rows } = queryRuns(ctx, query);
  return rows.map((r) => readRunManifest(ctx, { id: table.id(r), tree: table.tree(r) }));
}
