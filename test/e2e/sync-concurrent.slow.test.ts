import { randomBytes } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { cliAsync, git } from '../helpers/repo.js';
import { cloneOf, expectFsckClean, logRun, makeBare, makeOrigin, ok, remoteRunIds, runIds } from '../helpers/remotes.js';


describe('many clones pushing to one remote at once', () => {
  it('12 clones × 3 runs (with artifacts) pushed concurrently: every run arrives exactly once', async () => {
    const bare = makeBare();
    const seed = makeOrigin(bare);
    git(seed, 'push', '-q', 'origin', 'main');
    const clones = Array.from({ length: 12 }, () => cloneOf(bare));
    const expected: string[] = [];
    clones.forEach((dir, i) => {
      for (let r = 0; r < 3; r++) {
        writeFileSync(join(dir, 'model.bin'), randomBytes(2048));
        expected.push(logRun(dir, '-m', `f1=0.${i}${r}`, '-t', `clone=${i}`, '-a', 'model.bin'));
      }
    });
    const results = await Promise.all(clones.map((dir) => cliAsync(dir, 'push', '--json')));
    for (const r of results) {
      expect(r.stderr).toBe('');
      expect(r.code).toBe(0);
    }
    // One push each, however many pushed at once: a pusher that lost the race for runs put
    // its runs on a ref of its own in the same push.
    const attempts = results.map((r) => (JSON.parse(r.stdout) as { attempts: number; queuedAs: string | null }));
    expect(attempts.map((a) => a.attempts)).toEqual(clones.map(() => 1));
    expect(attempts.some((a) => a.queuedAs !== null)).toBe(true);
    expect(results.reduce((n, r) => n + (JSON.parse(r.stdout) as { runsSent: number }).runsSent, 0)).toBe(36); // each clone sent its own 3, nobody re-sent another's
    // Runs still queued on writers' own refs are folded into the remote's runs by a pull.
    ok(clones[0]!, {}, 'pull');
    expect(git(bare, 'for-each-ref', 'refs/git-track/incoming/')).toBe('');
    const onRemote = remoteRunIds(bare);
    expect(onRemote).toEqual([...expected].sort());
    expect(new Set(onRemote).size).toBe(36);
    expectFsckClean(bare);
    // Every artifact's bytes arrived too, and every clone converges on pull.
    const artifactBlobs = git(bare, 'ls-tree', '-r', '--name-only', 'refs/git-track/artifacts').trim().split('\n');
    expect(artifactBlobs).toHaveLength(36);
    const last = clones[0]!;
    ok(last, {}, 'pull');
    expect(runIds(last)).toEqual([...expected].sort());
    expectFsckClean(last);
    // Somebody had to merge and retry: the remote history has merge commits.
    expect(Number(git(bare, 'rev-list', '--count', '--merges', 'runs').trim())).toBeGreaterThan(0);
  }, 300_000);
});
