/**
 * Merging the small packs that guarded writes leave behind.
 *
 * Each ref update writes its objects as one small pack (see pack-write.ts). Left alone, a
 * repository where only git-track writes would pile up thousands of them, and every object
 * lookup (ours and git's) searches each pack's index. git runs `gc --auto` after its own
 * commands; a training cluster that only logs runs never does. So a writer that finds
 * {@link MERGE_PACKS_AT} small unguarded packs merges them: the merged pack is complete and
 * on disk before any source pack is deleted, as `git repack` does, so no object is ever
 * missing in between and nothing is decided about reachability (gc does that).
 */
import { closeSync, existsSync, openSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { systemCode } from '../errors.js';
import { MAX_MERGED_PACK_BYTES, MERGE_PACKS_AT, STALE_KEEP_MS } from '../limits.js';
import { DeltaBaseCache } from './delta.js';
import type { GitObject } from './encode.js';
import { listDir } from './loose.js';
import type { ObjectFormat } from './object-format.js';
import { PackFile } from './pack.js';
import { encodePackEntry, removeQuietly, writePack, type PackEntry } from './pack-write.js';

/** Files that mark a pack as someone else's business: guarded, promisor, cruft, bitmapped. */
const HANDS_OFF = ['.keep', '.promisor', '.mtimes', '.bitmap'];
/** Another writer merging right now holds this for well under a second. */
const STALE_LOCK_MS = 60_000;

/**
 * Merge the smallest unguarded packs of `objectsDir` into one when {@link MERGE_PACKS_AT} of
 * them have piled up; returns how many were merged (0 when there was nothing to do or another
 * process is merging). `read` reads any object of the store.
 *
 * @example
 * mergeSmallPacks(objectsDir, (oid) => store.read(oid), { format: store.format });
 */
export function mergeSmallPacks(
  objectsDir: string,
  read: (oid: string) => GitObject,
  options: { format: ObjectFormat; sharedPerm?: number; onMerged?: () => void },
): number {
  const packDir = join(objectsDir, 'pack');
  // A pack is named by its checksum, an id of the repository's hash.
  const packIdx = new RegExp(`^pack-[0-9a-f]{${options.format.hexLength}}\\.idx$`);
  const names = listDir(packDir);
  if (names.filter((n) => packIdx.test(n)).length < MERGE_PACKS_AT) return 0;
  const small: { base: string; size: number }[] = [];
  for (const name of names) {
    if (!packIdx.test(name)) continue;
    const base = join(packDir, name.slice(0, -4));
    // Asked of the file system, not of the listing: a directory listing is not atomic and
    // can show a pack's index without the `.keep` made before it (git checks the same way).
    if (handsOff(base)) continue;
    const size = sizeOf(`${base}.pack`);
    if (size !== undefined && size <= MAX_MERGED_PACK_BYTES) small.push({ base, size });
  }
  if (small.length < MERGE_PACKS_AT) return 0;
  const chosen = chooseGeometric(small);
  const lock = join(packDir, '.git-track-merge.lock');
  if (!takeLock(lock)) return 0;
  try {
    removeStaleLeftovers(packDir, names);
    const entries: PackEntry[] = [];
    const seen = new Set<string>();
    for (const p of chosen) {
      let oids: string[];
      try {
        const pack = PackFile.open(`${p.base}.idx`, `${p.base}.pack`, new DeltaBaseCache(0), options.format);
        oids = pack.oids();
        pack.close();
      } catch (err) {
        // git gc removed it meanwhile: its objects are in gc's new pack, nothing to merge.
        if (systemCode(err) === 'ENOENT') return 0;
        throw err;
      }
      for (const oid of oids) {
        if (seen.has(oid)) continue;
        seen.add(oid);
        const obj = read(oid);
        entries.push({ oid, bytes: encodePackEntry(obj.type, obj.content) });
      }
    }
    if (entries.length === 0) return 0;
    // Always flushed: the sources are deleted next, and git flushes the packs it writes too.
    const merged = writePack(packDir, entries, { fsync: true, sharedPerm: options.sharedPerm ?? 0, format: options.format });
    for (const p of chosen) {
      // When one source already held every object, in index order (an earlier merge whose
      // objects another pack only repeats), the merged pack is that very file: keep it.
      if (`${p.base}.pack` === merged.packPath) continue;
      // A writer guarding a pack of the very same bytes since (the same objects) keeps it.
      if (handsOff(p.base)) continue;
      // As git repack: the data file first, the index (what readers look for) last.
      for (const ext of ['.pack', '.rev', '.idx']) removeQuietly(`${p.base}${ext}`);
    }
    options.onMerged?.();
    return chosen.length;
  } finally {
    removeQuietly(lock);
  }
}

/**
 * The smallest packs, taken while each next one is at most twice the sum so far (and the sum
 * stays under the cap): merged packs grow geometrically, so an object is rewritten about
 * log2(runs) times in all, not once per merge.
 */
function chooseGeometric(packs: { base: string; size: number }[]): { base: string; size: number }[] {
  const sorted = [...packs].sort((a, b) => a.size - b.size);
  const chosen: { base: string; size: number }[] = [];
  let sum = 0;
  for (const p of sorted) {
    if (chosen.length >= 2 && p.size > 2 * sum) break;
    if (sum + p.size > MAX_MERGED_PACK_BYTES) break;
    chosen.push(p);
    sum += p.size;
  }
  return chosen;
}

function takeLock(path: string): boolean {
  for (let attempt = 0; attempt < 2; attempt++) {
    try {
      closeSync(openSync(path, 'wx'));
      return true;
    } catch (err) {
      if (systemCode(err) !== 'EEXIST') return false;
    }
    const age = ageOf(path);
    if (age === undefined || age < STALE_LOCK_MS) return false;
    removeQuietly(path);
  }
  return false;
}

/** Our own `.keep` guards and temp files that a killed process left behind. */
function removeStaleLeftovers(packDir: string, names: string[]): void {
  for (const name of names) {
    const path = join(packDir, name);
    const ours = /^\.git-track-[0-9a-f]+\.tmp$/.test(name) || (name.endsWith('.keep') && isOurKeep(path));
    if (!ours) continue;
    const age = ageOf(path);
    if (age !== undefined && age > STALE_KEEP_MS) removeQuietly(path);
  }
}

function isOurKeep(path: string): boolean {
  try {
    return readFileSync(path, 'latin1').startsWith('git-track:');
  } catch {
    return false;
  }
}

function handsOff(base: string): boolean {
  return HANDS_OFF.some((ext) => existsSync(`${base}${ext}`));
}

function sizeOf(path: string): number | undefined {
  try {
    return statSync(path).size;
  } catch {
    return undefined;
  }
}

function ageOf(path: string): number | undefined {
  try {
    return Date.now() - statSync(path).mtimeMs;
  } catch {
    return undefined;
  }
}
