import { randomBytes } from 'node:crypto';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { defaultEnv } from '../../src/env.js';
import { logRun as logRunLib } from '../../src/runs/log-run.js';
import { fetchRunsTip, openRemoteWriter, pushRemoteWriter } from '../../src/sync/remote-writer.js';
import { cliWith, git, tempDir, testGitEnv } from '../helpers/repo.js';
import { cloneOf, expectFsckClean, logRun, makeBare, makeOrigin, ok, remoteRunIds, runIds, startHttpServer } from '../helpers/remotes.js';

const SHA = 'a'.repeat(40);
const CI_SHA = 'b'.repeat(40);

async function remoteFor(transport: 'file' | 'http'): Promise<{ bare: string; url: string }> {
  const bare = makeBare();
  if (transport === 'file') return { bare, url: bare };
  git(bare, 'config', 'http.receivepack', 'true');
  const { url } = await startHttpServer(dirname(bare));
  return { bare, url: `${url}/${basename(bare)}` };
}

/** A remote with a few runs already, pushed from a clone. */
function seeded(url: string, runs = 3): string[] {
  const a = makeOrigin(url);
  const ids = Array.from({ length: runs }, (_, i) => logRun(a, '-m', `f1=0.${i}`));
  ok(a, {}, 'push');
  return ids;
}

const manifestOf = (bare: string, id: string) => git(bare, 'show', `runs:runs/${id.slice(0, 2)}/${id}/run.yaml`);

for (const transport of ['file', 'http'] as const) {
  describe(`log --remote without a clone (${transport})`, () => {
    it('writes the run straight to the remote from a directory that is not a repository, code version from --code-commit', async () => {
      const { bare, url } = await remoteFor(transport);
      const before = seeded(url);
      const node = tempDir('gt-node-');
      const r = cliWith(node, {}, 'log', '--remote', url, '--code-commit', SHA, '-m', 'f1=0.9', '-p', 'lr=0.1');
      expect(r.code).toBe(0);
      const id = r.stdout.trim();
      expect(r.stderr).toBe(`git-track: pushed 1 run(s) to ${url}\n`);
      expect(remoteRunIds(bare)).toEqual([...before, id].sort());
      expect(manifestOf(bare, id)).toContain(`commit: ${SHA}`);
      // Nothing was left behind where the command ran.
      expect(existsSync(join(node, '.git'))).toBe(false);
      // A newcomer sees it like any other run.
      const clone = cloneOf(url);
      ok(clone, {}, 'pull');
      expect(runIds(clone)).toEqual([...before, id].sort());
      expect(cliWith(clone, {}, 'verify').code).toBe(0);
      expectFsckClean(bare);
    });

    it('takes the code version from GITHUB_SHA, and the artifact bytes travel with the run', async () => {
      const { bare, url } = await remoteFor(transport);
      seeded(url, 1);
      const node = tempDir('gt-node-');
      writeFileSync(join(node, 'model.bin'), 'weights v1');
      const r = cliWith(node, { GITHUB_SHA: CI_SHA, GITHUB_REF_NAME: 'main' }, 'log', '--remote', url, '-m', 'f1=0.5', '-a', 'model.bin');
      expect(r.code).toBe(0);
      const id = r.stdout.trim();
      expect(manifestOf(bare, id)).toMatch(new RegExp(`commit: ${CI_SHA}[\\s\\S]*branch: main|branch: main[\\s\\S]*commit: ${CI_SHA}`));
      const clone = cloneOf(url);
      ok(clone, {}, 'pull');
      ok(clone, {}, 'get', id);
      expect(readFileSync(join(clone, 'model.bin'), 'utf8')).toBe('weights v1');
      expectFsckClean(bare);
    });

    it('run --remote records a command run on a node with only the training code', async () => {
      const { bare, url } = await remoteFor(transport);
      seeded(url, 1);
      const node = tempDir('gt-node-');
      writeFileSync(join(node, 'train.js'), 'console.log("loss 0.25")\n');
      const r = cliWith(node, { CI_COMMIT_SHA: CI_SHA }, 'run', '--remote', url, '-p', 'epochs=2', '--no-system-metrics', '--', process.execPath, 'train.js');
      expect(r.code).toBe(0);
      expect(r.stdout).toContain('loss 0.25');
      const id = /recorded run ([0-9a-f]{12})/.exec(r.stderr)![1]!;
      expect(r.stderr).toContain(`git-track: pushed 1 run(s) to ${url}`);
      expect(manifestOf(bare, id)).toContain(`commit: ${CI_SHA}`);
      expectFsckClean(bare);
    });
  });
}

