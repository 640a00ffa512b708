/**
 * `core.sharedRepository`: the permissions git gives the files and directories it creates in
 * a repository shared by a group, so that every member can keep writing to it. Mirrors git's
 * `git_config_perm` and `adjust_shared_perm`.
 */
import { chmodSync, lstatSync } from 'node:fs';
import type { GitConfig } from './config.js';

/**
 * The setting as git encodes it: 0 (umask: leave modes alone), 0o660 (group), 0o664
 * (everybody), or a negative exact mode such as -0o640.
 *
 * @example
 * sharedPerm(config); // 0o660 for `sharedRepository = group`
 */
export function sharedPerm(config: GitConfig): number {
  const value = config.get('core.sharedrepository');
  if (value === undefined || value === 'umask') return 0;
  if (value === 'group' || value === '') return 0o660;
  if (value === 'all' || value === 'world' || value === 'everybody') return 0o664;
  if (!/^[0-7]+$/.test(value)) return /^(true|yes|on)$/i.test(value) ? 0o660 : 0;
  const mode = parseInt(value, 8);
  if (mode === 0) return 0;
  if (mode === 1) return 0o660;
  if (mode === 2) return 0o664;
  return -(mode & 0o666);
}

/**
 * Give `path` (a file or directory we just created) the mode git would under `perm`.
 *
 * @example
 * adjustSharedPerm(join(objectsDir, 'ab'), sharedPerm(repo.config));
 */
export function adjustSharedPerm(path: string, perm: number): void {
  if (perm === 0) return;
  const st = lstatSync(path);
  const old = st.mode & 0o7777;
  let tweak = Math.abs(perm);
  if (!(old & 0o200)) tweak &= ~0o222;
  if (old & 0o100) tweak |= (tweak & 0o444) >> 2;
  let mode = perm < 0 ? (old & ~0o777) | tweak : old | tweak;
  if (st.isDirectory()) mode |= 0o2000;
  if (mode !== old) chmodSync(path, mode);
}
