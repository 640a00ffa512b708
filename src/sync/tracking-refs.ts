/**
 * Sets of refs kept in step with a remote's (the incoming writers' refs), and deletions that
 * happen only where a ref still holds what we expect.
 */
import type { Env } from '../env.js';
import { runGit } from '../git/system-git.js';
import type { TrackerContext } from '../tracker-context.js';
import { refsUnder } from './incoming.js';
import { setTrackingRef } from './sync-state.js';

/**
 * Make the refs under `trackingPrefix` here mirror `remoteRefs` (named under `remotePrefix`),
 * as `git fetch --prune` with `+<remotePrefix>*:<trackingPrefix>*` would.
 *
 * @example
 * await mirrorTrackingRefs(ctx, refs, 'refs/git-track/incoming/', 'refs/git-track/remotes/origin/incoming/');
 */
export async function mirrorTrackingRefs(ctx: TrackerContext, remoteRefs: Map<string, string>, remotePrefix: string, trackingPrefix: string): Promise<void> {
  const wanted = new Map([...remoteRefs].map(([name, oid]) => [`${trackingPrefix}${name.slice(remotePrefix.length)}`, oid]));
  for (const [name, oid] of wanted) await setTrackingRef(ctx, name, oid);
  const stale = [...refsUnder(ctx.repo.commonDir, trackingPrefix)].filter(([name]) => !wanted.has(name));
  await deleteRefs(ctx.env, ctx.repo.commonDir, stale.map(([ref, expected]) => ({ ref, expected })));
}

/**
 * Delete each ref that still holds its `expected` value; one that moved meanwhile is left
 * alone (its writer pushed again: what it holds now is not folded yet). One `git update-ref`
 * transaction for all, which git also applies to `packed-refs`; when it fails because one
 * moved, the rest are deleted one by one.
 *
 * @example
 * await deleteRefs(env, remoteGitDir, [{ ref: 'refs/git-track/incoming/5be0…/runs', expected: '9fce…' }]);
 */
export async function deleteRefs(env: Env, gitDir: string, refs: { ref: string; expected: string }[]): Promise<void> {
  if (refs.length === 0) return;
  const run = (input: string) => runGit(['--git-dir', gitDir, 'update-ref', '--stdin'], { cwd: gitDir, env, input, allowFailure: true });
  const all = await run(refs.map((r) => `delete ${r.ref} ${r.expected}\n`).join(''));
  if (all.code === 0 || refs.length === 1) return;
  for (const r of refs) await run(`delete ${r.ref} ${r.expected}\n`);
}
