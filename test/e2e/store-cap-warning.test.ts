import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { cli, git, makeRepo } from '../helpers/repo.js';

describe('an artifact over the git store cap', () => {
  it('is warned about when the run is recorded (log and run), not first at push', () => {
    const dir = makeRepo({ commit: true });
    git(dir, 'config', 'gittrack.store.maxFileSize', '2KB');
    writeFileSync(join(dir, 'big.bin'), Buffer.alloc(3000, 1));
    writeFileSync(join(dir, 'small.txt'), 'hi\n');
    mkdirSync(join(dir, 'model'));
    writeFileSync(join(dir, 'model', 'weights.bin'), Buffer.alloc(4096, 2));

    const logged = cli(dir, 'log', '-m', 'f1=1', '-a', 'big.bin', '-a', 'small.txt', '-a', 'model');
    expect(logged.code).toBe(0);
    const id = logged.stdout.trim();
    expect(logged.stderr).toBe(
      `warning: run ${id}: big.bin (2.9 KB), model/weights.bin (4.0 KB) are over the 2.0 KB cap of the git artifact store: push will refuse them. ` +
        'Configure a shared store (git config gittrack.store.dir /mnt/share) or raise the cap (git config gittrack.store.maxFileSize 50MB)\n',
    );
    // Recorded all the same.
    expect(cli(dir, 'show', id).code).toBe(0);

    const ran = cli(dir, 'run', '-a', 'big.bin', '--', 'true');
    expect(ran.code).toBe(0);
    expect(ran.stderr).toMatch(/^warning: run [0-9a-f]{12}: big\.bin \(2\.9 KB\) is over the 2\.0 KB cap of the git artifact store: push will refuse it\./m);

    expect(cli(dir, 'log', '-m', 'f1=1', '-a', 'small.txt').stderr).toBe('');
    git(dir, 'config', 'gittrack.store.maxFileSize', '1MB');
    expect(cli(dir, 'log', '-m', 'f1=1', '-a', 'big.bin').stderr).toBe('');
    // A directory store has no cap.
    git(dir, 'config', 'gittrack.store.dir', join(dir, '..', 'share'));
    git(dir, 'config', 'gittrack.store.maxFileSize', '2KB');
    expect(cli(dir, 'log', '-m', 'f1=1', '-a', 'big.bin').stderr).toBe('');
  });
});
