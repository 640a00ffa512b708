import { existsSync, readdirSync, unlinkSync, utimesSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { cli, git, makeRepo } from '../helpers/repo.js';

describe('a pack whose index git gc deleted as garbage', () => {
  it('is indexed again by the next command that misses one of its objects', () => {
    const dir = makeRepo({ commit: true });
    const id = cli(dir, 'log', '-m', 'f1=0.5').stdout.trim();
    const packDir = join(dir, '.git', 'objects', 'pack');
    // The run's objects arrive as one pack of their own; lose its index the way gc's garbage
    // clean-up does, long enough ago that no writer is still renaming it in.
    const packs = readdirSync(packDir).filter((f) => f.endsWith('.pack'));
    expect(packs).toHaveLength(1);
    const idx = join(packDir, packs[0]!.replace(/\.pack$/, '.idx'));
    unlinkSync(idx);
    const old = new Date(Date.now() - 60_000);
    utimesSync(join(packDir, packs[0]!), old, old);
    expect(() => git(dir, 'cat-file', '-e', 'runs')).toThrow();

    const shown = cli(dir, 'show', id, '--json');
    expect(shown.stderr).toBe('');
    expect(JSON.parse(shown.stdout).metrics).toEqual({ f1: 0.5 });
    expect(existsSync(idx)).toBe(true);
    git(dir, 'fsck', '--strict', '--no-progress');
  });
});
