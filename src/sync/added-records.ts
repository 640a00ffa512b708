/**
 * The later facts a push sends besides runs: promotions (`stages/`), tag records (`tags/`) and
 * any other record directory of `runs`, counted by top-level directory, so that a push of
 * only a promotion says so instead of "0 runs".
 */
import { runGit } from '../git/system-git.js';
import { RUNS_DIR } from '../runs/layout.js';
import type { TrackerContext } from '../tracker-context.js';

/**
 * Files added below each top-level directory other than `runs/`, from the commit `remote`
 * (null: the remote has nothing) to `local`.
 *
 * @example
 * await addedRecords(ctx, localTip, remoteTip); // { stages: 1, tags: 2 }
 */
export async function addedRecords(ctx: TrackerContext, local: string, remote: string | null): Promise<Record<string, number>> {
  if (local === remote) return {};
  const exclude = `:(exclude)${RUNS_DIR}/`;
  // git knows the empty tree without having it: the first push compares against it.
  const args = ['diff-tree', '-r', '-z', '--name-only', '--no-renames', '--diff-filter=A', remote ?? ctx.store.format.emptyTree, local, '--', '.', exclude];
  const { stdout } = await runGit(args, { cwd: ctx.repo.workTree ?? ctx.repo.gitDir, env: ctx.env });
  const counts: Record<string, number> = {};
  for (const path of stdout.split('\0')) {
    const slash = path.indexOf('/');
    // Files at the root (the format marker, the README) are not records.
    if (slash <= 0) continue;
    const top = path.slice(0, slash);
    counts[top] = (counts[top] ?? 0) + 1;
  }
  return counts;
}
