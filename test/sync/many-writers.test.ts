import { execFileSync } from 'node:child_process';
import { copyFileSync, rmSync, writeFileSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { resolveIdentity } from '../../src/git/identity.js';
import { foldQueued } from '../../src/sync/pull.js';
import { resolveRemote } from '../../src/sync/remote.js';
import { fetchRemote } from '../../src/sync/transport.js';
import { defaultEnv } from '../../src/env.js';
import { openTracker } from '../../src/tracker.js';
import { cli, git, testGitEnv } from '../helpers/repo.js';
import { cloneOf, expectFsckClean, logRun, makeBare, makeOrigin, ok, remoteRunIds, runIds, startHttpServer } from '../helpers/remotes.js';

const INCOMING = 'refs/git-track/incoming/';

/** A bare remote and the URL clients use: its path, or git's smart HTTP in front of it. */
async function remoteFor(transport: 'file' | 'http'): Promise<{ bare: string; url: string }> {
  const bare = makeBare();
  if (transport === 'file') return { bare, url: bare };
  git(bare, 'config', 'http.receivepack', 'true');
  const { url } = await startHttpServer(dirname(bare));
  return { bare, url: `${url}/${basename(bare)}` };
}

/** Incoming refs on the remote, name → oid. */
function incoming(bare: string): Record<string, string> {
  const out = git(bare, 'for-each-ref', '--format=%(refname) %(objectname)', INCOMING).trim();
  return Object.fromEntries(out ? out.split('\n').map((l) => l.split(' ').reverse()).map(([oid, name]) => [name, oid]) : []);
}

/** Incoming refs holding runs that the remote's runs lacks, by name (a push that landed in runs leaves its writer's ref, holding nothing new). */
function queuedOnly(bare: string): string[] {
  return Object.entries(incoming(bare))
    .filter(([, oid]) => !isAncestor(bare, oid, 'runs'))
    .map(([name]) => name)
    .sort();
}

function isAncestor(bare: string, a: string, b: string): boolean {
  try {
    execFileSync('git', ['merge-base', '--is-ancestor', a, b], { cwd: bare, env: testGitEnv(), stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}

/** A writer that queued its runs on the remote by hand (as a contended push does): clone, log, push to its own ref. */
function queuedWriter(url: string, writer: string, metric: string): { dir: string; id: string } {
  const dir = cloneOf(url);
  // Not `git-track pull`: that would fold the writers queued before this one.
  git(dir, 'branch', 'runs', 'origin/runs');
  const id = logRun(dir, '-m', metric);
  git(dir, 'push', '-q', 'origin', `runs:${INCOMING}${writer}/runs`);
  return { dir, id };
}

const tracker = (dir: string) => openTracker({ dir, env: defaultEnv({ vars: testGitEnv() }) });

for (const transport of ['file', 'http'] as const) {
  describe(`many writers, one remote (${transport})`, () => {
    it('a push that finds runs moved lands on its own ref in the same push; a push with nothing new folds it', async () => {
      const { bare, url } = await remoteFor(transport);
      const a = makeOrigin(url);
      const r0 = logRun(a, '-m', 'f1=0.1');
      ok(a, {}, 'push');
      const b = cloneOf(url);
      ok(b, {}, 'pull');
      const r1 = logRun(a, '-m', 'f1=0.2');
      ok(a, {}, 'push');
      const r2 = logRun(b, '-m', 'f1=0.3');
      // b's view of the remote is stale: runs refuses it, and the same push put its run on b's own ref.
      const stale = JSON.parse(ok(b, {}, 'push', '--json'));
      expect(stale).toMatchObject({ runsSent: 1, runsMerged: 0, attempts: 1 });
      expect(stale.queuedAs).toMatch(/^refs\/git-track\/incoming\/[0-9a-f]{12}\/runs$/);
      expect(remoteRunIds(bare)).toEqual([r0, r1].sort());
      expect(queuedOnly(bare)).toEqual([stale.queuedAs]);
      // A push with nothing new of its own fetches and folds what waits there into runs.
      expect(JSON.parse(ok(b, {}, 'push', '--json'))).toMatchObject({ runsMerged: 1, queuedAs: null, attempts: 1 });
      expect(remoteRunIds(bare)).toEqual([r0, r1, r2].sort());
      expect(incoming(bare)).toEqual({});
      // Someone holds the remote's runs (its lock file): a's push cannot move it, so its run
      // goes to a's own ref and the push succeeds.
      const r3 = logRun(a, '-m', 'f1=0.4');
      writeFileSync(join(bare, 'refs', 'heads', 'runs.lock'), '');
      const queued = JSON.parse(ok(a, {}, 'push', '--json'));
      expect(queued.queuedAs).toMatch(/^refs\/git-track\/incoming\/[0-9a-f]{12}\/runs$/);
      expect(queued.runsSent).toBe(1);
      expect(queuedOnly(bare)).toEqual([queued.queuedAs]);
      expect(remoteRunIds(bare)).toEqual([r0, r1, r2].sort());
      // The same clone queues on the same ref next time.
      const r4 = logRun(a, '-m', 'f1=0.5');
      expect(JSON.parse(ok(a, {}, 'push', '--json')).queuedAs).toBe(queued.queuedAs);
      rmSync(join(bare, 'refs', 'heads', 'runs.lock'));
      const fresh = cloneOf(url);
      expect(ok(fresh, {}, 'pull')).toContain('folded the runs 1 writer(s) had queued on origin');
      expect(runIds(fresh)).toEqual([r0, r1, r2, r3, r4].sort());
      expect(remoteRunIds(bare)).toEqual([r0, r1, r2, r3, r4].sort());
      expect(incoming(bare)).toEqual({});
      expectFsckClean(bare);
      expect(cli(fresh, 'verify').code).toBe(0);
    });

    it('git clone + git-track pull sees queued runs; the pull folds them into the remote runs in one commit and deletes their refs', async () => {
      const { bare, url } = await remoteFor(transport);
      const a = makeOrigin(url);
      const r0 = logRun(a, '-m', 'f1=0.1');
      ok(a, {}, 'push');
      const w = [queuedWriter(url, 'w1', 'f1=0.2'), queuedWriter(url, 'w2', 'f1=0.3'), queuedWriter(url, 'w3', 'f1=0.4')];
      expect(queuedOnly(bare)).toHaveLength(3);
      expect(remoteRunIds(bare)).toEqual([r0]);
      const reader = cloneOf(url);
      const pulled = JSON.parse(ok(reader, {}, 'pull', '--json'));
      expect(pulled.writersFolded).toBe(3);
      const all = [r0, ...w.map((x) => x.id)].sort();
      expect(runIds(reader)).toEqual(all);
      expect(JSON.parse(ok(reader, {}, 'list', '--json')).map((r: { id: string }) => r.id).sort()).toEqual(all);
      // On the remote: everything in runs, no queued ref left, one fold commit with every writer as a parent.
      expect(remoteRunIds(bare)).toEqual(all);
      expect(incoming(bare)).toEqual({});
      expect(git(bare, 'log', '-1', '--format=%s', 'runs').trim()).toBe(`Fold runs queued by 3 writer(s) on origin`);
      expect(git(bare, 'rev-list', '--parents', '-1', 'runs').trim().split(' ')).toHaveLength(5);
      expectFsckClean(bare);
      expect(cli(reader, 'verify').code).toBe(0);
      // The first clone catches up with a plain pull: no local merge beyond a fast-forward.
      expect(ok(a, {}, 'pull')).toContain('pulled 3 run(s)');
    });

    it('a fold racing a new push by a queued writer never deletes what that writer pushed meanwhile', async () => {
      const { bare, url } = await remoteFor(transport);
      const a = makeOrigin(url);
      const r0 = logRun(a, '-m', 'f1=0.1');
      ok(a, {}, 'push');
      const w = queuedWriter(url, 'w1', 'f1=0.2');
      const other = queuedWriter(url, 'w2', 'f1=0.3');
      const reader = cloneOf(url);
      const t = tracker(reader);
      const remote = resolveRemote(t.context.repo, 'origin', reader);
      const tips = await fetchRemote(t.context, remote);
      // (Over git's transport, a's own ref is there too: it holds only what runs has.)
      expect(tips.incoming.map((x) => x.writer)).toEqual(expect.arrayContaining(['w1', 'w2']));
      // Between the reader's fetch and its fold, w1 logs and pushes again to its ref.
      const late = logRun(w.dir, '-m', 'f1=0.9');
      git(w.dir, 'push', '-q', 'origin', `runs:${INCOMING}w1/runs`);
      const moved = git(w.dir, 'rev-parse', 'runs').trim();
      const identity = resolveIdentity(t.context.repo, t.context.env);
      await foldQueued(t.context, remote, tips, () => identity);
      // w1's ref still holds its new tip (the lease refused its deletion, or refused the whole fold).
      expect(incoming(bare)[`${INCOMING}w1/runs`]).toBe(moved);
      // And the next reader gets every run, once.
      const next = cloneOf(url);
      ok(next, {}, 'pull');
      expect(runIds(next)).toEqual([r0, w.id, other.id, late].sort());
      expect(remoteRunIds(bare)).toEqual([r0, w.id, other.id, late].sort());
      expect(incoming(bare)).toEqual({});
      expectFsckClean(bare);
    });
  });
}

describe('a queued writer that rewrote a run', () => {
  it('is left queued with a warning; the others are folded', async () => {
    const { bare, url } = await remoteFor('file');
    const a = makeOrigin(url);
    const r0 = logRun(a, '-m', 'f1=0.1');
    ok(a, {}, 'push');
    const good = queuedWriter(url, 'good', 'f1=0.2');
    // A writer whose branch changes r0's manifest (a run never changes once written), built on
    // top of the good writer's queued commit: the good one must still be folded, on its own.
    const evil = good.dir;
    const path = `runs/${r0.slice(0, 2)}/${r0}/run.yaml`;
    const blob = git(evil, 'show', `runs:${path}`).replace('f1: 0.1', 'f1: 0.99');
    git(evil, 'read-tree', 'runs');
    const oid = execFileSync('git', ['hash-object', '-w', '--stdin'], { cwd: evil, input: blob, encoding: 'utf8', env: testGitEnv() }).trim();
    git(evil, 'update-index', '--cacheinfo', `100644,${oid},${path}`);
    const tree = git(evil, 'write-tree').trim();
    const commit = git(evil, 'commit-tree', tree, '-p', 'runs', '-m', 'rewrite').trim();
    git(evil, 'push', '-q', 'origin', `${commit}:${INCOMING}evil/runs`);
    const reader = cloneOf(url);
    const r = cli(reader, 'pull');
    expect(r.code).toBe(0);
    expect(r.stderr).toContain(`runs queued on origin by writer evil were not folded: run ${r0} differ`);
    expect(remoteRunIds(bare)).toEqual([r0, good.id].sort());
    expect(Object.keys(incoming(bare))).toEqual([`${INCOMING}evil/runs`]);
    expect(git(bare, 'show', `runs:${path}`)).toContain('f1: 0.1');
  });
});

describe('writers that cannot write where they expected', () => {
  it('two clones sharing a writer id (a copied .git) both land: the second folds the first into its push to the shared ref', async () => {
    const { bare, url } = await remoteFor('file');
    const a = makeOrigin(url);
    const r0 = logRun(a, '-m', 'f1=0.1');
    ok(a, {}, 'push');
    const b = cloneOf(url);
    ok(b, {}, 'pull');
    const r1 = logRun(a, '-m', 'f1=0.2');
    const r2 = logRun(b, '-m', 'f1=0.3');
    writeFileSync(join(bare, 'refs', 'heads', 'runs.lock'), '');
    const first = JSON.parse(ok(a, {}, 'push', '--json'));
    copyFileSync(join(a, '.git', 'git-track', 'writer'), join(b, '.git', 'git-track', 'writer'));
    const second = JSON.parse(ok(b, {}, 'push', '--json'));
    expect(second.queuedAs).toBe(first.queuedAs);
    rmSync(join(bare, 'refs', 'heads', 'runs.lock'));
    const fresh = cloneOf(url);
    ok(fresh, {}, 'pull');
    expect(runIds(fresh)).toEqual([r0, r1, r2].sort());
    expect(incoming(bare)).toEqual({});
  });

  it('a pull from a remote it may not push to still merges the queued runs, with one warning', async () => {
    const bare = makeBare();
    const { url: base } = await startHttpServer(dirname(bare));
    const url = `${base}/${basename(bare)}`; // receive-pack is off: read-only over HTTP
    const a = makeOrigin(bare);
    const r0 = logRun(a, '-m', 'f1=0.1');
    ok(a, {}, 'push');
    const w = queuedWriter(bare, 'w1', 'f1=0.2');
    const reader = cloneOf(url);
    const r = cli(reader, 'pull');
    expect(r.code).toBe(0);
    expect(r.stderr.trim().split('\n')).toHaveLength(1);
    expect(r.stderr).toMatch(/^warning: could not fold the runs queued on origin into its runs branch \(.*\); they stay queued there, nothing is lost/);
    expect(runIds(reader)).toEqual([r0, w.id].sort());
    expect(Object.keys(incoming(bare))).toEqual([`${INCOMING}w1/runs`]);
    expect(remoteRunIds(bare)).toEqual([r0]);
  });
});

describe('the own ref a push through git leaves beside runs', () => {
  it('holds nothing runs lacks: a pull does not push only to delete it; the next fold takes it along', async () => {
    const { bare, url } = await remoteFor('http');
    const a = makeOrigin(url);
    const r0 = logRun(a, '-m', 'f1=0.1');
    const pushed = JSON.parse(ok(a, {}, 'push', '--json'));
    expect(pushed).toMatchObject({ attempts: 1, queuedAs: null });
    // One `git push` sent runs and a's own ref: runs took it, so the own ref holds nothing new.
    expect(Object.keys(incoming(bare))).toHaveLength(1);
    expect(queuedOnly(bare)).toEqual([]);
    const reader = cloneOf(url);
    const before = git(bare, 'rev-parse', 'runs');
    const r = cli(reader, 'pull', '--json');
    expect(r.code).toBe(0);
    expect(r.stderr).toBe('');
    expect(JSON.parse(r.stdout).writersFolded).toBe(0);
    expect(git(bare, 'rev-parse', 'runs')).toBe(before);
    expect(Object.keys(incoming(bare))).toHaveLength(1);
    // A real fold deletes it with the queued ones.
    const w = queuedWriter(url, 'w1', 'f1=0.2');
    expect(JSON.parse(ok(reader, {}, 'pull', '--json')).writersFolded).toBe(1);
    expect(incoming(bare)).toEqual({});
    expect(remoteRunIds(bare)).toEqual([r0, w.id].sort());
    expectFsckClean(bare);
  });
});