for (const transport of ['file', 'http'] as const) {
    describe(`log --remote fetches only the tip of runs (${transport})`, () => {
    it('one commit in the private repository however long the history; a remote moved meanwhile gets the run and its artifact bytes on the writer own ref', async () => {
      const { bare, url } = await remoteFor(transport);
      const before = seeded(url, 6);
      expect(Number(git(bare, 'rev-list', '--count', 'runs').trim())).toBeGreaterThan(6);
      const env = defaultEnv({ vars: testGitEnv() });
      const w = await openRemoteWriter(env, { url, cwd: tempDir('gt-node-'), codeCommit: SHA });
      try {
        await fetchRunsTip(w);
        expect(w.commitsFetched).toBe(1);
        expect(git(w.ctx.repo.gitDir, 'rev-list', '--count', '--all').trim()).toBe('1');
        expect(existsSync(join(w.ctx.repo.gitDir, 'shallow'))).toBe(true);
        // Someone pushes to runs between the fetch and the push.
        const other = cloneOf(url);
        ok(other, {}, 'pull');
        const theirs = logRun(other, '-m', 'f1=0.7');
        ok(other, {}, 'push');
        const node = tempDir('gt-node-');
        writeFileSync(join(node, 'model.bin'), 'weights of a queued run');
        const mine = (await logRunLib(w.ctx, { metrics: { f1: 0.8 }, code: w.code, base: node, artifacts: [{ path: 'model.bin' }] })).manifest.id;
        const pushed = await pushRemoteWriter(w);
        expect(pushed.queuedAs).toMatch(/^refs\/git-track\/incoming\/[0-9a-f]{12}\/runs$/);
        // One push: to runs where it fast-forwards, else to the writer's own ref.
        expect(pushed.attempts).toBe(1);
        // The fetched tip and the run's own commit: the writer never fetched again.
        expect(git(w.ctx.repo.gitDir, 'rev-list', '--count', 'runs').trim()).toBe('2');
        const clone = cloneOf(url);
        ok(clone, {}, 'pull');
        expect(runIds(clone)).toEqual([...before, theirs, mine].sort());
        expect(remoteRunIds(bare)).toEqual([...before, theirs, mine].sort());
        ok(clone, {}, 'get', mine);
        expect(readFileSync(join(clone, 'model.bin'), 'utf8')).toBe('weights of a queued run');
        expectFsckClean(bare);
      } finally {
        w.close();
      }
      expect(existsSync(w.ctx.repo.gitDir)).toBe(false);
    });
  });
}

