/**
 * `git-track import mlflow`: every run of an MLflow store (file store or server) becomes a run
 * on `runs`, one commit each, keeping its MLflow run id as tag `mlflow.runId`. Importing again
 * adds only the runs not imported yet (keyed by that tag), so an interrupted import is resumed
 * by running it again. A run the store holds malformed costs one warning naming it; the rest
 * are imported.
 *
 * Parents are imported before their children, so a nested run names its parent's git-track id.
 */
import { cachePath } from '../../artifacts/cache.js';
import { hashPath } from '../../artifacts/hash.js';
import { GitTrackError, isGitTrackError } from '../../errors.js';
import { archiveRuns } from '../../facts/record-facts.js';
import { resolveIdentity } from '../../git/identity.js';
import { artifactSchema, type ArtifactEntry } from '../../manifest/schema.js';
import { loadQueryIndex } from '../../query/query-index.js';
import { columnReader } from '../../query/run-table.js';
import { resolveRecordedCommit } from '../../runs/import-record.js';
import type { TrackerContext } from '../../tracker-context.js';
import { TAG_MLFLOW_RUN_ID } from '../mapping.js';
import type { ImportSource, RunStub, SourceRun } from './source.js';
import { toManifest, type ImportedManifest } from './to-manifest.js';
import { lockImport } from './import-lock.js';
import { RunWriter } from './write-runs.js';

/** Warnings said in full for one cause shared by many runs; the rest are counted. */
const MAX_SAME_WARNINGS = 3;

export interface ImportOptions {
  /** Import deleted runs and the runs of deleted experiments too (archived, as MLflow's delete is soft). */
  includeDeleted?: boolean;
}

export interface ImportResult {
  /** Runs written: MLflow run id → git-track run id, in the order written. */
  imported: { mlflowRunId: string; id: string }[];
  /** Runs already imported by an earlier import (same MLflow run id). */
  skipped: number;
  /** Deleted runs left out (without `includeDeleted`). */
  deleted: number;
  /** Runs still RUNNING or SCHEDULED in MLflow: imported once they finish. */
  running: number;
  /** Runs that could not be imported, each with the one line said about it. */
  failed: { where: string; message: string }[];
}

/**
 * Import the runs of `source` into `ctx`'s `runs` branch.
 *
 * @example
 * const result = await importMlflow(ctx, openFileStore('/data/mlruns', 'mlruns', ctx.env));
 * result.imported.length; // 42
 */
export async function importMlflow(ctx: TrackerContext, source: ImportSource, options: ImportOptions = {}): Promise<ImportResult> {
  const includeDeleted = options.includeDeleted ?? false;
  const result: ImportResult = { imported: [], skipped: 0, deleted: 0, running: 0, failed: [] };
  // Under the lock, the runs an import of the same store just wrote count as imported.
  const release = await lockImport(ctx, source.key ?? source.label, source.label);
  try {
    return await importUnderLock(ctx, source, includeDeleted, result);
  } finally {
    release();
  }
}

async function importUnderLock(ctx: TrackerContext, source: ImportSource, includeDeleted: boolean, result: ImportResult): Promise<ImportResult> {
  const known = importedRunIds(ctx);
  const stubs = parentsFirst(await source.listRuns());
  const identity = await resolveIdentity(ctx.repo, ctx.env);
  const writer = new RunWriter(ctx, identity);
  const label = `importing MLflow runs from ${source.label}`;
  const deletedIds: string[] = [];
  const repeats = new Map<string, number>();
  const resolveCommit = (text: string): string | null => resolveRecordedCommit(ctx.store, text).commit;
  try {
    for (let i = 0; i < stubs.length; i++) {
      const stub = stubs[i]!;
      ctx.env.progress.update(label, i, stubs.length, 'runs');
      if (known.has(stub.runId)) {
        result.skipped++;
        continue;
      }
      if (stub.deleted && !includeDeleted) {
        result.deleted++;
        continue;
      }
      let built: ImportedManifest & { deleted: boolean; mlflowRunId: string };
      try {
        const run = await source.readRun(stub);
        if (run.deleted && !includeDeleted) {
          result.deleted++;
          continue;
        }
        if (run.status === 'RUNNING' || run.status === 'SCHEDULED') {
          result.running++;
          continue;
        }
        const artifacts = await importArtifacts(ctx, source, run, stub);
        const parentId = run.tags['mlflow.parentRunId'];
        const manifest = toManifest(run, {
          id: writer.newId(),
          parent: parentId === undefined ? undefined : known.get(parentId),
          artifacts,
          importer: identity,
          resolveCommit,
          warn: (m) => ctx.env.warn(m),
        });
        built = { ...manifest, deleted: run.deleted, mlflowRunId: run.runId };
      } catch (err) {
        if (!isGitTrackError(err)) throw err;
        const message = err.message.startsWith(stub.where) || err.message.includes(stub.runId) ? err.message : `${stub.where}: ${err.message}`;
        // The same cause for every run (S3 refusing the credentials): a few lines, then a count.
        const cause = message.split(stub.runId).join('…');
        const times = (repeats.get(cause) ?? 0) + 1;
        repeats.set(cause, times);
        if (times <= MAX_SAME_WARNINGS) ctx.env.warn(`${message}; run not imported`);
        result.failed.push({ where: stub.where, message: err.message });
        continue;
      }
      // Outside the run's own try: a failed write to `runs` is the whole import's failure
      // (the runs of the batch are not on the branch; importing again writes them).
      const id = await writer.add(built);
      known.set(built.mlflowRunId, id);
      result.imported.push({ mlflowRunId: built.mlflowRunId, id });
      if (built.deleted) deletedIds.push(id);
    }
    for (const [cause, times] of repeats) {
      if (times > MAX_SAME_WARNINGS) ctx.env.warn(`${times - MAX_SAME_WARNINGS} more run${times - MAX_SAME_WARNINGS > 1 ? 's' : ''} not imported for the same reason: ${cause}`);
    }
    await writer.flush();
    // MLflow's delete is soft, as git-track's archive is: a deleted run comes in archived.
    if (deletedIds.length) await archiveRuns(ctx, deletedIds, true);
  } finally {
    ctx.env.progress.done(label);
    await source.close?.();
  }
  return result;
}

