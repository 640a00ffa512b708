/**
 * Where the Python package (`python/git_track/`, shipped with the npm package) is, so
 * `git-track run` can put it on the program's PYTHONPATH.
 */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

/**
 * The directory holding the `git_track` package, or null if the package was installed without it.
 *
 * @example
 * pythonHelperDir(); // '/usr/lib/node_modules/git-track/python'
 */
export function pythonHelperDir(): string | null {
  // From dist/<chunk>.js the package root is one level up; from src/capture/ it is two.
  for (const rel of ['../python/', '../../python/']) {
    const dir = fileURLToPath(new URL(rel, import.meta.url));
    if (existsSync(join(dir, 'git_track', '__init__.py'))) return dir.replace(/\/$/, '');
  }
  return null;
}
