/**
 * The sha256 → runs lookup behind `which` and `lineage`. For now it scans every manifest;
 * this is the one function to switch to the query index once that exists.
 */
import { hashedData } from '../manifest/hashed-data.js';
import type { RunManifest } from '../manifest/schema.js';
import { loadAllRuns } from '../runs/read-runs.js';
import type { TrackerContext } from '../tracker-context.js';

export interface ContentUse {
  run: RunManifest;
  /** How the run used the content. */
  as: 'artifact' | 'data';
  path: string;
  role?: string;
}

export interface ContentIndex {
  runs: RunManifest[];
  /** Every use of a content hash, newest run first. */
  uses(sha256: string): ContentUse[];
}

/**
 * Build the lookup over every run on the branch.
 *
 * @example
 * buildContentIndex(ctx).uses(sha).filter((u) => u.as === 'artifact'); // producers
 */
export function buildContentIndex(ctx: TrackerContext): ContentIndex {
  const runs = loadAllRuns(ctx);
  const bySha = new Map<string, ContentUse[]>();
  const add = (sha: string, use: ContentUse) => bySha.set(sha, [...(bySha.get(sha) ?? []), use]);
  for (const run of runs) {
    for (const a of run.artifacts) if (a.sha256) add(a.sha256, { run, as: 'artifact', path: a.path, ...(a.role ? { role: a.role } : {}) });
    for (const d of hashedData(run.data)) add(d.sha256, { run, as: 'data', path: d.path });
  }
  return { runs, uses: (sha) => bySha.get(sha) ?? [] };
}
