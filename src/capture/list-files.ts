import { readdirSync } from 'node:fs';
import { join } from 'node:path';

/**
 * Every regular file below `dir`, recursively, sorted; none when `dir` does not exist.
 *
 * @example
 * listFilesBelow(join(stagingDir, 'artifacts')); // ['/…/artifacts/model.pkl', …]
 */
export function listFilesBelow(dir: string): string[] {
  let entries;
  try {
    entries = readdirSync(dir, { withFileTypes: true });
  } catch {
    return [];
  }
  return entries.flatMap((e) => (e.isDirectory() ? listFilesBelow(join(dir, e.name)) : e.isFile() ? [join(dir, e.name)] : [])).sort();
}
