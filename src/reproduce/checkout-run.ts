/**
 * Materialising a run into a directory: its exact code (the snapshot of uncommitted changes
 * when there was one, else the commit), written through a private index so the current
 * working tree, index and HEAD are never touched; then its inputs and outputs from the local
 * artifact cache.
 */
import { existsSync, mkdirSync, readdirSync, rmSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { cachedPath, restorePath } from '../artifacts/cache.js';
import { hashPath } from '../artifacts/hash.js';
import { assertWritablePath, crossesLink, insideGitDir, lstatKind, outsideName, pathProblem } from '../artifacts/safe-path.js';
import { GitTrackError } from '../errors.js';
import { runGit } from '../git/system-git.js';
import { hashedData } from '../manifest/hashed-data.js';
import type { RunManifest } from '../manifest/schema.js';
import { resolveRun } from '../runs/resolve-run.js';
import type { TrackerContext } from '../tracker-context.js';
import { mkdirState } from '../git/state-perm.js';

export interface CheckoutResult {
  run: RunManifest;
  dir: string;
  /** The commit whose tree was written, or null when the run recorded none. */
  commit: string | null;
  /** Paths restored from the artifact cache. */
  restored: string[];
  /** Paths whose bytes are neither in the code nor in the local cache. */
  missing: string[];
  /** Inputs recorded outside the work tree (absolute or `..`), not written: no `outsideDir` was named. */
  outside: string[];
  /** Paths not written because a directory on their way is a symlink or a file (from the code tree). */
  refused: string[];
}

export interface CheckoutOptions {
  /** false: restore only the data inputs (what `reproduce` needs). */
  artifacts?: boolean;
  /** Where inputs recorded outside the work tree go, each under a safe relative name. */
  outsideDir?: string;
}

/**
 * Write the run `ref`'s code and cached files into `dir` (created; must be empty).
 * Recorded paths are untrusted: one naming `.git` refuses the whole checkout before anything
 * is written, and nothing is written through a symlink or outside `dir` (and `outsideDir`).
 *
 * @example
 * await checkoutRun(ctx, 'stage:production', '/tmp/prod');
 */
export async function checkoutRun(ctx: TrackerContext, ref: string, dir: string, options: CheckoutOptions = {}): Promise<CheckoutResult> {
  const run = resolveRun(ctx, ref).manifest;
  dir = resolve(dir);
  const gitDir = resolve(ctx.repo.gitDir);
  for (const target of [dir, ...(options.outsideDir === undefined ? [] : [resolve(options.outsideDir)])]) {
    if (insideGitDir(target, gitDir)) throw new GitTrackError('USAGE', `refusing to check out into the git directory (${target})`, { dir: target });
  }
  if (existsSync(dir) && readdirSync(dir).length > 0) throw new GitTrackError('USAGE', `${dir} is not empty; checkout writes into an empty or new directory`, { dir });
  const commit = run.code?.snapshot ?? run.code?.commit ?? null;
  if (commit && !ctx.store.has(commit)) {
    throw new GitTrackError('OBJECT_NOT_FOUND', `the code of run ${run.id} (commit ${commit.slice(0, 12)}) is not in this repository; fetch the runs branch`, { commit });
  }
  const result: CheckoutResult = { run, dir, commit, restored: [], missing: [], outside: [], refused: [] };
  const plans = planRestores(run, dir, options, result);
  mkdirSync(dir, { recursive: true });
  if (options.outsideDir !== undefined) mkdirSync(resolve(options.outsideDir), { recursive: true });
  if (commit) await extractCommit(ctx, commit, dir);
  for (const w of plans) {
    // The code tree just written is as untrusted as the manifest: `models -> /elsewhere`.
    if (crossesLink(w.root, w.rel)) {
      result.refused.push(w.path);
      continue;
    }
    const dest = join(w.root, w.rel);
    const kind = lstatKind(dest);
    if (kind === 'file' || kind === 'dir') {
      // Committed data: keep it if it is the recorded version.
      const now = await hashPath(dest, { stateDir: ctx.repo.stateDir, env: ctx.env });
      if (now.sha256 === w.sha256) continue;
    }
    if (!cachedPath(ctx.repo.stateDir, w.sha256)) {
      result.missing.push(w.path);
      continue;
    }
    // Parents checked above: this removes an entry inside `root`, a symlink itself, never its target.
    if (kind !== 'missing') rmSync(dest, { recursive: true, force: true });
    await restorePath(ctx.repo.stateDir, w, dest, w.root);
    result.restored.push(w.path);
  }
  return result;
}

interface RestorePlan {
  path: string;
  kind: 'file' | 'dir';
  sha256: string;
  root: string;
  rel: string;
}

/** Where each recorded input and artifact goes; refuses `.git` paths, sets aside outside ones. */
function planRestores(run: RunManifest, dir: string, options: CheckoutOptions, result: CheckoutResult): RestorePlan[] {
  const wanted = [
    ...hashedData(run.data).map((d) => ({ path: d.path, kind: d.kind, sha256: d.sha256 })),
    ...(options.artifacts === false ? [] : run.artifacts.flatMap((a) => (a.sha256 ? [{ path: a.path, kind: a.kind, sha256: a.sha256 }] : []))),
  ];
  const plans: RestorePlan[] = [];
  for (const w of wanted) {
    const what = `input of run ${run.id}`;
    const problem = pathProblem(w.path);
    if (problem === 'git') assertWritablePath(w.path, what);
    if (problem === null) {
      plans.push({ ...w, root: dir, rel: w.path });
      continue;
    }
    const name = options.outsideDir === undefined ? null : outsideName(w.path);
    if (name === null) {
      if (options.outsideDir !== undefined) assertWritablePath(w.path, what);
      result.outside.push(w.path);
      continue;
    }
    plans.push({ ...w, root: resolve(options.outsideDir!), rel: name });
  }
  return plans;
}

/**
 * `read-tree` + `checkout-index` through a private index and `--work-tree=dir`: the user's
 * index, HEAD and working tree are never involved. Unlike `git archive`, this honours no
 * `export-ignore`/`export-subst` attributes, so the files are exactly the commit's.
 */
async function extractCommit(ctx: TrackerContext, commit: string, dir: string): Promise<void> {
  const index = join(ctx.repo.stateDir, `checkout-${ctx.env.random(6).toString('hex')}.index`);
  mkdirState(ctx.repo.stateDir);
  const opts = { cwd: dir, env: ctx.env, vars: { GIT_INDEX_FILE: index, GIT_DIR: ctx.repo.gitDir, GIT_WORK_TREE: dir } };
  try {
    await runGit(['read-tree', commit], opts);
    await runGit(['checkout-index', '--all', '--force'], opts);
  } finally {
    rmSync(index, { force: true });
  }
}
