/**
 * Packs whose index is gone. `git gc` ends by deleting every `pack-*.idx` it lists without its
 * `.pack` (clean_pack_garbage), and a directory listing is not atomic: while a writer renames
 * a new pack's `.pack` and then its `.idx` into place, gc can list the `.idx` and miss the
 * `.pack`, and delete a good index. The pack itself stays, whole; git (and we) just cannot see
 * its objects until an index is built again from it, which is what this does.
 */
import { existsSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { listDir } from './loose.js';
import { ANY_OID_SOURCE } from './object-format.js';

/** A pack this young may still be waiting for its writer to rename its index in. */
const WRITER_GRACE_MS = 1000;
/**
 * A writer sweeping after its own ref update leaves younger packs alone: nobody is waiting on
 * them, and on a loaded machine git itself can take seconds between writing a pack and
 * renaming its index in.
 */
const SWEEP_GRACE_MS = 30_000;
const PACK_NAME = new RegExp(`^pack-${ANY_OID_SOURCE}\\.pack$`);

/**
 * Build the index of every pack in `packDir` that has none (past the writer's grace); true
 * when one was rebuilt, so the caller rescans and looks again. With `waitForWriters: false`
 * a pack younger than half a minute is left to its writer instead of waited for (a writer
 * sweeping up after its own ref update must not stall on another's rename).
 *
 * @example
 * if (reindexOrphanPacks(join(objectsDir, 'pack'), (pack) => indexPackViaGit(gitDir, env, pack))) rescan();
 */
export function reindexOrphanPacks(packDir: string, reindex: (packPath: string) => boolean, options: { waitForWriters?: boolean } = {}): boolean {
  let rebuilt = false;
  const names = listDir(packDir);
  const listed = new Set(names);
  for (const name of names) {
    if (!PACK_NAME.test(name)) continue;
    // The listing answers for nearly every pack; the file system only for one listed alone.
    if (listed.has(`${name.slice(0, -'.pack'.length)}.idx`)) continue;
    const pack = join(packDir, name);
    const idx = `${pack.slice(0, -'.pack'.length)}.idx`;
    if (existsSync(idx)) continue;
    const age = ageMs(pack);
    if (age === undefined) continue;
    if (options.waitForWriters === false) {
      if (age < SWEEP_GRACE_MS) continue;
    } else if (age < WRITER_GRACE_MS) sleepMs(WRITER_GRACE_MS - age);
    // Back meanwhile (its writer put it back, or another reader rebuilt it): rescan all the same.
    if (existsSync(idx)) rebuilt = true;
    else if (existsSync(pack) && reindex(pack)) rebuilt = true;
  }
  return rebuilt;
}

function ageMs(path: string): number | undefined {
  try {
    return Date.now() - statSync(path).mtimeMs;
  } catch {
    return undefined;
  }
}

function sleepMs(ms: number): void {
  Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, Math.max(0, ms));
}
