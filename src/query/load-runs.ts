/**
 * Manifests of the runs a query selects, read through the index (which picks and orders the
 * runs without reading every manifest), with tags added later (`git-track tag`) merged in.
 */
import type { RunManifest } from '../manifest/schema.js';
import { readRunManifest } from '../runs/read-runs.js';
import type { TrackerContext } from '../tracker-context.js';
import { queryRuns, type RunQuery } from './query-runs.js';
import { allTagRecords, withTags } from '../stages/read-stages.js';

/**
 * The manifests a query selects, in its order.
 *
 * @example
 * loadRuns(ctx, { filter: parseFilter("tags.team = 'growth'"), limit: 10 });
 */
export function loadRuns(ctx: TrackerContext, query: RunQuery = {}): RunManifest[] {
  const { table, rows } = queryRuns(ctx, query);
  const records = rows.length ? allTagRecords(ctx) : new Map();
  return rows.map((r) => withTags(readRunManifest(ctx, { id: table.id(r), tree: table.tree(r) }), records.get(table.id(r))));
}
