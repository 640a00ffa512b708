import { spawn } from 'node:child_process';
import { resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { BIN, git, makeRepo, testGitEnv } from '../helpers/repo.js';

const WORKER = resolve(import.meta.dirname, '..', 'helpers', 'log-worker.mjs');

function run(cmd: string, args: string[], cwd: string): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((done) => {
    const child = spawn(cmd, args, { cwd, env: testGitEnv() });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d) => (stdout += d));
    child.stderr.on('data', (d) => (stderr += d));
    child.on('close', (code) => done({ code: code ?? -1, stdout, stderr }));
  });
}

function runIdsOnBranch(dir: string): string[] {
  return git(dir, 'ls-tree', '-d', '--name-only', '-r', 'runs', 'runs/')
    .split('\n')
    .map((p) => p.split('/')[2])
    .filter((id): id is string => id !== undefined && id.length === 12);
}

describe('concurrent writers', () => {
  it('8 processes x 10 runs with git gc and pack-refs running: every run kept exactly once', async () => {
    const dir = makeRepo({ commit: true });
    const loggers = Array.from({ length: 8 }, (_, w) => run(process.execPath, [WORKER, dir, '10', `w${w}`], dir));
    const maintenance = (async () => {
      for (let i = 0; i < 4; i++) {
        await run('git', ['pack-refs', '--all'], dir);
        await run('git', ['gc', '--quiet'], dir);
      }
    })();
    const results = await Promise.all(loggers);
    await maintenance;
    for (const r of results) expect(r.stderr).toBe('');
    const reported = results.flatMap((r) => r.stdout.trim().split('\n'));
    expect(reported).toHaveLength(80);
    const onBranch = runIdsOnBranch(dir);
    expect(onBranch.sort()).toEqual([...reported].sort());
    expect(new Set(onBranch).size).toBe(80);
    // 80 run commits plus the branch's root commit on the first-parent chain.
    expect(git(dir, 'rev-list', '--first-parent', '--count', 'runs').trim()).toBe('81');
    git(dir, 'fsck', '--strict', '--no-progress');
  });

  it('8 CLI processes at once through the real binary', async () => {
    const dir = makeRepo({ commit: true });
    const results = await Promise.all(
      Array.from({ length: 8 }, (_, w) => run(process.execPath, [BIN, 'log', '--name', `p${w}`, '-m', `f1=0.${w}`], dir)),
    );
    for (const r of results) expect(r.code).toBe(0);
    const ids = results.map((r) => r.stdout.trim());
    expect(runIdsOnBranch(dir).sort()).toEqual(ids.sort());
    git(dir, 'fsck', '--strict', '--no-progress');
  });

  it('works when the runs ref lives only in packed-refs', async () => {
    const dir = makeRepo({ commit: true });
    await run(process.execPath, [BIN, 'log', '-m', 'f1=0.1'], dir);
    git(dir, 'pack-refs', '--all');
    const tip = git(dir, 'rev-parse', 'runs').trim();
    const r = await run(process.execPath, [BIN, 'log', '-m', 'f1=0.2'], dir);
    expect(r.code).toBe(0);
    expect(git(dir, 'rev-parse', 'runs^').trim()).toBe(tip);
  });
});
