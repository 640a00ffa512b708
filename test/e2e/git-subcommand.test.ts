import { spawnSync } from 'node:child_process';
import { symlinkSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { BIN, makeRepo, tempDir, testGitEnv } from '../helpers/repo.js';

describe('git track', () => {
  it('works as a git subcommand once git-track is on PATH', () => {
    const binDir = tempDir();
    symlinkSync(BIN, join(binDir, 'git-track'));
    const dir = makeRepo({ commit: true });
    const env = testGitEnv({ PATH: `${binDir}:${process.env.PATH}` });
    const version = spawnSync('git', ['track', '--version'], { cwd: dir, env, encoding: 'utf8' });
    expect(version.status).toBe(0);
    expect(version.stdout.trim()).toMatch(/^\d+\.\d+\.\d+$/);
    const log = spawnSync('git', ['track', 'log', '-m', 'f1=0.5'], { cwd: dir, env, encoding: 'utf8' });
    expect(log.status).toBe(0);
    const show = spawnSync('git', ['track', 'show', log.stdout.trim(), '--json'], { cwd: dir, env, encoding: 'utf8' });
    expect(JSON.parse(show.stdout).metrics.f1).toBe(0.5);
  });

  it('prints help for every command without a stack trace', () => {
    const dir = makeRepo();
    for (const args of [['--help'], ['log', '--help'], ['list', '--help'], ['show', '--help']]) {
      const r = spawnSync(process.execPath, [BIN, ...args], { cwd: dir, env: testGitEnv(), encoding: 'utf8' });
      expect(r.status).toBe(0);
      expect(r.stdout).toMatch(/Usage: git-track/);
    }
    const unknown = spawnSync(process.execPath, [BIN, 'frobnicate'], { cwd: dir, env: testGitEnv(), encoding: 'utf8' });
    expect(unknown.status).toBe(2);
    expect(unknown.stderr).toMatch(/unknown command 'frobnicate'/);
  });
});
