import { spawn } from 'node:child_process';
import { copyFileSync, readdirSync, rmSync } from 'node:fs';
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
    // The writer, in another process, restores its index 300 ms later.
    const writer = spawn('sh', ['-c', `sleep 0.3 && cp '${saved}' '${join(packDir, idx)}'`]);
    const rebuilt: string[] = [];
    const told = reindexOrphanPacks(packDir, (pack) => (rebuilt.push(pack), false));
    await new Promise((done) => writer.on('close', done));
    expect(told).toBe(true);
    expect(rebuilt).toEqual([]);
    git(dir, 'fsck', '--strict', '--no-progress');
  });
});
