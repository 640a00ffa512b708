/**
 * Is every object `runs` reaches still there? A `git gc --prune=now` racing an older
 * git-track (or any writer that does not guard its objects) could delete a run's objects
 * between their write and the ref update, leaving `runs` pointing at a missing commit.
 */
import { isGitTrackError } from '../errors.js';
import { readRef } from '../git/refs.js';
import { runGit } from '../git/system-git.js';
import { RUNS_BRANCH, RUNS_REF } from '../runs/layout.js';
import type { TrackerContext } from '../tracker-context.js';
import { ANY_OID_SOURCE } from '../git/object-format.js';

export interface RunsDamage {
  /** Where `runs` points. */
  tip: string;
  /** Objects found missing (the tip itself when the walk could not start); a few are enough. */
  missing: string[];
}

/**
 * Objects of `oid`'s closure (minus what `not` reaches) that are missing: [] when all are
 * present, `[oid]` when git cannot even start the walk (a missing commit on the way). With
 * `firstParent` (for `runs`) only the first-parent chain is walked: a run's missing code
 * commit is a different problem (verify names it; the runs themselves are intact).
 *
 * @example
 * await missingObjects(ctx, tip, { firstParent: true }); // [] for an intact branch
 */
export async function missingObjects(ctx: TrackerContext, oid: string, options: { firstParent?: boolean; not?: string[] } = {}): Promise<string[]> {
  const not = options.not ?? [];
  const args = ['rev-list', ...(options.firstParent ? ['--first-parent'] : []), '--objects', '--missing=print', oid, ...(not.length ? ['--not', ...not] : [])];
  const r = await runGit(args, { cwd: ctx.repo.gitDir, env: ctx.env, allowFailure: true });
  if (r.code !== 0) {
    const named = new RegExp(`(?:bad object|missing \\w+|could not (?:read|parse) \\w*)\\s*(${ANY_OID_SOURCE})`, 'i').exec(r.stderr);
    return [named?.[1] ?? oid];
  }
  const out: string[] = [];
  for (const line of r.stdout.split('\n')) if (line.startsWith('?')) out.push(line.slice(1).trim());
  return out;
}

/**
 * The damage of `runs`, or null when the branch is absent or whole (or git is not installed,
 * when nothing can be said cheaply).
 *
 * @example
 * const damage = await findRunsDamage(ctx);
 * if (damage) console.error(damageMessage(damage));
 */
export async function findRunsDamage(ctx: TrackerContext): Promise<RunsDamage | null> {
  const tip = readRef(ctx.repo.commonDir, RUNS_REF);
  if (!tip) return null;
  try {
    const missing = await missingObjects(ctx, tip, { firstParent: true });
    return missing.length ? { tip, missing } : null;
  } catch (err) {
    if (isGitTrackError(err, 'GIT_MISSING')) return null;
    throw err;
  }
}

/**
 * One line saying what is wrong and how to repair it.
 *
 * @example
 * damageMessage(damage); // "the runs branch points at commit 3f9a21c0b7d4, but object … is missing …"
 */
export function damageMessage(damage: RunsDamage): string {
  const first = damage.missing[0]!;
  const count = damage.missing.length;
  const what =
    first === damage.tip ? 'which is missing' : count === 1 ? `but object ${first.slice(0, 12)} is missing` : `but ${count} objects, such as ${first.slice(0, 12)}, are missing`;
  return (
    `the ${RUNS_BRANCH} branch points at commit ${damage.tip.slice(0, 12)}, ${what} (deleted by git gc/prune?); ` +
    '`git-track repair` restores it from the reflog and the objects still present'
  );
}
