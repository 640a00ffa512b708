/**
 * `get`: restore a run's artifact bytes into a directory (default: the work tree, at the
 * artifacts' own relative paths), from the local cache or else the shared store. Every byte is
 * verified against the pointer's sha256; an existing different file is never overwritten
 * unless forced.
 */
import { mkdirSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { restorePath, cachedPath } from '../artifacts/cache.js';
import { sha256File } from '../artifacts/hash.js';
import { parseListing } from '../artifacts/listing.js';
import { assertWritablePath, crossesLink, insideGitDir, lstatKind, outsideName, pathProblem } from '../artifacts/safe-path.js';
import { forEachLimited } from '../artifacts/stores/parallel.js';
import { resolveStore } from '../config/load-store.js';
import { STORE_PARALLEL_OBJECTS } from '../limits.js';
import { GitTrackError } from '../errors.js';
import { readRef } from '../git/refs.js';
import type { ArtifactEntry } from '../manifest/schema.js';
import { resolveRun } from '../runs/resolve-run.js';
import type { TrackerContext } from '../tracker-context.js';
import { downloadObject } from './artifact-objects.js';
import { ARTIFACTS_REF, resolveRemote } from './remote.js';

export interface GetOptions {
  /** Only artifacts at this path or below it (a directory artifact's file is not selectable alone). */
  path?: string;
  /** Output directory; default the work tree. */
  outDir?: string;
  /** Overwrite existing files that differ. */
  force?: boolean;
}

export interface RestoredArtifact {
  path: string;
  /** Where it was written (null when it was not: see `status`). */
  dest: string | null;
  /**
   * 'restored'; 'unchanged' when an identical file was already there; 'outside' when the
   * recorded path leaves the work tree and no output directory was named (nothing written).
   */
  status: 'restored' | 'unchanged' | 'outside';
}

/**
 * Restore artifacts of `runRef`.
 *
 * @example
 * await getArtifacts(ctx, 'churn-baseline', { path: 'models/churn.pkl' }); // [{ path, dest, status: 'restored' }]
 */
export async function getArtifacts(ctx: TrackerContext, runRef: string, options: GetOptions = {}): Promise<RestoredArtifact[]> {
  const { manifest } = resolveRun(ctx, runRef);
  const wanted = manifest.artifacts.filter((a) => !options.path || a.path === trimSlash(options.path) || a.path.startsWith(`${trimSlash(options.path)}/`));
  if (wanted.length === 0) {
    const what = options.path ? `no artifact at '${options.path}'` : 'no artifacts';
    throw new GitTrackError('FILE_NOT_FOUND', `run ${manifest.id} has ${what} (it has: ${manifest.artifacts.map((a) => a.path).join(', ') || 'none'})`, {
      run: manifest.id,
    });
  }
  const outDir = resolve(options.outDir ?? ctx.repo.workTree ?? '.');
  if (insideGitDir(outDir, resolve(ctx.repo.gitDir))) {
    throw new GitTrackError('USAGE', `refusing to write artifacts into the git directory (${outDir})`, { dir: outDir });
  }
  const out: RestoredArtifact[] = [];
  // Check every destination before writing anything: a refusal leaves the tree as it was.
  const plans: { a: ArtifactEntry; rel: string; dest: string }[] = [];
  for (const a of wanted) {
    const what = `artifact of run ${manifest.id}`;
    const problem = pathProblem(a.path);
    if (problem === 'git') assertWritablePath(a.path, what);
    let rel = a.path;
    if (problem === 'outside') {
      // Recorded outside the work tree: shown, and written only under a directory the user named.
      const name = options.outDir === undefined ? null : outsideName(a.path);
      if (name === null) {
        if (options.outDir !== undefined) assertWritablePath(a.path, what);
        out.push({ path: a.path, dest: null, status: 'outside' });
        continue;
      }
      rel = name;
    }
    const dest = join(outDir, rel);
    if (crossesLink(outDir, rel)) throw new GitTrackError('BAD_INPUT', `refusing to write ${what} '${a.path}': a directory on the way to ${dest} is a symlink or a file`, { path: dest });
    plans.push({ a, rel, dest });
  }
  for (const { a, dest } of plans) {
    if (a.sha256 === null) throw new GitTrackError('FILE_NOT_FOUND', `artifact ${a.path} of run ${manifest.id} was missing when the run was logged; there are no bytes to restore`);
    if (!options.force && a.kind === 'file' && (await compare(dest, a.sha256)) === 'different') {
      throw new GitTrackError('BAD_INPUT', `${dest} exists and differs from the artifact of run ${manifest.id}; use --force to overwrite`, { path: dest });
    }
  }
  if (plans.length) mkdirSync(outDir, { recursive: true }); // the directory the user named (or the work tree)
  // Every object is fetched and verified before the first file is written: a missing or
  // corrupt object in the store leaves the tree as it was.
  const todo: typeof plans = [];
  const sources = once(() => openSource(ctx));
  const verified = new Set<string>();
  for (const plan of plans) {
    if (plan.a.kind === 'file' && (await compare(plan.dest, plan.a.sha256!)) === 'same') {
      out.push({ path: plan.a.path, dest: plan.dest, status: 'unchanged' });
      continue;
    }
    await fetchIntoCache(ctx, sources, plan.a, manifest.id, verified);
    todo.push(plan);
  }
  for (const { a, dest } of todo) {
    await restorePath(ctx.repo.stateDir, { kind: a.kind, sha256: a.sha256! }, dest, outDir, verified);
    out.push({ path: a.path, dest, status: 'restored' });
  }
  return out;
}

type Source = Parameters<typeof downloadObject>[0];

/** The configured shared store, opened on first need (an already cached object needs none). */
async function openSource(ctx: TrackerContext): Promise<{ source: Source; where: string }> {
  const store = await resolveStore(ctx.repo, ctx.env);
  if (store.type === 'dir') return { source: { type: 'dir', dir: store.dir }, where: `the shared directory ${store.dir}` };
  if (store.type === 'git') return { source: { type: 'git', store: ctx.store, roots: artifactRoots(ctx) }, where: `${ARTIFACTS_REF} (run git-track pull first?)` };
  const { openBlobStore } = await import('../artifacts/stores/open-store.js');
  let remote = null;
  try {
    remote = resolveRemote(ctx.repo, undefined, ctx.repo.workTree ?? ctx.repo.gitDir);
  } catch {
    // No remote: an LFS store then needs its own url (it says so when opened).
  }
  const blob = await openBlobStore(ctx, store, remote);
  return { source: { type: 'remote', store: blob }, where: blob.label };
}

function once<T>(make: () => Promise<T>): () => Promise<T> {
  let value: Promise<T> | undefined;
  return () => (value ??= make());
}

/** Make every object behind the pointer present in the local cache. */
async function fetchIntoCache(
  ctx: TrackerContext,
  sources: () => Promise<{ source: Source; where: string }>,
  a: ArtifactEntry,
  runId: string,
  verified: Set<string>,
): Promise<void> {
  const need = async (sha256: string, size: number | null, label: string) => {
    if (cachedPath(ctx.repo.stateDir, sha256)) return;
    const { source, where } = await sources();
    // downloadObject hashes every byte before the object gets its name in the cache.
    if (await downloadObject(source, ctx.repo.stateDir, sha256, label, ctx.env, size)) {
      verified.add(sha256);
      return;
    }
    throw new GitTrackError('OBJECT_NOT_FOUND', `the bytes of ${label} (run ${runId}, sha256 ${sha256.slice(0, 12)}…) are neither in the local cache nor in ${where}`, {
      sha256,
      run: runId,
    });
  };
  await need(a.sha256!, a.kind === 'file' ? a.size : null, a.path);
  if (a.kind === 'dir') {
    const listing = parseListing(readFileSync(cachedPath(ctx.repo.stateDir, a.sha256!)!, 'utf8'));
    // A remote store answers several requests at once faster than one after another, as many
    // as its own setting says (lfs.concurrenttransfers, gittrack.store.concurrency).
    const missing = listing.filter((e) => !cachedPath(ctx.repo.stateDir, e.sha256));
    const open = missing.length ? (await sources()).source : null;
    const limit = open?.type === 'remote' ? open.store.concurrency : STORE_PARALLEL_OBJECTS;
    await forEachLimited(missing, limit, (e) => need(e.sha256, e.size, `${a.path}/${e.path}`));
  }
}

function artifactRoots(ctx: TrackerContext): string[] {
  const tip = readRef(ctx.repo.commonDir, ARTIFACTS_REF);
  return tip ? [ctx.store.readCommit(tip).tree] : [];
}

async function compare(path: string, sha256: string): Promise<'missing' | 'same' | 'different'> {
  const kind = lstatKind(path);
  if (kind === 'missing') return 'missing';
  // A symlink is never read through: it is replaced by the file.
  if (kind !== 'file') return 'different';
  return (await sha256File(path)).sha256 === sha256 ? 'same' : 'different';
}

function trimSlash(p: string): string {
  return p.replace(/\/+$/, '').replace(/^\.\//, '');
}
