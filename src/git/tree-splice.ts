/**
 * Editing a tree object's bytes in place. Adding a run rewrites its shard tree (hundreds of
 * entries at 100,000 runs) and the runs tree (256): decoding every entry into objects,
 * re-validating and re-sorting them all cost more than the rest of a write (measured), while
 * the existing bytes are already sorted and valid. Only the changed entries are checked.
 */
import { checkTreeEntry, decodeTree, encodeTree, type TreeEntry } from './encode.js';
import type { ObjectFormat } from './object-format.js';

export type TreeChange = { mode: TreeEntry['mode']; oid: string } | null;

interface RawEntry {
  start: number;
  end: number;
  name: Buffer;
  dir: boolean;
}

function* rawEntries(buf: Buffer, format: ObjectFormat): Generator<RawEntry> {
  const idEnd = 1 + format.rawLength;
  let pos = 0;
  while (pos < buf.length) {
    const space = buf.indexOf(0x20, pos);
    const nul = buf.indexOf(0, space + 1);
    // Trees written by git or by us are well formed; a truncated one ends the scan here and
    // surfaces as a missing entry rather than an out-of-range read.
    if (space < 0 || nul < 0 || nul + idEnd > buf.length) return;
    yield { start: pos, end: nul + idEnd, name: buf.subarray(space + 1, nul), dir: buf[pos] === 0x34 /* '4' of 40000 */ };
    pos = nul + idEnd;
  }
}

/**
 * The entry named `name` in a tree's bytes, or null.
 *
 * @example
 * findTreeEntry(store.readTyped(root, 'tree'), 'runs', store.format)?.oid;
 */
export function findTreeEntry(buf: Buffer, name: string, format: ObjectFormat): TreeEntry | null {
  const wanted = Buffer.from(name, 'utf8');
  for (const e of rawEntries(buf, format)) {
    if (e.name.equals(wanted)) {
      const mode = buf.toString('latin1', e.start, buf.indexOf(0x20, e.start));
      return { mode: mode === '40000' ? '040000' : (mode as TreeEntry['mode']), name, oid: buf.toString('hex', e.end - format.rawLength, e.end) };
    }
  }
  return null;
}

/** git's tree order: byte order of names, a directory's name read as if it ended in '/'. */
function compareKeys(a: Buffer, aDir: boolean, b: Buffer, bDir: boolean): number {
  const n = Math.min(a.length, b.length);
  const c = a.subarray(0, n).compare(b.subarray(0, n));
  if (c !== 0) return c;
  const ca = a.length > n ? a[n]! : aDir ? 0x2f : -1;
  const cb = b.length > n ? b[n]! : bDir ? 0x2f : -1;
  return ca - cb;
}

function encodeEntry(name: Buffer, change: NonNullable<TreeChange>): Buffer {
  const mode = change.mode === '040000' ? '40000' : change.mode;
  return Buffer.concat([Buffer.from(`${mode} `), name, Buffer.from([0]), Buffer.from(change.oid, 'hex')]);
}

/**
 * Apply changes (name → new entry, or null to remove) to a tree's bytes, keeping git's order.
 *
 * @example
 * const bytes = spliceTree(shardBytes, new Map([['3f9a21c0b7d4', { mode: '040000', oid }]]), store.format);
 */
export function spliceTree(buf: Buffer, changes: Map<string, TreeChange>, format: ObjectFormat): Buffer {
  const existing = new Map<string, RawEntry>();
  for (const e of rawEntries(buf, format)) if (changes.has(e.name.toString('utf8'))) existing.set(e.name.toString('utf8'), e);
  const items = [...changes.entries()].map(([name, change]) => {
    if (change) checkTreeEntry({ name, ...change }, format);
    const old = existing.get(name);
    return { name: Buffer.from(name, 'utf8'), change, old, dir: change ? change.mode === '040000' : (old?.dir ?? false) };
  });
  // Turning a file into a directory (or back) moves the entry in git's order: rebuild whole.
  if (items.some((i) => i.old && i.change && i.old.dir !== i.dir)) {
    const byName = new Map(decodeTree(buf, format).map((e) => [e.name, e]));
    for (const [name, change] of changes) change ? byName.set(name, { name, ...change }) : byName.delete(name);
    return encodeTree([...byName.values()], format);
  }
  items.sort((a, b) => compareKeys(a.name, a.dir, b.name, b.dir));
  const parts: Buffer[] = [];
  let copyFrom = 0;
  let i = 0;
  for (const e of rawEntries(buf, format)) {
    for (; i < items.length && compareKeys(items[i]!.name, items[i]!.dir, e.name, e.dir) < 0; i++) {
      const change = items[i]!.change;
      if (change) parts.push(buf.subarray(copyFrom, e.start), encodeEntry(items[i]!.name, change));
      if (change) copyFrom = e.start;
    }
    if (i < items.length && items[i]!.old?.start === e.start) {
      parts.push(buf.subarray(copyFrom, e.start));
      const change = items[i++]!.change;
      if (change) parts.push(encodeEntry(e.name, change));
      copyFrom = e.end;
    }
  }
  parts.push(buf.subarray(copyFrom));
  for (; i < items.length; i++) {
    const change = items[i]!.change;
    if (change) parts.push(encodeEntry(items[i]!.name, change));
  }
  return Buffer.concat(parts);
}
