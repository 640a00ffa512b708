/**
 * Git deltas inside packs: applying one delta to its base, and the byte-bounded cache of
 * inflated bases that keeps long delta chains from being rebuilt on every read.
 */
import { GitTrackError } from '../errors.js';
import type { GitObject } from './encode.js';

/**
 * A byte-bounded LRU of inflated pack objects (delta bases and recent reads), shared by all
 * packs of a store; keys are `<pack id>:<offset>`. Entries are never handed out uncopied.
 *
 * @example
 * const cache = new DeltaBaseCache(32 << 20);
 */
export class DeltaBaseCache {
  private readonly entries = new Map<string, GitObject>();
  private bytes = 0;

  constructor(readonly maxBytes = 32 << 20) {}

  get(key: string): GitObject | undefined {
    const hit = this.entries.get(key);
    if (hit) {
      this.entries.delete(key);
      this.entries.set(key, hit);
    }
    return hit;
  }

  set(key: string, value: GitObject): void {
    // One huge base would flush everything useful; chains of small manifests matter more.
    if (value.content.length > this.maxBytes / 4 || this.entries.has(key)) return;
    this.entries.set(key, value);
    this.bytes += value.content.length;
    for (const [oldKey, old] of this.entries) {
      if (this.bytes <= this.maxBytes) break;
      this.entries.delete(oldKey);
      this.bytes -= old.content.length;
    }
  }

  clear(): void {
    this.entries.clear();
    this.bytes = 0;
  }
}

/**
 * Apply a git delta (source size, target size, then copy/insert instructions) to `base`.
 *
 * @example
 * const content = applyDelta(baseContent, deltaData, 'pack-1.pack');
 */
export function applyDelta(base: Buffer, delta: Buffer, where = 'delta'): Buffer {
  let pos = 0;
  const byte = (): number => (pos < delta.length ? (delta[pos++] as number) : broken(where, 'truncated delta'));
  const varint = (): number => {
    let value = 0;
    let c: number;
    let shift = 0;
    do {
      c = byte();
      value += (c & 0x7f) * 2 ** shift;
      shift += 7;
    } while (c & 0x80);
    return value;
  };
  if (varint() !== base.length) broken(where, 'delta base has the wrong size');
  const out = Buffer.allocUnsafe(varint());
  let o = 0;
  while (pos < delta.length) {
    const op = byte();
    if (op & 0x80) {
      let from = 0;
      let len = 0;
      for (let bit = 0; bit < 4; bit++) if (op & (1 << bit)) from += byte() * 2 ** (8 * bit);
      for (let bit = 0; bit < 3; bit++) if (op & (0x10 << bit)) len += byte() * 2 ** (8 * bit);
      if (len === 0) len = 0x10000;
      if (from + len > base.length || o + len > out.length) broken(where, 'delta copy out of range');
      o += base.copy(out, o, from, from + len);
    } else if (op !== 0) {
      if (pos + op > delta.length || o + op > out.length) broken(where, 'delta insert out of range');
      o += delta.copy(out, o, pos, pos + op);
      pos += op;
    } else {
      broken(where, 'reserved delta opcode 0');
    }
  }
  if (o !== out.length) broken(where, 'delta result has the wrong size');
  return out;
}

function broken(file: string, message: string): never {
  throw new GitTrackError('CORRUPT_OBJECT', `${file}: ${message}`, { file });
}
