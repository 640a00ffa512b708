/**
 * Manifests of the runs a query selects, read through the index (which picks and orders the
 * runs without reading every manifest), with tags added later (`git-track tag`) merged in and
 * the name of the last rename.
 */
import type { RunManifest } from '../manifest/schema.js';
import { isGitTrackError } from '../errors.js';
import { readRunManifest, type RunEntry } from '../runs/read-runs.js';
import { skipMessage } from './skipped-runs.js';
import type { TrackerContext } from '../tracker-context.js';
import { queryRuns, type RunQuery } from './query-runs.js';
import { allTagRecords, withTags } from '../stages/read-stages.js';
import { runFacts, withFacts, type RunFacts } from '../facts/read-facts.js';

/**
 * The manifests a query selects, in its order.
 *
 * @example
 * loadRuns(ctx, { filter: parseFilter("tags.team = 'growth'"), limit: 10 });
 */
export function loadRuns(ctx: TrackerContext, query: RunQuery = {}): RunManifest[] {
  const { table, rows } = queryRuns(ctx, query);
  const records = rows.length ? allTagRecords(ctx) : new Map();
  const facts = rows.length ? runFacts(ctx) : new Map<string, RunFacts>();
  return readListedManifests(ctx, rows.map((r) => ({ id: table.id(r), tree: table.tree(r) }))).map((m) => withFacts(withTags(m, records.get(m.id)), facts.get(m.id)));
}

/**
 * The manifests of listed runs; one that the full validation refuses (the index reads
 * manifests without it) is left out with a warning naming it, instead of failing the listing.
 *
 * @example
 * readListedManifests(ctx, rows.map((r) => ({ id: table.id(r), tree: table.tree(r) })));
 */
export function readListedManifests(ctx: TrackerContext, entries: readonly RunEntry[]): RunManifest[] {
  return entries.flatMap((e) => {
    try {
      return [readRunManifest(ctx, e)];
    } catch (err) {
      // A missing object of the run's own (see readManifestText) counts against that run only.
      if (!isGitTrackError(err, 'INVALID_MANIFEST') && !(isGitTrackError(err, 'OBJECT_NOT_FOUND') && err.data.id === e.id)) throw err;
      ctx.env.warn(skipMessage(e.id, err.message));
      return [];
    }
  });
}
