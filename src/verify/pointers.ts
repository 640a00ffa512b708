/**
 * Checking that the artifact and data bytes present in the local cache still hash to the
 * sha256 their pointers name (a cache entry edited in place would restore wrong bytes).
 */
import { createHash } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { cachedPath } from '../artifacts/cache.js';
import { sha256File } from '../artifacts/hash.js';
import { parseListing } from '../artifacts/listing.js';

export interface PointerProblem {
  sha256: string;
  message: string;
}

/**
 * Re-hash the cached object of every pointer (directories: their listing and each file).
 * Pointers whose bytes are not cached are skipped and counted.
 *
 * @example
 * const { problems, checked, missing } = await checkCachedPointers(stateDir, [{ kind: 'file', sha256 }]);
 */
export async function checkCachedPointers(
  stateDir: string,
  pointers: readonly { kind: 'file' | 'dir'; sha256: string }[],
): Promise<{ problems: PointerProblem[]; checked: number; missing: number }> {
  const seen = new Set<string>();
  const problems: PointerProblem[] = [];
  let checked = 0;
  let missing = 0;
  const checkFile = async (sha256: string): Promise<boolean> => {
    const path = cachedPath(stateDir, sha256);
    if (!path) return false;
    checked++;
    const actual = (await sha256File(path)).sha256;
    if (actual !== sha256) problems.push({ sha256, message: `cached object ${sha256.slice(0, 12)} is corrupt: its bytes hash to ${actual.slice(0, 12)} (${path})` });
    return true;
  };
  for (const p of pointers) {
    if (seen.has(p.sha256)) continue;
    seen.add(p.sha256);
    if (p.kind === 'file') {
      if (!(await checkFile(p.sha256))) missing++;
      continue;
    }
    const path = cachedPath(stateDir, p.sha256);
    if (!path) {
      missing++;
      continue;
    }
    checked++;
    const bytes = await readFile(path);
    const actual = createHash('sha256').update(bytes).digest('hex');
    if (actual !== p.sha256) {
      problems.push({ sha256: p.sha256, message: `cached listing ${p.sha256.slice(0, 12)} is corrupt: its bytes hash to ${actual.slice(0, 12)}` });
      continue;
    }
    for (const entry of parseListing(bytes)) {
      if (seen.has(entry.sha256)) continue;
      seen.add(entry.sha256);
      if (!(await checkFile(entry.sha256))) missing++;
    }
  }
  return { problems, checked, missing };
}