for (const transport of ['file', 'http'] as const) {
  describe(`log --remote where the server allows filters (${transport})`, () => {
    it('fetches the top of the tip tree and the one shard the run goes into, never a manifest; the run lands complete', async () => {
      const { bare, url } = await remoteFor(transport);
      git(bare, 'config', 'uploadpack.allowFilter', 'true');
      const before = seeded(url, 6);
      const at = (path: string) => git(bare, 'rev-parse', `runs:${path}`).trim();
      const shard = before[0]!.slice(0, 2);
      // Ids drawn into a shard that exists, so that its tree has to come from the remote.
      const random = (n: number) => {
        const bytes = randomBytes(n);
        bytes[0] = Number.parseInt(shard, 16);
        return bytes;
      };
      const w = await openRemoteWriter(defaultEnv({ vars: testGitEnv(), random }), { url, cwd: tempDir('gt-node-'), codeCommit: SHA });
      let mine: string;
      try {
        await fetchRunsTip(w);
        expect(w.commitsFetched).toBe(1);
        const has = (oid: string) => w.ctx.store.has(oid);
        expect(has(at('runs'))).toBe(true);
        for (const id of before) {
          expect(has(at(`runs/${id.slice(0, 2)}`))).toBe(false);
          expect(has(at(`runs/${id.slice(0, 2)}/${id}/run.yaml`))).toBe(false);
        }
        mine = (await logRunLib(w.ctx, { metrics: { f1: 0.8 }, code: w.code })).manifest.id;
        expect(mine.slice(0, 2)).toBe(shard);
        expect(has(at(`runs/${shard}`))).toBe(true);
        expect(has(at(`runs/${shard}/${before[0]}/run.yaml`))).toBe(false);
        expect(await pushRemoteWriter(w)).toMatchObject({ runsSent: 1, queuedAs: null, attempts: 1 });
      } finally {
        w.close();
      }
      // Everything the run needs is on the remote: git's own strict check, and a newcomer reads it.
      expectFsckClean(bare);
      expect(remoteRunIds(bare)).toEqual([...before, mine].sort());
      const clone = cloneOf(url);
      ok(clone, {}, 'pull');
      expect(runIds(clone)).toEqual([...before, mine].sort());
      expect(cliWith(clone, {}, 'verify').code).toBe(0);
    });
  });
}

describe('log --remote refuses clearly', () => {
  it('without a code version: one line naming the ways to give one, exit 1, nothing written', async () => {
    const { bare, url } = await remoteFor('file');
    seeded(url, 1);
    const refs = git(bare, 'for-each-ref');
    const r = cliWith(tempDir('gt-node-'), {}, 'log', '--remote', url, '-m', 'f1=1');
    expect(r.code).toBe(1);
    expect(r.stdout).toBe('');
    expect(r.stderr.trim().split('\n')).toHaveLength(1);
    expect(r.stderr).toMatch(/^git-track: no code version for --remote: give --code-commit SHA or set GITHUB_SHA, CI_COMMIT_SHA, GIT_COMMIT/);
    expect(git(bare, 'for-each-ref')).toBe(refs);
  });

  it('a remote that cannot be reached, a code commit that is not one, no git: one line, exit 1', () => {
    const node = tempDir('gt-node-');
    const r = cliWith(node, {}, 'log', '--remote', 'http://127.0.0.1:9/none.git', '--code-commit', SHA, '-m', 'f1=1');
    expect(r.code).toBe(1);
    expect(r.stderr.trim().split('\n')).toHaveLength(1);
    expect(r.stderr).toMatch(/^git-track: cannot fetch runs from http:\/\/127\.0\.0\.1:9\/none\.git: /);
    const bad = cliWith(node, {}, 'log', '--remote', 'http://127.0.0.1:9/none.git', '--code-commit', 'abc123', '-m', 'f1=1');
    expect(bad.code).toBe(1);
    expect(bad.stderr).toBe("git-track: --code-commit must be a full commit id (40 or 64 hex digits), got 'abc123'\n");
    const noGit = cliWith(node, { PATH: '/nonexistent' }, 'log', '--remote', 'http://127.0.0.1:9/none.git', '--code-commit', SHA, '-m', 'f1=1');
    expect(noGit.code).toBe(1);
    expect(noGit.stderr).toBe("git-track: git is not installed or not on PATH (looked for 'git')\n");
    const alone = cliWith(node, {}, 'log', '--code-commit', SHA, '-m', 'f1=1');
    expect(alone.code).toBe(2);
    expect(alone.stderr).toContain('--code-commit goes with --remote');
  });
});
