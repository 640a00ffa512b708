import { spawn } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import { mkdirSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { BIN, git, tempDir, testGitEnv } from '../helpers/repo.js';
import { cloneOf, logRun, makeBare, makeOrigin, ok, remoteRunIds, runIds } from '../helpers/remotes.js';

/** Start `git-track push` in its own process group and SIGKILL the whole group after `ms`. */
function pushKilledAfter(dir: string, ms: number): Promise<void> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [BIN, 'push'], { cwd: dir, env: testGitEnv(), detached: true, stdio: 'ignore' });
    const timer = setTimeout(() => {
      try {
        process.kill(-child.pid!, 'SIGKILL');
      } catch {}
    }, ms);
    child.on('exit', () => {
      clearTimeout(timer);
      // The group may outlive the leader for a moment (git children): kill it all.
      try {
        process.kill(-child.pid!, 'SIGKILL');
      } catch {}
      setTimeout(resolve, 100);
    });
  });
}

function fsckOk(dir: string): void {
  // Throws on any error; a killed writer may leave temp files, never a broken object or ref.
  git(dir, 'fsck', '--strict', '--no-progress', '--no-dangling');
}

/** Every run on the remote has the bytes of its artifacts on the remote's artifacts ref. */
function expectRemoteComplete(bare: string, shaOf: Map<string, string[]>): void {
  const ids = remoteRunIds(bare);
  if (ids.length === 0) return;
  const have = new Set(
    git(bare, 'ls-tree', '-r', '--name-only', 'refs/git-track/artifacts')
      .trim()
      .split('\n')
      .map((p) => p.replace(/^sha256\/(..)\//, '$1')),
  );
  for (const id of ids) for (const sha of shaOf.get(id) ?? []) expect(have.has(sha)).toBe(true);
}

describe('an interrupted push', () => {
  it('killed at any moment (git store, 40 MB of artifacts) leaves both sides consistent; again completes', async () => {
    const bare = makeBare();
    const a = makeOrigin(bare);
    const shaOf = new Map<string, string[]>();
    for (let r = 0; r < 5; r++) {
      const dir = join(a, 'models');
      mkdirSync(dir, { recursive: true });
      const shas: string[] = [];
      const files: string[] = [];
      for (let f = 0; f < 8; f++) {
        const bytes = randomBytes(1024 * 1024);
        writeFileSync(join(dir, `part-${f}.bin`), bytes);
        shas.push(createHash('sha256').update(bytes).digest('hex'));
        files.push('-a', `models/part-${f}.bin`);
      }
      shaOf.set(logRun(a, '-m', `f1=0.${r}`, ...files), shas);
    }
    const states: number[] = [];
    for (const ms of [150, 500, 1200, 2500]) {
      await pushKilledAfter(a, ms);
      states.push(remoteRunIds(bare).length);
      fsckOk(a);
      fsckOk(bare);
      expectRemoteComplete(bare, shaOf);
    }
    expect(states[0]).toBe(0); // the first kill really interrupted the push
    ok(a, {}, 'push');
    expect(remoteRunIds(bare)).toEqual([...shaOf.keys()].sort());
    expectRemoteComplete(bare, shaOf);
    fsckOk(bare);
    // A fresh clone gets every byte back.
    const b = cloneOf(bare);
    ok(b, {}, 'pull');
    expect(runIds(b)).toEqual([...shaOf.keys()].sort());
    const last = [...shaOf.keys()].at(-1)!;
    ok(b, {}, 'get', last);
    const got = createHash('sha256').update(readFileSync(join(b, 'models', 'part-7.bin'))).digest('hex');
    expect(got).toBe(shaOf.get(last)![7]);
  }, 300_000);

  it('killed while uploading to a dir store leaves no partial object under a real name', async () => {
    const bare = makeBare();
    const shared = tempDir('gt-share-');
    const a = makeOrigin(bare);
    git(a, 'config', 'gittrack.store.dir', shared);
    writeFileSync(join(a, 'big.bin'), randomBytes(64 * 1024 * 1024));
    const id = logRun(a, '-m', 'f1=0.1', '-a', 'big.bin');
    await pushKilledAfter(a, 400);
    const objects = (function walk(d: string): string[] {
      return readdirSync(d).flatMap((n) => (statSync(join(d, n)).isDirectory() ? walk(join(d, n)) : [join(d, n)]));
    })(shared);
    for (const path of objects) {
      if (path.endsWith('.tmp')) continue;
      const name = path.split('/').slice(-2).join('');
      expect(createHash('sha256').update(readFileSync(path)).digest('hex')).toBe(name);
    }
    // The pointer reaches the remote only after its bytes are complete in the store.
    const big = createHash('sha256').update(readFileSync(join(a, 'big.bin'))).digest('hex');
    if (remoteRunIds(bare).length) expect(objects).toContain(join(shared, 'sha256', big.slice(0, 2), big.slice(2)));
    fsckOk(bare);
    ok(a, {}, 'push');
    expect(remoteRunIds(bare)).toEqual([id]);
    expect(createHash('sha256').update(readFileSync(join(shared, 'sha256', big.slice(0, 2), big.slice(2)))).digest('hex')).toBe(big);
  }, 300_000);
});
