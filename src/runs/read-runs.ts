/**
 * Reading runs from the `runs` branch.
 */
import { GitTrackError } from '../errors.js';
import { decodeManifest } from '../manifest/codec.js';
import type { RunManifest } from '../manifest/schema.js';
import { readRef } from '../git/refs.js';
import { loadRuns } from '../query/load-runs.js';
import type { TrackerContext } from '../tracker-context.js';
import { MANIFEST_FILE, RUN_ID_PATTERN, RUNS_DIR, RUNS_REF } from './layout.js';

export interface RunEntry {
  id: string;
  /** Tree id of the run directory. */
  tree: string;
}

/**
 * The current tip of `runs`, or null when the branch does not exist yet.
 *
 * @example
 * runsTip(ctx); // '9fceb02…'
 */
export function runsTip(ctx: TrackerContext): string | null {
  return readRef(ctx.repo.commonDir, RUNS_REF);
}

/**
 * Every run directory on the branch at `tip` (no manifest is read).
 *
 * @example
 * listRunEntries(ctx, runsTip(ctx)!).length; // 10000
 */
export function listRunEntries(ctx: TrackerContext, tip: string): RunEntry[] {
  const root = ctx.store.readCommit(tip).tree;
  const runsDir = ctx.store.readTree(root).find((e) => e.name === RUNS_DIR && e.mode === '040000');
  if (!runsDir) return [];
  const out: RunEntry[] = [];
  for (const shard of ctx.store.readTree(runsDir.oid)) {
    if (shard.mode !== '040000') continue;
    for (const run of ctx.store.readTree(shard.oid)) {
      if (run.mode === '040000' && RUN_ID_PATTERN.test(run.name)) out.push({ id: run.name, tree: run.oid });
    }
  }
  return out;
}

/**
 * Run entries whose id starts with `prefix`, reading only the shard the prefix names.
 *
 * @example
 * findRunEntries(ctx, tip, '3f9a'); // [{ id: '3f9a21c0b7d4', tree: '…' }]
 */
export function findRunEntries(ctx: TrackerContext, tip: string, prefix: string): RunEntry[] {
  if (prefix.length < 2) return listRunEntries(ctx, tip).filter((e) => e.id.startsWith(prefix));
  const root = ctx.store.readCommit(tip).tree;
  const runsDir = ctx.store.readTree(root).find((e) => e.name === RUNS_DIR);
  const shard = runsDir && ctx.store.readTree(runsDir.oid).find((e) => e.name === prefix.slice(0, 2));
  if (!shard) return [];
  return ctx.store
    .readTree(shard.oid)
    .filter((e) => e.name.startsWith(prefix) && RUN_ID_PATTERN.test(e.name))
    .map((e) => ({ id: e.name, tree: e.oid }));
}

/**
 * The manifest of one run directory.
 *
 * @example
 * readRunManifest(ctx, entry).metrics.f1;
 */
export function readRunManifest(ctx: TrackerContext, entry: RunEntry): RunManifest {
  const file = ctx.store.readTree(entry.tree).find((e) => e.name === MANIFEST_FILE);
  if (!file) throw new GitTrackError('INVALID_MANIFEST', `run ${entry.id} has no ${MANIFEST_FILE}`, { id: entry.id });
  return decodeManifest(ctx.store.readBlob(file.oid).toString('utf8'), `run ${entry.id}`);
}

/**
 * A file stored beside a run's manifest (a patch, a metric series), or null.
 *
 * @example
 * readRunFile(ctx, entry, 'code.patch')?.toString();
 */
export function readRunFile(ctx: TrackerContext, entry: RunEntry, name: string): Buffer | null {
  const file = ctx.store.readTree(entry.tree).find((e) => e.name === name);
  return file ? ctx.store.readBlob(file.oid) : null;
}

/**
 * Every run's manifest, newest first (by `created`, then id). The query index picks and orders
 * the runs; see src/query/.
 *
 * @example
 * loadAllRuns(ctx)[0]; // the latest run
 */
export function loadAllRuns(ctx: TrackerContext): RunManifest[] {
  return loadRuns(ctx);
}

/** Newest first by creation time; ties broken by id so the order is stable. */
export function sortNewestFirst(runs: RunManifest[]): RunManifest[] {
  return runs.sort((a, b) => (a.created === b.created ? (a.id < b.id ? -1 : 1) : a.created < b.created ? 1 : -1));
}
