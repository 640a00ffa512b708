import { existsSync, readdirSync, unlinkSync, utimesSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { execFileSync } from 'node:child_process';
import { cli, git, makeRepo, testGitEnv } from '../helpers/repo.js';

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

  it('is indexed again by the next writer, after its own ref update, even when that writer needs none of its objects', () => {
    const dir = makeRepo({ commit: true });
    const packDir = join(dir, '.git', 'objects', 'pack');
    const blob = execFileSync('git', ['hash-object', '-w', '--stdin'], { cwd: dir, env: testGitEnv(), input: 'someone else\'s object\n', encoding: 'utf8' }).trim();
    const name = execFileSync('git', ['pack-objects', '-q', join(packDir, 'pack')], { cwd: dir, env: testGitEnv(), input: `${blob}\n`, encoding: 'utf8' }).trim();
    const idx = join(packDir, `pack-${name}.idx`);
    unlinkSync(idx);
    const old = new Date(Date.now() - 60_000);
    utimesSync(join(packDir, `pack-${name}.pack`), old, old);

    const r = cli(dir, 'log', '-m', 'f1=0.5');
    expect(r).toMatchObject({ code: 0, stderr: '' });
    expect(existsSync(idx)).toBe(true);
    git(dir, 'prune', '--expire=now');
    git(dir, 'cat-file', '-e', blob);
    git(dir, 'fsck', '--strict', '--no-progress');
  });
});
