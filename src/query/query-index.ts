/**
 * The query index cache at `<git-dir>/git-track/query-index.bin`: every run's fields, keyed by
 * run-directory tree ids (immutable, so an entry can never describe the wrong run).
 *
 * On each read the branch itself is consulted: the `runs` tip and its 256 shard trees (one
 * small tree read). Shards whose tree id is unchanged since the indexed tip are skipped;
 * changed shards are listed and only run directories not already in the index are read. A
 * missing or corrupt index is rebuilt; a write goes to a temp file renamed into place, so
 * concurrent processes never see a half-written index (the last writer wins, and both
 * versions are correct).
 */
import { closeSync, openSync, renameSync, unlinkSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import { isGitTrackError, systemCode } from '../errors.js';
import { runsTip, type RunEntry } from '../runs/read-runs.js';
import { readManifestsForIndex, readManifestsForIndexAsync, type OnSkippedRun } from './read-manifests.js';
import { readSkipped, warnSkippedRuns, writeSkipped, type SkippedRun } from './skipped-runs.js';
import { readBoundedTree } from '../git/bounded-read.js';
import { RUN_ID_PATTERN, RUNS_DIR } from '../runs/layout.js';
import type { TrackerContext } from '../tracker-context.js';
import type { ObjectFormat } from '../git/object-format.js';
import { encodeIndex, openIndex } from './index-file.js';
import type { RunTable } from './run-table.js';
import type { RunManifest } from '../manifest/schema.js';
import { TableBuilder } from './table-builder.js';
import { mkdirState, shareState } from '../git/state-perm.js';
import { collectGarbage } from './collect-garbage.js';
import { fetchViaGit } from '../git/fetch-via-git.js';

export const INDEX_FILE = 'query-index.bin';

/**
 * The index, brought up to date with the `runs` tip (and saved when it changed).
 *
 * @example
 * const table = loadQueryIndex(ctx);
 * table.size; // number of runs on the branch
 */
export function loadQueryIndex(ctx: TrackerContext): RunTable {
  const state = indexState(ctx);
  if ('table' in state) return state.table;
  readManifestsForIndex(ctx, state.plan.added, (e, m) => state.plan.builder.addRun(e.id, e.tree, m), { onSkip: state.plan.skip });
  return state.finish();
}

/**
 * {@link loadQueryIndex} for callers that can wait: a cold or far-behind index reads the new
 * manifests while git is still streaming them. Later `loadQueryIndex` calls on the same
 * context return this table.
 *
 * @example
 * await loadQueryIndexAsync(ctx);
 */
export async function loadQueryIndexAsync(ctx: TrackerContext): Promise<RunTable> {
  const state = indexState(ctx);
  if ('table' in state) return state.table;
  await readManifestsForIndexAsync(ctx, state.plan.added, (e, m) => state.plan.builder.addRun(e.id, e.tree, m), { onSkip: state.plan.skip });
  return state.finish();
}

/** A query index being brought up to date in the background: see {@link startQueryIndexBuild}. */
export interface QueryIndexBuild {
  /** Runs on the branch at the tip the build started from. */
  readonly total: number;
  /** Rows ready so far: those kept from the saved index, then each run read. */
  readonly read: number;
  /** The rows ready so far, as a table (views on the build's arrays, not a copy). */
  partial(): RunTable;
  /** The whole table, saved as {@link loadQueryIndex} saves it. */
  readonly done: Promise<RunTable>;
}

/**
 * Start bringing the index up to date without blocking, for a reader that can show part of
 * it meanwhile (the dashboard on a fresh clone). Returns the table when it is already up to
 * date. Rows come in run-id order, not by age: what a partial table shows is a sample, and
 * its reader must say so. `pause` paces the build (see ReadForIndexOptions).
 *
 * @example
 * const b = startQueryIndexBuild(ctx);
 * if ('table' in b) use(b.table); else { show(b.partial(), b.read, b.total); use(await b.done); }
 */
export function startQueryIndexBuild(ctx: TrackerContext, options: { pause?: () => Promise<void> | undefined; firstRows?: number } = {}): { table: RunTable } | QueryIndexBuild {
  const state = indexState(ctx);
  if ('table' in state) return { table: state.table };
  const { plan } = state;
  const total = plan.builder.size + plan.added.length;
  const add = (e: RunEntry, m: RunManifest) => plan.builder.addRun(e.id, e.tree, m);
  // With `firstRows`, that many runs are read in-process, a few at a time between other work,
  // while git lists the rest (at 100,000 runs the listing alone takes 1-3 s): a reader has rows
  // to show before the stream starts.
  const first = plan.added.length >= (options.firstRows ?? 0) * 4 ? plan.added.slice(0, options.firstRows ?? 0) : [];
  const head = (async () => {
    for (let i = 0; i < first.length; i += FIRST_ROWS_SLICE) {
      readManifestsForIndex(ctx, first.slice(i, i + FIRST_ROWS_SLICE), add, { onSkip: plan.skip, batchThreshold: Infinity });
      await new Promise((resolve) => setImmediate(resolve));
    }
  })();
  const rest = readManifestsForIndexAsync(ctx, plan.added.slice(first.length), add, { onSkip: plan.skip, pause: options.pause });
  const done = Promise.all([head, rest]).then(() => state.finish());
  return {
    total,
    get read() {
      return plan.builder.size;
    },
    partial: () => plan.builder.snapshot(plan.tip, plan.shards),
    done,
  };
}

/** Runs read in-process between other work, in a build's first rows (see startQueryIndexBuild). */
const FIRST_ROWS_SLICE = 20;

type IndexState = { table: RunTable } | { plan: ReturnType<typeof planUpdate> & { skip: OnSkippedRun; tip: string | null }; finish(): RunTable };

/** The up-to-date table, or the plan to bring it up to date (its manifests still to read). */
function indexState(ctx: TrackerContext): IndexState {
  const tip = runsTip(ctx);
  const cached = opened.get(ctx);
  // A long-lived context (the dashboard's server) sees a skipped run's object come back too.
  if (cached && cached.tip === tip && !awaited.get(ctx)?.some((oid) => present(ctx, oid))) return { table: cached };
  const path = join(ctx.repo.stateDir, INDEX_FILE);
  const saved = readIndex(path, ctx.store.format);
  const skippedBefore = readSkipped(ctx.repo.stateDir, saved?.tip ?? null);
  // A run skipped because one of its objects was missing comes back with that object (a
  // fetch, a copy from another clone): its shard is listed again although its tree is unchanged.
  const relist = returnedShards(ctx, skippedBefore);
  if (saved && saved.tip === tip && relist.size === 0) {
    opened.set(ctx, saved);
    awaited.set(ctx, awaitedObjects(skippedBefore));
    warnSkippedRuns(ctx, skippedBefore);
    return { table: saved };
  }
  const plan = planUpdate(ctx, saved ?? cached ?? null, tip, relist);
  // Bad runs of shards that did not change are not read again; their warning is kept.
  const skipped = saved ? skippedBefore.filter((r) => plan.shards[r.id.slice(0, 2)] !== undefined && !plan.changed.has(r.id.slice(0, 2))) : [];
  skipped.push(...plan.badShards);
  return {
    plan: { ...plan, tip, skip: (e, message, missing) => skipped.push({ id: e.id, tree: e.tree, message, ...(missing ? { missing } : {}) }) },
    finish() {
      // A large build leaves the garbage of its last manifests: collected before the table is
      // packed and written, so the two do not add up (the peak of a cold build at 100,000 runs).
      if (plan.added.length >= 10_000) collectGarbage();
      const table = plan.builder.build(tip, plan.shards);
      writeIndex(path, table, ctx.store.format);
      writeSkipped(ctx.repo.stateDir, tip, skipped);
      opened.set(ctx, table);
      awaited.set(ctx, awaitedObjects(skipped));
      warnSkippedRuns(ctx, skipped);
      return table;
    },
  };
}

/** One open index per context: commands that resolve several runs read it once. */
const opened = new WeakMap<TrackerContext, RunTable>();
/** Per context, the missing objects that runs skipped by its open index wait for. */
const awaited = new WeakMap<TrackerContext, string[]>();

const awaitedObjects = (skipped: readonly SkippedRun[]) => skipped.flatMap((r) => (r.missing === undefined ? [] : [r.missing]));

function readIndex(path: string, format: ObjectFormat): RunTable | null {
  try {
    return openIndex(path, format);
  } catch {
    return null; // missing or corrupt: rebuilt from the branch
  }
}

/** Shard name → tree id of `runs/<shard>` at `tip`. */
function shardTrees(ctx: TrackerContext, tip: string): Record<string, string> {
  const root = ctx.store.readCommit(tip).tree;
  const runsDir = readBoundedTree(ctx.store, root, 'of runs').find((e) => e.name === RUNS_DIR && e.mode === '040000');
  const out: Record<string, string> = {};
  if (runsDir) for (const e of readBoundedTree(ctx.store, runsDir.oid, RUNS_DIR)) if (e.mode === '040000') out[e.name] = e.oid;
  return out;
}

/**
 * Shards holding a run skipped for a missing object that is present again. Only those runs
 * are checked, each with one lookup in the object store (no git process, no fetch from a
 * partial clone's promisor): a warm index of a whole branch pays nothing.
 */
function returnedShards(ctx: TrackerContext, skipped: readonly SkippedRun[]): Set<string> {
  const shards = new Set<string>();
  const waiting = skipped.filter((r) => r.missing !== undefined);
  for (const r of waiting) if (!shards.has(r.id.slice(0, 2)) && present(ctx, r.missing!)) shards.add(r.id.slice(0, 2));
  // A partial clone fetches what it lacks from its promisor remote, as git does whenever it
  // needs an object: one is asked for, and once it comes every waiting run is read again
  // (those reads fetch the rest). While the remote cannot be reached, that costs one attempt.
  if (shards.size === 0 && waiting.length > 0 && ctx.repo.format.partialClone && fetched(ctx, waiting[0]!.missing!)) {
    for (const r of waiting) shards.add(r.id.slice(0, 2));
  }
  return shards;
}

function fetched(ctx: TrackerContext, oid: string): boolean {
  try {
    return fetchViaGit(ctx.repo.gitDir, ctx.env, oid);
  } catch {
    return false; // no usable git: nothing can be fetched
  }
}

function present(ctx: TrackerContext, oid: string): boolean {
  try {
    return ctx.store.has(oid);
  } catch {
    return false; // not an object id of this repository's format: never comes back
  }
}

/**
 * Which rows of the old table to keep and which runs to read, for the tip. Shards in
 * `relist` are listed again even when their tree is unchanged.
 */
function planUpdate(
  ctx: TrackerContext,
  old: RunTable | null,
  tip: string | null,
  relist: ReadonlySet<string> = new Set(),
): { builder: TableBuilder; added: RunEntry[]; shards: Record<string, string>; changed: Set<string>; badShards: SkippedRun[] } {
  const shards = tip ? shardTrees(ctx, tip) : {};
  const changed = new Set(Object.keys(shards).filter((s) => old?.shards[s] !== shards[s] || relist.has(s)));
  // Rows of unchanged shards are kept as they are; changed shards are re-listed, and of their
  // runs only those whose tree is not in the index yet are read.
  const kept: number[] = [];
  const known = new Map<string, number>();
  if (old) {
    for (let row = 0; row < old.size; row++) {
      const shard = old.id(row).slice(0, 2);
      if (!(shard in shards)) continue;
      if (!changed.has(shard)) kept.push(row);
      else known.set(old.tree(row), row);
    }
  }
  const added: RunEntry[] = [];
  const badShards: SkippedRun[] = [];
  for (const shard of [...changed].sort()) {
    let entries;
    try {
      entries = readBoundedTree(ctx.store, shards[shard]!, `${RUNS_DIR}/${shard}`);
    } catch (err) {
      // A shard too large to read (pulled from someone else), or missing from the repository,
      // costs its runs, not the listing.
      if (isGitTrackError(err, 'OBJECT_NOT_FOUND')) {
        badShards.push({ id: shard, tree: shards[shard]!, message: shardMissing(shard, shards[shard]!), missing: shards[shard]! });
        continue;
      }
      if (!isGitTrackError(err, 'CORRUPT_OBJECT')) throw err;
      badShards.push({ id: shard, tree: shards[shard]!, message: err.message });
      continue;
    }
    for (const e of entries) {
      if (e.mode !== '040000' || !RUN_ID_PATTERN.test(e.name)) continue;
      const row = known.get(e.oid);
      if (row !== undefined) kept.push(row);
      else added.push({ id: e.name, tree: e.oid });
    }
  }
  const builder = new TableBuilder(kept.length + added.length);
  if (old) builder.copyRows(old, kept);
  return { builder, added, shards, changed, badShards };
}

function shardMissing(shard: string, oid: string): string {
  return `tree ${RUNS_DIR}/${shard}: object ${oid.slice(0, 12)} is missing from this repository, and the runs under it with it; copy the object back from a clone that has it, or run \`git-track repair\``;
}

function writeIndex(path: string, table: RunTable, format: ObjectFormat): void {
  const temp = `${path}.${process.pid}.${randomBytes(4).toString('hex')}.tmp`;
  try {
    mkdirState(join(path, '..'));
    const fd = openSync(temp, 'w');
    try {
      for (const part of encodeIndex(table, format)) {
        for (let done = 0; done < part.length; ) done += writeSync(fd, part, done, part.length - done);
      }
    } finally {
      closeSync(fd);
    }
    shareState(temp);
    renameSync(temp, path);
  } catch (err) {
    try {
      unlinkSync(temp);
    } catch {}
    // A read-only repository still answers queries; it just rebuilds the index each time.
    if (systemCode(err) !== 'EACCES' && systemCode(err) !== 'EROFS') throw err;
  }
}
