/**
 * Whether git would run a hook: git's find_hook asks only that the file be executable
 * (access X_OK), so that is the whole test here too.
 */
import { accessSync, constants } from 'node:fs';

/**
 * True when git would run the hook at `path`.
 *
 * @example
 * if (isRunnableHook(join(gitDir, 'hooks', 'pre-receive'))) pushThroughGit();
 */
export function isRunnableHook(path: string): boolean {
  try {
    accessSync(path, constants.X_OK);
    return true;
  } catch {
    return false;
  }
}
