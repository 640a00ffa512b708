/**
 * Push and pull between a sha1 and a sha256 repository. git cannot do it (its transports
 * refuse the other hash), so neither can we: the user gets one line naming both formats,
 * before anything is written on either side. A remote on this filesystem is recognised from
 * its config; any other remote from what git answers.
 */
import { GitTrackError } from '../errors.js';
import type { GitConfig } from '../git/config.js';
import { objectFormatNamed, SHA1, type ObjectFormat } from '../git/object-format.js';

/**
 * The object format a repository's config declares (`extensions.objectFormat`, sha1 when
 * unset), or undefined for one git-track does not know.
 *
 * @example
 * declaredObjectFormat(readGitConfig('/srv/git/churn.git'))?.name; // 'sha256'
 */
export function declaredObjectFormat(config: GitConfig): ObjectFormat | undefined {
  const value = config.get('extensions.objectformat');
  return value === undefined ? SHA1 : objectFormatNamed(value);
}

/**
 * The refusal for a remote whose objects are named by another hash than ours.
 *
 * @example
 * throw objectFormatMismatch('origin', SHA256, 'sha1');
 */
export function objectFormatMismatch(label: string, ours: ObjectFormat, theirs: string): GitTrackError {
  return new GitTrackError(
    'UNSUPPORTED_REPO',
    `${label} is a ${theirs} repository and this one is ${ours.name}: git cannot push or pull between them; nothing was sent or received`,
    { remote: label, objectFormat: ours.name, remoteObjectFormat: theirs },
  );
}

/**
 * The refusal matching git's own complaint about the other side's hash in `stderr`, or null
 * when git said something else. git 2.39 says "mismatched algorithms: client sha1; server
 * sha256" on fetch, and "the receiving end does not support this repository's hash algorithm"
 * on push.
 *
 * @example
 * const refused = mismatchFromGit(stderr, 'origin', ctx.store.format); if (refused) throw refused;
 */
export function mismatchFromGit(stderr: string, label: string, ours: ObjectFormat): GitTrackError | null {
  const named = /mismatched algorithms: client (\w+); server (\w+)/.exec(stderr);
  if (named) return objectFormatMismatch(label, ours, named[2]!);
  if (/does not support this repository's hash algorithm/.test(stderr)) {
    return objectFormatMismatch(label, ours, ours === SHA1 ? 'sha256' : 'sha1');
  }
  return null;
}