/** MLflow run id → git-track id of the runs imported before (tag `mlflow.runId`), from the query index. */
function importedRunIds(ctx: TrackerContext): Map<string, string> {
  const out = new Map<string, string>();
  let table;
  try {
    table = loadQueryIndex(ctx);
  } catch (err) {
    if (isGitTrackError(err, 'NO_RUNS_BRANCH')) return out;
    throw err;
  }
  const read = columnReader(table, { scope: 'tags', name: TAG_MLFLOW_RUN_ID });
  for (let row = 0; row < table.size; row++) {
    const value = read(row);
    if (typeof value === 'string') out.set(value, table.id(row));
  }
  return out;
}

/**
 * The runs ordered so that a parent comes before its children (nesting may be deep); the
 * store's order otherwise. A parent that is not in the store, or a loop, does not hold a run back.
 */
export function parentsFirst(stubs: RunStub[]): RunStub[] {
  const byId = new Map(stubs.map((s) => [s.runId, s]));
  const out: RunStub[] = [];
  const state = new Map<string, 'visiting' | 'done'>();
  for (const first of stubs) {
    // Iterative: a hostile store may nest runs thousands deep.
    const stack: RunStub[] = [first];
    while (stack.length) {
      const s = stack[stack.length - 1]!;
      if (state.get(s.runId) === 'done') {
        stack.pop();
        continue;
      }
      const parent = s.parentRunId !== undefined ? byId.get(s.parentRunId) : undefined;
      if (state.get(s.runId) !== 'visiting' && parent && !state.has(parent.runId)) {
        state.set(s.runId, 'visiting');
        stack.push(parent);
        continue;
      }
      state.set(s.runId, 'done');
      out.push(s);
      stack.pop();
    }
  }
  return out;
}

/**
 * The run's artifacts hashed into the local content-addressed cache, as manifest pointers. A
 * file whose path cannot be a pointer (a control character in its name) is left out with a
 * warning; a file that cannot be read fails the run.
 */
async function importArtifacts(ctx: TrackerContext, source: ImportSource, run: SourceRun, stub: RunStub): Promise<ArtifactEntry[]> {
  const reader = source.artifacts(run, stub);
  const out: ArtifactEntry[] = [];
  for (const file of await reader.list()) {
    const { path, cleanup } = await reader.fetch(file);
    try {
      const hash = await hashPath(path, { stateDir: ctx.repo.stateDir, env: ctx.env, label: `hashing ${file.path}` });
      if (hash.kind !== 'file') throw new GitTrackError('BAD_INPUT', `${stub.where}: artifact ${file.path} is not a file`, {});
      const entry = artifactSchema.safeParse({ path: file.path, kind: 'file', sha256: hash.sha256, size: hash.size });
      if (!entry.success) {
        ctx.env.warn(`${stub.where}: artifact ${JSON.stringify(file.path)} cannot be recorded under that path; left out`);
        continue;
      }
      await cachePath(ctx.repo.stateDir, path, hash);
      out.push(entry.data);
    } finally {
      cleanup();
    }
  }
  return out;
}
