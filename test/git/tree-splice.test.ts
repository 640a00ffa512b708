import { describe, expect, it } from 'vitest';
import { decodeTree, encodeTree, type TreeEntry } from '../../src/git/encode.js';
import { findTreeEntry, spliceTree, type TreeChange } from '../../src/git/tree-splice.js';
import { SHA1 } from '../../src/git/object-format.js';

const NAMES = ['a', 'a.b', 'a-b', 'a0', 'ab', 'b', 'run', 'runs', 'runs.txt', 'runs-old', 'z', 'é', 'A'];

function randomOid(next: () => number): string {
  return Array.from({ length: 40 }, () => '0123456789abcdef'[Math.floor(next() * 16)]).join('');
}

function rng(seed: number): () => number {
  let s = seed;
  return () => ((s = (s * 1103515245 + 12345) % 2 ** 31) / 2 ** 31);
}

describe('spliceTree', () => {
  it('gives the same bytes as rebuilding the whole tree, over 3,000 random edits', () => {
    const next = rng(42);
    for (let round = 0; round < 3000; round++) {
      const base = new Map<string, TreeEntry>();
      for (const name of NAMES) if (next() < 0.5) base.set(name, { name, mode: next() < 0.5 ? '040000' : '100644', oid: randomOid(next) });
      const bytes = encodeTree([...base.values()], SHA1);
      const changes = new Map<string, TreeChange>();
      for (let k = 0; k < 1 + Math.floor(next() * 3); k++) {
        const name = NAMES[Math.floor(next() * NAMES.length)]!;
        changes.set(name, next() < 0.3 ? null : { mode: next() < 0.5 ? '040000' : '100644', oid: randomOid(next) });
      }
      const expected = new Map(base);
      for (const [name, change] of changes) change ? expected.set(name, { name, ...change }) : expected.delete(name);
      expect(spliceTree(bytes, changes, SHA1).equals(encodeTree([...expected.values()], SHA1))).toBe(true);
    }
  });

  it('finds entries by name and reports a missing one as null', () => {
    const oid = 'ab'.repeat(20);
    const bytes = encodeTree([
      { name: 'runs', mode: '040000', oid },
      { name: 'README.md', mode: '100644', oid },
    ], SHA1);
    expect(findTreeEntry(bytes, 'runs', SHA1)).toEqual({ name: 'runs', mode: '040000', oid });
    expect(findTreeEntry(bytes, 'run', SHA1)).toBeNull();
    expect(decodeTree(spliceTree(bytes, new Map([['runs', null]]), SHA1), SHA1)).toEqual([{ name: 'README.md', mode: '100644', oid }]);
  });

  it('refuses an entry git fsck would reject', () => {
    expect(() => spliceTree(Buffer.alloc(0), new Map([['.git', { mode: '040000', oid: 'ab'.repeat(20) }]]), SHA1)).toThrow();
  });
});
