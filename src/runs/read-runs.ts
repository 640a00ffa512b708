/**
 * Reading runs from the `runs` branch.
 */
import { GitTrackError, isGitTrackError } from '../errors.js';
import { decodeManifest } from '../manifest/codec.js';
import type { RunManifest } from '../manifest/schema.js';
import { readRef } from '../git/refs.js';
import { loadRuns } from '../query/load-runs.js';
import type { TrackerContext } from '../tracker-context.js';
import { MANIFEST_FILE, RUN_ID_PATTERN, RUNS_DIR, RUNS_REF, runDirPath } from './layout.js';
import { readBoundedBlob, readBoundedTree } from '../git/bounded-read.js';
import { MAX_MANIFEST_BYTES } from '../limits.js';
import type { TreeEntry } from '../git/encode.js';

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
  const runsDir = readBoundedTree(ctx.store, root, 'of runs').find((e) => e.name === RUNS_DIR && e.mode === '040000');
  if (!runsDir) return [];
  const out: RunEntry[] = [];
  for (const shard of readBoundedTree(ctx.store, runsDir.oid, RUNS_DIR)) {
    if (shard.mode !== '040000') continue;
    for (const run of readBoundedTree(ctx.store, shard.oid, `${RUNS_DIR}/${shard.name}`)) {
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
  const runsDir = readBoundedTree(ctx.store, root, 'of runs').find((e) => e.name === RUNS_DIR && e.mode === '040000');
  const shard = runsDir && readBoundedTree(ctx.store, runsDir.oid, RUNS_DIR).find((e) => e.name === prefix.slice(0, 2) && e.mode === '040000');
  if (!shard) return [];
  return readBoundedTree(ctx.store, shard.oid, `${RUNS_DIR}/${shard.name}`)
    .filter((e) => e.mode === '040000' && e.name.startsWith(prefix) && RUN_ID_PATTERN.test(e.name))
    .map((e) => ({ id: e.name, tree: e.oid }));
}

/**
 * The manifest of one run directory. Refused (INVALID_MANIFEST) when `run.yaml` is missing,
 * not a regular file (a symlink is not a manifest), over {@link MAX_MANIFEST_BYTES}, invalid,
 * or filed under a directory other than its own id.
 *
 * @example
 * readRunManifest(ctx, entry).metrics.f1;
 */
export function readRunManifest(ctx: TrackerContext, entry: RunEntry): RunManifest {
  return decodeStoredManifest(readManifestText(ctx, entry), entry);
}

/**
 * Decode the text of a stored manifest: any refusal (bad YAML too) is INVALID_MANIFEST, and
 * the manifest must be filed under its own id.
 *
 * @example
 * decodeStoredManifest(text, { id: '3f9a21c0b7d4', tree }).id; // '3f9a21c0b7d4'
 */
export function decodeStoredManifest(text: string, entry: RunEntry): RunManifest {
  let m: RunManifest;
  try {
    m = decodeManifest(text, `run ${entry.id}`);
  } catch (err) {
    if (isGitTrackError(err, 'BAD_INPUT')) throw new GitTrackError('INVALID_MANIFEST', err.message, { ...err.data, id: entry.id }, { cause: err });
    throw err;
  }
  return checkFiledUnder(m, entry);
}

/**
 * The text of a run's `run.yaml`, checked to be a regular file within {@link MAX_MANIFEST_BYTES}.
 *
 * @example
 * readManifestText(ctx, entry).startsWith('format: git-track/run@1'); // true
 */
export function readManifestText(ctx: TrackerContext, entry: RunEntry): string {
  const file = manifestEntry(ctx, entry);
  return ownObject(ctx, entry, `its ${MANIFEST_FILE}`, file.oid, () =>
    readBoundedBlob(ctx.store, file.oid, MAX_MANIFEST_BYTES, `run ${entry.id}: ${MANIFEST_FILE}`, 'INVALID_MANIFEST'),
  ).toString('utf8');
}

/**
 * {@link readManifestText} for a manifest that git could not deliver: when its object is
 * still not here, that is said without asking the store to fetch it again (git has just
 * asked a partial clone's promisor remote for it).
 *
 * @example
 * text ?? readUndeliveredManifest(ctx, entry);
 */
export function readUndeliveredManifest(ctx: TrackerContext, entry: RunEntry): string {
  const file = manifestEntry(ctx, entry);
  if (!ctx.store.has(file.oid)) throw objectMissing(ctx, entry, `its ${MANIFEST_FILE}`, file.oid);
  return readManifestText(ctx, entry);
}

/** The tree entry of a run's `run.yaml`, checked to be a regular file. */
function manifestEntry(ctx: TrackerContext, entry: RunEntry): TreeEntry {
  const file = ownObject(ctx, entry, 'its directory', entry.tree, () => readBoundedTree(ctx.store, entry.tree, runDirPath(entry.id))).find((e) => e.name === MANIFEST_FILE);
  if (!file) throw new GitTrackError('INVALID_MANIFEST', `run ${entry.id} has no ${MANIFEST_FILE}`, { id: entry.id });
  if (file.mode !== '100644' && file.mode !== '100755') {
    const what = file.mode === '120000' ? 'a symlink' : file.mode === '040000' ? 'a directory' : `of mode ${file.mode}`;
    throw new GitTrackError('INVALID_MANIFEST', `run ${entry.id}: ${MANIFEST_FILE} is ${what}, not a manifest`, { id: entry.id, mode: file.mode });
  }
  return file;
}

/** `read()`, with a missing object reported as this run's (see {@link objectMissing}). */
function ownObject<T>(ctx: TrackerContext, entry: RunEntry, what: string, oid: string, read: () => T): T {
  try {
    return read();
  } catch (err) {
    if (!isGitTrackError(err, 'OBJECT_NOT_FOUND') || err.data.id !== undefined) throw err;
    throw objectMissing(ctx, entry, what, typeof err.data.oid === 'string' ? err.data.oid : oid, err);
  }
}

/**
 * OBJECT_NOT_FOUND for a run whose own object (its directory's tree, its manifest) is not
 * here: a lost pack, a prune, a partial clone whose promisor remote cannot be reached. It
 * names the run, with `data.id` (readers of many runs skip it with a warning) and
 * `data.missing`, the object whose return makes the run readable again (the query index
 * re-checks only that). A partial clone is not told to repair: its object is only not fetched.
 */
function objectMissing(ctx: TrackerContext, entry: RunEntry, what: string, missing: string, cause?: unknown): GitTrackError {
  const object = `${what} (object ${missing.slice(0, 12)})`;
  const message = ctx.repo.format.partialClone
    ? `run ${entry.id}: ${object} is not in this partial clone and could not be fetched from its promisor remote; try again once the remote can be reached`
    : `run ${entry.id}: ${object} is missing from this repository; copy the object back from a clone that has it, or run \`git-track repair\`, which drops the run`;
  return new GitTrackError('OBJECT_NOT_FOUND', message, { id: entry.id, oid: missing, missing }, { cause });
}

/**
 * `m`, when it is filed under its own id; INVALID_MANIFEST otherwise (a copied manifest
 * would otherwise be listed twice, under an id that names another run).
 *
 * @example
 * checkFiledUnder(decodeManifest(text), entry);
 */
export function checkFiledUnder<T extends { id: unknown }>(m: T, entry: RunEntry): T {
  if (m.id !== entry.id) {
    throw new GitTrackError('INVALID_MANIFEST', `run directory ${entry.id} holds the manifest of run ${String(m.id).slice(0, 40)}`, { id: entry.id });
  }
  return m;
}

/**
 * A file stored beside a run's manifest (a patch, a metric series), or null. Only regular
 * files count; `max` bounds its size (checked before it is read).
 *
 * @example
 * readRunFile(ctx, entry, 'code.patch')?.toString();
 */
export function readRunFile(ctx: TrackerContext, entry: RunEntry, name: string, max = Infinity): Buffer | null {
  const file = readBoundedTree(ctx.store, entry.tree, runDirPath(entry.id)).find((e) => e.name === name);
  if (!file || (file.mode !== '100644' && file.mode !== '100755')) return null;
  return readBoundedBlob(ctx.store, file.oid, max, `run ${entry.id}: ${name}`);
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
