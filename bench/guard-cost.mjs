// Benchmark: what guarding a run's objects against a concurrent `git gc --prune=now` costs a
// write. The same ~6 objects a `git-track log` writes (manifest, run tree, shard trees,
// commit) go into one pack (a) unguarded, (b) as a log does: a `.keep` created first, the
// index checked before the ref moves and again before the `.keep` is removed, and the pack
// directory swept for packs gc left without an index. In a repository holding `packs` other
// packs, since the sweep lists the directory.
// usage: node bench/guard-cost.mjs [--quick]
import { build } from 'esbuild';
import { mkdirSync, mkdtempSync, rmSync, unlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { fmt, median, printTable } from './stats.mjs';

const ROOT = resolve(import.meta.dirname, '..');
const N = process.argv.includes('--quick') ? 200 : 1000;
const out = join(ROOT, '.bench-tmp', 'guard-cost.mjs');
await build({
  stdin: {
    contents: "export * from './src/git/pack-write.ts'; export * from './src/git/orphan-packs.ts'; export * from './src/git/encode.ts'; export { SHA1 } from './src/git/object-format.ts';",
    resolveDir: ROOT,
    loader: 'ts',
  },
  bundle: true,
  format: 'esm',
  platform: 'node',
  outfile: out,
  logLevel: 'warning',
});
const { writePack, restoreIndex, reindexOrphanPacks, encodePackEntry, hashObject, SHA1 } = await import(out);

function runObjects(i) {
  const contents = [
    ['blob', Buffer.from(`format: git-track/run@1\nid: ${i.toString(16).padStart(12, '0')}\n${'params: {a: 1}\n'.repeat(30)}`)],
    ['tree', Buffer.alloc(40, i & 255)],
    ['tree', Buffer.alloc(80, (i + 1) & 255)],
    ['tree', Buffer.alloc(120, (i + 2) & 255)],
    ['commit', Buffer.from(`tree ${'0'.repeat(40)}\nauthor a <a> ${i} +0000\ncommitter a <a> ${i} +0000\n\nrun ${i}\n`)],
    ['blob', Buffer.from(`series ${i}\n`.repeat(20))],
  ];
  return contents.map(([type, content]) => ({ oid: hashObject(type, content, SHA1), bytes: encodePackEntry(type, content) }));
}

const rows = [];
for (const packs of [1, 100]) {
  const dir = mkdtempSync(join(tmpdir(), 'gt-guard-'));
  const packDir = join(dir, 'pack');
  mkdirSync(packDir);
  for (let p = 0; p < packs; p++) {
    for (const ext of ['pack', 'idx']) writeFileSync(join(packDir, `pack-${p.toString(16).padStart(40, '0')}.${ext}`), 'x');
  }
  const options = { fsync: false, sharedPerm: 0, format: SHA1 };
  const plain = [];
  const guarded = [];
  for (let i = 0; i < N; i++) {
    const entries = runObjects(i);
    let t = performance.now();
    const a = writePack(packDir, entries, options);
    plain.push(performance.now() - t);
    unlinkSync(a.packPath);
    unlinkSync(a.idxPath);
    const again = runObjects(i);
    t = performance.now();
    const b = writePack(packDir, again, { ...options, keep: 'git-track: ref update in progress (bench)' });
    restoreIndex(b, options);
    // …the ref moves here…
    restoreIndex(b, options);
    unlinkSync(b.keepPath);
    reindexOrphanPacks(packDir, () => false, { waitForWriters: false });
    guarded.push(performance.now() - t);
    unlinkSync(b.packPath);
    unlinkSync(b.idxPath);
  }
  rmSync(dir, { recursive: true, force: true });
  rows.push([String(packs), fmt(median(plain)), fmt(median(guarded)), fmt(median(guarded) - median(plain))]);
}
console.log(`\nOne run's objects as a pack (median of ${N})`);
printTable(['other packs', 'unguarded', 'guarded (as log)', 'cost of the guard'], rows);
