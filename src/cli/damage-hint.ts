/**
 * When a command fails on a missing object, the usual cause is a damaged `runs` branch (a
 * prune deleted objects it reaches): say that, in one line, with the repair, instead of the
 * bare "object … not found". Only on that error path: the check costs one `git rev-list`.
 */
import { resolve } from 'node:path';
import { isGitTrackError } from '../errors.js';

/** How git says an object is not there (`merge-base` on a missing tip: "Not a valid commit name"). */
const GIT_SAYS_MISSING = /bad object|missing|unable to read|not a valid (?:commit name|object)|could not (?:read|parse)|bad revision/i;

/**
 * The line to print instead of `err`'s message, or undefined when `runs` is whole (or the
 * repository cannot be opened).
 *
 * @example
 * const line = await damageHint(err, argv); // 'the runs branch points at commit …'
 */
export async function damageHint(err: unknown, argv: string[]): Promise<string | undefined> {
  // Not every git failure keeps git's stderr; its first line is in the message then.
  const stderr = isGitTrackError(err, 'GIT_FAILED') ? `${String(err.data.stderr ?? '')}\n${err.message}` : '';
  if (!isGitTrackError(err, 'OBJECT_NOT_FOUND') && !GIT_SAYS_MISSING.test(stderr)) return undefined;
  // An object of one run (its manifest, its directory): the message already names the run and the way out.
  if (isGitTrackError(err, 'OBJECT_NOT_FOUND') && typeof err.data.id === 'string') return undefined;
  const at = argv.indexOf('-C');
  const dir = at >= 0 && argv[at + 1] !== undefined ? resolve(argv[at + 1]!) : process.cwd();
  try {
    const { openContext } = await import('../tracker-context.js');
    const { damageMessage, findRunsDamage } = await import('../verify/runs-damage.js');
    const damage = await findRunsDamage(openContext({ dir }));
    return damage ? damageMessage(damage) : undefined;
  } catch {
    return undefined;
  }
}
