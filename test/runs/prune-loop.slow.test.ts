import { readdirSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { git, makeRepo, runAsync } from '../helpers/repo.js';
import { runIds } from '../helpers/remotes.js';

/*
 * Loggers beside `git gc --prune=now`, `git repack -ad` and `git prune --expire=now` looping
 * back to back: the 16 processes x 50 runs, 800 of 800 kept. Besides the guards, what
 * this measures is that the pack directory stays small enough for gc's listing of it to be
 * atomic (see MAX_REWRITTEN_GUARDED_BYTES): the largest it reached is printed.
 */

const WORKER = resolve(import.meta.dirname, '..', 'helpers', 'log-worker.mjs');

/**
 * `procs` logger processes of `runs` runs each while git gc --prune=now, git repack -ad and
 * git prune --expire=now loop; checks that each logger succeeded, no guard was left behind and
 * the result survives one more prune; returns the reported run ids.
 */
async function logUnderPrune(dir: string, procs: number, runs: number): Promise<string[]> {
  const loggers = Array.from({ length: procs }, (_, w) => runAsync(dir, process.execPath, [WORKER, dir, String(runs), `w${w}`]));
  let done = false;
  let loops = 0;
  const all = Promise.all(loggers).finally(() => (done = true));
  let largest = 0;
  const watch = setInterval(() => {
    try {
      largest = Math.max(largest, readdirSync(join(dir, '.git', 'objects', 'pack')).length);
    } catch {
      // between gc's renames
    }
  }, 20);
  const maintenance = (async () => {
    while (!done) {
      await runAsync(dir, 'git', ['gc', '--quiet', '--prune=now']);
      await runAsync(dir, 'git', ['repack', '-a', '-d', '-q']);
      await runAsync(dir, 'git', ['prune', '--expire=now']);
      loops++;
    }
  })();
  const results = await all;
  await maintenance;
  clearInterval(watch);
  console.log(`${procs} x ${runs}: ${loops} gc loops, at most ${largest} files in objects/pack`);
  expect(loops).toBeGreaterThan(1);
  for (const r of results) expect(r.stderr).toBe('');
  expect(readdirSync(join(dir, '.git', 'objects', 'pack')).filter((f) => f.endsWith('.keep'))).toEqual([]);
  git(dir, 'gc', '--quiet', '--prune=now');
  git(dir, 'fsck', '--strict', '--no-progress', '--no-dangling');
  return results.flatMap((r) => r.stdout.trim().split('\n'));
}

describe('loggers under a prune loop', () => {
  it('16 processes x 50 runs with git gc --prune=now, git repack -ad and git prune looping: 800 of 800 kept, fsck clean', async () => {
    const dir = makeRepo({ commit: true });
    const reported = await logUnderPrune(dir, 16, 50);
    expect(reported).toHaveLength(800);
    const onBranch = runIds(dir);
    expect(new Set(onBranch).size).toBe(800);
    expect(onBranch.sort()).toEqual([...reported].sort());
    expect(git(dir, 'rev-list', '--first-parent', '--count', 'runs').trim()).toBe('801');
  }, 900_000);

  it('a dirty working tree under the same prune loop: every snapshot commit git wrote survives with its run', async () => {
    const dir = makeRepo({ commit: true });
    writeFileSync(join(dir, 'train.py'), 'print(2)\n');
    const reported = await logUnderPrune(dir, 4, 10);
    expect(runIds(dir).sort()).toEqual([...reported].sort());
    for (const c of git(dir, 'rev-list', '--first-parent', '-n', '40', 'runs').trim().split('\n')) {
      expect(git(dir, 'log', '-1', '--format=%s', `${c}^2`)).toMatch(/^git-track snapshot of uncommitted changes/);
    }
  }, 900_000);

});
