import { copyFileSync, readdirSync, rmSync, utimesSync } from 'node:fs';
import { Worker } from 'node:worker_threads';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { reindexOrphanPacks } from '../../src/git/orphan-packs.js';
import { git, makeRepo, tempDir } from '../helpers/repo.js';

describe('reindexOrphanPacks', () => {
  it('a young pack whose index its writer puts back during the grace: the caller is told to rescan, nothing is rebuilt', async () => {
    const dir = makeRepo({ commit: true });
    git(dir, 'repack', '-a', '-d', '-q');
    const packDir = join(dir, '.git', 'objects', 'pack');
    const idx = readdirSync(packDir).find((f) => f.endsWith('.idx'))!;
    const saved = join(tempDir(), idx);
    copyFileSync(join(packDir, idx), saved);
    rmSync(join(packDir, idx));
    // The writer restores its index 100 ms later, on a thread of its own (the sweep blocks
    // this one while it waits).
    const writer = new Worker(`setTimeout(() => require('node:fs').copyFileSync(${JSON.stringify(saved)}, ${JSON.stringify(join(packDir, idx))}), 100)`, { eval: true });
    const now = new Date();
    utimesSync(join(packDir, idx.replace(/\.idx$/, '.pack')), now, now);
    const rebuilt: string[] = [];
    const told = reindexOrphanPacks(packDir, (pack) => (rebuilt.push(pack), false));
    await new Promise((done) => writer.on('exit', done));
    expect(told).toBe(true);
    expect(rebuilt).toEqual([]);
    git(dir, 'fsck', '--strict', '--no-progress');
  });
});
