/**
 * Before runs are pushed, the bytes of their artifacts go to the shared store, so a pointer
 * never arrives anywhere without its bytes being reachable. Only runs the remote does not have
 * yet are looked at, so the cost follows what is pushed, not the size of the branch.
 */
import { GitTrackError, isGitTrackError } from '../errors.js';
import { MAX_MANIFEST_BYTES } from '../limits.js';
import type { ResolvedStore } from '../config/load-store.js';
import { formatBytes } from '../config/size.js';
import type { Identity } from '../git/identity.js';
import { catFileBatch } from '../git/cat-file-batch.js';
import { readRef } from '../git/refs.js';
import { editTree, lookupPath, type TreeEdit } from '../git/tree-edit.js';
import { advanceRef } from '../runs/runs-branch.js';
import type { TrackerContext } from '../tracker-context.js';
import { objectsOfArtifacts, readCached, storePath, uploadToDir, type NeededObject } from './artifact-objects.js';
import { ARTIFACTS_REF } from './remote.js';
import type { AddedRun } from './added-runs.js';
import type { Remote } from './remote.js';

export interface StagedArtifacts {
  /** Objects newly written to the store. */
  uploaded: number;
  bytes: number;
  /** Objects referenced by the pushed runs whose bytes are not in the local cache. */
  missing: NeededObject[];
}

/**
 * Put the bytes behind the artifacts of `runs` into the store. With the `git` store, objects
 * over the size cap are refused (ARTIFACT_TOO_LARGE) before anything is written.
 *
 * `remote` is the remote the runs go to (an LFS store uploads to its LFS server).
 *
 * @example
 * await stageArtifacts(ctx, () => resolveIdentity(repo, env), () => resolveStore(repo, env), await addedRuns(ctx, localTip, remoteTip), remote);
 */
export async function stageArtifacts(
  ctx: TrackerContext,
  identity: () => Promise<Identity>,
  storeOf: () => Promise<ResolvedStore>,
  runs: AddedRun[],
  remote: Remote | null = null,
): Promise<StagedArtifacts> {
  const wanted = new Map<string, NeededObject>();
  const missing: NeededObject[] = [];
  for (const { path, text } of await readManifests(ctx, runs)) {
    if (text === null) {
      ctx.env.warn(`skipping the artifacts of ${path}: it is over the limit of ${formatBytes(MAX_MANIFEST_BYTES)}`);
      continue;
    }
    // Most runs have no artifacts; skip the YAML parse for them (it dominates at 1,000s of runs).
    if (!/^artifacts:\n/m.test(text)) continue;
    // The codec (yaml + zod) loads only when some run has artifacts.
    const { decodeManifest } = await import('../manifest/codec.js');
    let manifest;
    try {
      manifest = decodeManifest(text, `run ${path.split('/')[2]}`);
    } catch (err) {
      // A bad manifest (pulled from someone else) has no artifacts of ours to send.
      if (!isGitTrackError(err)) throw err;
      ctx.env.warn(`skipping the artifacts of ${path}: ${err.message}`);
      continue;
    }
    const found = objectsOfArtifacts(ctx.repo.stateDir, `run ${manifest.id}`, manifest.artifacts);
    for (const o of found.objects) wanted.set(o.sha256, o);
    missing.push(...found.missing);
  }
  if (wanted.size === 0) return { uploaded: 0, bytes: 0, missing };
  const store = await storeOf();
  if (store.type === 's3' || store.type === 'lfs') {
    const { openBlobStore } = await import('../artifacts/stores/open-store.js');
    const sent = await (await openBlobStore(ctx, store, remote)).upload([...wanted.values()]);
    return { ...sent, missing };
  }
  return store.type === 'dir' ? toDir(ctx, store.dir, [...wanted.values()], missing) : toGit(ctx, identity, store.maxBytes, [...wanted.values()], missing);
}

/** Above this many runs one `git cat-file --batch` beats reading packed deltas one by one. */
const BATCH_FROM = 64;

/** Each run's manifest text; null for one over {@link MAX_MANIFEST_BYTES}. */
async function readManifests(ctx: TrackerContext, runs: AddedRun[]): Promise<{ path: string; text: string | null }[]> {
  if (runs.length >= BATCH_FROM) {
    const blobs = await catFileBatch(ctx.repo.workTree ?? ctx.repo.gitDir, ctx.env, runs.map((r) => r.manifest));
    return runs.flatMap((r, i) => (blobs[i] ? [{ path: r.path, text: blobs[i].length > MAX_MANIFEST_BYTES ? null : blobs[i].toString('utf8') }] : []));
  }
  // Sizes come from object headers: an oversized manifest is never inflated here.
  return runs.map((r) => ({ path: r.path, text: ctx.store.size(r.manifest) > MAX_MANIFEST_BYTES ? null : ctx.store.readBlob(r.manifest).toString('utf8') }));
}

async function toDir(ctx: TrackerContext, dir: string, objects: NeededObject[], missing: NeededObject[]): Promise<StagedArtifacts> {
  let uploaded = 0;
  let bytes = 0;
  for (const o of objects) {
    if (await uploadToDir(ctx.repo.stateDir, dir, o, ctx.env)) {
      uploaded++;
      bytes += o.size;
    }
  }
  return { uploaded, bytes, missing };
}

async function toGit(ctx: TrackerContext, identity: () => Promise<Identity>, maxBytes: number, objects: NeededObject[], missing: NeededObject[]): Promise<StagedArtifacts> {
  const tip = readRef(ctx.repo.commonDir, ARTIFACTS_REF);
  const root = tip ? ctx.store.readCommit(tip).tree : null;
  const needed = root ? objects.filter((o) => !lookupPath(ctx.store, root, storePath(o.sha256))) : objects;
  const tooLarge = needed.filter((o) => o.size > maxBytes);
  if (tooLarge.length) {
    const list = tooLarge.map((o) => `${o.origin} (${formatBytes(o.size)})`).join(', ');
    throw new GitTrackError(
      'ARTIFACT_TOO_LARGE',
      `${list} ${tooLarge.length === 1 ? 'is' : 'are'} over the ${formatBytes(maxBytes)} cap of the git artifact store; nothing was pushed. ` +
        'Configure a shared store (git config gittrack.store.dir /mnt/share, or `store: {type: dir, path: …}` in .git-track.yaml) ' +
        'or raise the cap (git config gittrack.store.maxFileSize 50MB)',
      { artifacts: tooLarge.map((o) => ({ origin: o.origin, size: o.size })), maxBytes },
    );
  }
  if (needed.length === 0) return { uploaded: 0, bytes: 0, missing };
  const edits: TreeEdit[] = [];
  let bytes = 0;
  for (const o of needed) {
    edits.push({ path: storePath(o.sha256), entry: { mode: '100644', oid: ctx.store.write('blob', await readCached(ctx.repo.stateDir, o.sha256)) } });
    bytes += o.size;
  }
  await advanceRef(
    ctx,
    identity,
    (current) => {
      const base = current ? ctx.store.readCommit(current).tree : null;
      const tree = editTree(ctx.store, base, edits);
      return { commit: { tree, parents: current ? [current] : [], message: `Add ${needed.length} artifact object(s)` } };
    },
    ARTIFACTS_REF,
  );
  return { uploaded: needed.length, bytes, missing };
}
