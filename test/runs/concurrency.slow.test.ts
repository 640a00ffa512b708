import { resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { BIN, git, makeRepo, runAsync } from '../helpers/repo.js';
import { runIds } from '../helpers/remotes.js';

const WORKER = resolve(import.meta.dirname, '..', 'helpers', 'log-worker.mjs');

describe('concurrent writers', () => {
  it('8 processes x 10 runs with git gc and pack-refs running: every run kept exactly once', async () => {
    const dir = makeRepo({ commit: true });
    const loggers = Array.from({ length: 8 }, (_, w) => runAsync(dir, process.execPath, [WORKER, dir, '10', `w${w}`]));
    const maintenance = (async () => {
      for (let i = 0; i < 4; i++) {
        await runAsync(dir, 'git', ['pack-refs', '--all']);
        await runAsync(dir, 'git', ['gc', '--quiet']);
      }
    })();
    const results = await Promise.all(loggers);
    await maintenance;
    for (const r of results) expect(r.stderr).toBe('');
    const reported = results.flatMap((r) => r.stdout.trim().split('\n'));
    expect(reported).toHaveLength(80);
    const onBranch = runIds(dir);
    expect(onBranch.sort()).toEqual([...reported].sort());
    expect(new Set(onBranch).size).toBe(80);
    // 80 run commits plus the branch's root commit on the first-parent chain.
    expect(git(dir, 'rev-list', '--first-parent', '--count', 'runs').trim()).toBe('81');
    git(dir, 'fsck', '--strict', '--no-progress');
  });

  it('8 CLI processes at once through the real binary', async () => {
    const dir = makeRepo({ commit: true });
    const results = await Promise.all(
      Array.from({ length: 8 }, (_, w) => runAsync(dir, process.execPath, [BIN, 'log', '--name', `p${w}`, '-m', `f1=0.${w}`])),
    );
    for (const r of results) expect(r.code).toBe(0);
    const ids = results.map((r) => r.stdout.trim());
    expect(runIds(dir).sort()).toEqual(ids.sort());
    git(dir, 'fsck', '--strict', '--no-progress');
  });

  it('works when the runs ref lives only in packed-refs', async () => {
    const dir = makeRepo({ commit: true });
    await runAsync(dir, process.execPath, [BIN, 'log', '-m', 'f1=0.1']);
    git(dir, 'pack-refs', '--all');
    const tip = git(dir, 'rev-parse', 'runs').trim();
    const r = await runAsync(dir, process.execPath, [BIN, 'log', '-m', 'f1=0.2']);
    expect(r.code).toBe(0);
    expect(git(dir, 'rev-parse', 'runs^').trim()).toBe(tip);
  });
});
