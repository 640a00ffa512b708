/**
 * Materialising a run into a directory: its exact code (the snapshot of uncommitted changes
 * when there was one, else the commit), written through a private index so the current
 * working tree, index and HEAD are never touched; then its inputs and outputs from the local
 * artifact cache.
 */
import { existsSync, mkdirSync, readdirSync, rmSync } from 'node:fs';
import { isAbsolute, join } from 'node:path';
import { cachedPath, restorePath } from '../artifacts/cache.js';
import { hashPath } from '../artifacts/hash.js';
import { GitTrackError } from '../errors.js';
import { runGit } from '../git/system-git.js';
import { hashedData } from '../manifest/hashed-data.js';
import type { RunManifest } from '../manifest/schema.js';
import { resolveRun } from '../runs/resolve-run.js';
import type { TrackerContext } from '../tracker-context.js';

export interface CheckoutResult {
  run: RunManifest;
  dir: string;
  /** The commit whose tree was written, or null when the run recorded none. */
  commit: string | null;
  /** Paths restored from the artifact cache. */
  restored: string[];
  /** Paths whose bytes are neither in the code nor in the local cache. */
  missing: string[];
}

/**
 * Write the run `ref`'s code and cached files into `dir` (created; must be empty).
 * `artifacts: false` restores only the data inputs (what `reproduce` needs).
 *
 * @example
 * await checkoutRun(ctx, 'stage:production', '/tmp/prod');
 */
export async function checkoutRun(ctx: TrackerContext, ref: string, dir: string, options: { artifacts?: boolean } = {}): Promise<CheckoutResult> {
  const run = resolveRun(ctx, ref).manifest;
  if (existsSync(dir) && readdirSync(dir).length > 0) throw new GitTrackError('USAGE', `${dir} is not empty; checkout writes into an empty or new directory`, { dir });
  const commit = run.code?.snapshot ?? run.code?.commit ?? null;
  if (commit && !ctx.store.has(commit)) {
    throw new GitTrackError('OBJECT_NOT_FOUND', `the code of run ${run.id} (commit ${commit.slice(0, 12)}) is not in this repository; fetch the runs branch`, { commit });
  }
  mkdirSync(dir, { recursive: true });
  if (commit) await extractCommit(ctx, commit, dir);
  const restored: string[] = [];
  const missing: string[] = [];
  const wanted = [
    ...hashedData(run.data).filter((d) => !isAbsolute(d.path)).map((d) => ({ path: d.path, kind: d.kind, sha256: d.sha256 })),
    ...(options.artifacts === false ? [] : run.artifacts.flatMap((a) => (a.sha256 ? [{ path: a.path, kind: a.kind, sha256: a.sha256 }] : []))),
  ];
  for (const w of wanted) {
    const dest = join(dir, w.path);
    if (existsSync(dest)) {
      // Committed data: keep it if it is the recorded version.
      const now = await hashPath(dest, { stateDir: ctx.repo.stateDir, env: ctx.env });
      if (now.sha256 === w.sha256) continue;
      rmSync(dest, { recursive: true, force: true });
    }
    if (!cachedPath(ctx.repo.stateDir, w.sha256)) {
      missing.push(w.path);
      continue;
    }
    await restorePath(ctx.repo.stateDir, w, dest);
    restored.push(w.path);
  }
  return { run, dir, commit, restored, missing };
}

/**
 * `read-tree` + `checkout-index` through a private index and `--work-tree=dir`: the user's
 * index, HEAD and working tree are never involved. Unlike `git archive`, this honours no
 * `export-ignore`/`export-subst` attributes, so the files are exactly the commit's.
 */
async function extractCommit(ctx: TrackerContext, commit: string, dir: string): Promise<void> {
  const index = join(ctx.repo.stateDir, `checkout-${ctx.env.random(6).toString('hex')}.index`);
  mkdirSync(ctx.repo.stateDir, { recursive: true });
  const opts = { cwd: dir, env: ctx.env, vars: { GIT_INDEX_FILE: index, GIT_DIR: ctx.repo.gitDir, GIT_WORK_TREE: dir } };
  try {
    await runGit(['read-tree', commit], opts);
    await runGit(['checkout-index', '--all', '--force'], opts);
  } finally {
    rmSync(index, { force: true });
  }
}
