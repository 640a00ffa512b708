import { execFileSync } from 'node:child_process';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { describe, expect, it } from 'vitest';
import { cli, cliWith, git, testGitEnv } from '../helpers/repo.js';
import { cloneOf, expectFsckClean, logRun, makeBare, makeOrigin, ok, remoteRunIds, runIds } from '../helpers/remotes.js';

const none = {};

describe('git-track push / pull between clones', () => {
  it('two clones logging independently end with every run once, in any order', () => {
    // Orders of the same operations; each must converge.
    const orders: string[][] = [
      ['pushA', 'pushB', 'pullA'],
      ['pushB', 'pushA', 'pullB', 'pullA'],
      ['pullA', 'pullB', 'pushA', 'pullB', 'pushB', 'pullA'],
    ];
    for (const order of orders) {
      const bare = makeBare();
      const a = makeOrigin(bare);
      git(a, 'push', '-q', 'origin', 'main');
      const b = cloneOf(bare);
      const ids = [logRun(a, '-m', 'f1=0.1'), logRun(a, '-m', 'f1=0.2'), logRun(b, '-m', 'f1=0.3')];
      const side = { A: a, B: b };
      for (const op of order) {
        const dir = side[op.slice(-1) as 'A' | 'B'];
        ok(dir, none, op.startsWith('push') ? 'push' : 'pull');
      }
      // Whatever the order, a final push from both and a pull converge.
      ok(a, none, 'push');
      ok(b, none, 'push');
      ok(a, none, 'pull');
      ok(b, none, 'pull');
      for (const dir of [a, b, bare]) {
        expect(runIds(dir)).toEqual([...ids].sort());
        expectFsckClean(dir);
      }
      expect(git(a, 'rev-parse', 'runs')).toBe(git(bare, 'rev-parse', 'runs'));
      expect(git(b, 'rev-parse', 'runs')).toBe(git(bare, 'rev-parse', 'runs'));
    }
  });

  it('merges with a merge commit: first parent local, second the remote tip', () => {
    const bare = makeBare();
    const a = makeOrigin(bare);
    const b = cloneOf(bare);
    logRun(a, '-m', 'f1=0.1');
    ok(a, none, 'push');
    const remoteTip = git(bare, 'rev-parse', 'runs').trim();
    ok(b, none, 'pull');
    expect(git(b, 'rev-parse', 'runs').trim()).toBe(remoteTip); // a fast-forward, no merge commit
    logRun(b, '-m', 'f1=0.2');
    const localTip = git(b, 'rev-parse', 'runs').trim();
    logRun(a, '-m', 'f1=0.3');
    ok(a, none, 'push');
    const theirs = git(bare, 'rev-parse', 'runs').trim();
    expect(ok(b, none, 'pull')).toContain('pulled 1 run(s)');
    const parents = git(b, 'rev-list', '--parents', '-n', '1', 'runs').trim().split(' ');
    expect(parents.slice(1)).toEqual([localTip, theirs]);
    expect(git(b, 'log', '-1', '--format=%s', 'runs').trim()).toBe('Merge runs from origin');
  });

  it('works with a bare repository by path and by file:// URL, without a configured remote', () => {
    const bare = makeBare();
    const a = makeOrigin(bare);
    git(a, 'remote', 'remove', 'origin');
    const id1 = logRun(a, '-m', 'f1=0.1');
    expect(ok(a, none, 'push', bare)).toContain('pushed 1 run(s)');
    const id2 = logRun(a, '-m', 'f1=0.2');
    const url = pathToFileURL(bare).href;
    expect(ok(a, none, 'push', url)).toContain('pushed 1 run(s)');
    expect(remoteRunIds(bare)).toEqual([id1, id2].sort());
    const b = makeOrigin(bare);
    git(b, 'remote', 'remove', 'origin');
    expect(ok(b, none, 'pull', url)).toContain('pulled 2 run(s)');
    expect(runIds(b)).toEqual([id1, id2].sort());
  });

  it('a fresh clone hints at pull on list/show, and pull brings the runs', () => {
    const bare = makeBare();
    const a = makeOrigin(bare);
    const id = logRun(a, '-m', 'f1=0.4');
    ok(a, none, 'push');
    const b = cloneOf(bare);
    const listed = cli(b, 'list');
    expect(listed.stderr).toBe('hint: runs exist on origin: run git-track pull\n');
    expect(cli(b, 'show', id).stderr).toContain('hint: runs exist on origin: run git-track pull');
    ok(b, none, 'pull');
    const after = cli(b, 'list');
    expect(after.stderr).toBe('');
    expect(after.stdout).toContain(id);
  });

  it('is idempotent: a second push or pull has nothing to do', () => {
    const bare = makeBare();
    const a = makeOrigin(bare);
    logRun(a, '-m', 'f1=0.1');
    ok(a, none, 'push');
    const tip = git(bare, 'rev-parse', 'runs');
    expect(ok(a, none, 'push')).toContain('up to date');
    expect(ok(a, none, 'pull')).toContain('up to date');
    expect(git(bare, 'rev-parse', 'runs')).toBe(tip);
  });

  it('refuses a run that differs between the sides, naming it, and changes nothing', () => {
    const bare = makeBare();
    const a = makeOrigin(bare);
    const id = logRun(a, '-m', 'f1=0.1');
    ok(a, none, 'push');
    const b = cloneOf(bare);
    ok(b, none, 'pull');
    // Someone edits the run on B's runs branch with plumbing (git-track never does this).
    const path = `runs/${id.slice(0, 2)}/${id}/run.yaml`;
    rewriteFileOnRuns(b, path, (text) => text.replace('f1: 0.1', 'f1: 0.9'));
    logRun(a, '-m', 'f1=0.2');
    ok(a, none, 'push');
    const before = git(b, 'rev-parse', 'runs');
    const r = cli(b, 'pull');
    expect(r.code).toBe(1);
    expect(r.stderr).toContain(`run ${id}`);
    expect(r.stderr).toMatch(/differ/);
    expect(git(b, 'rev-parse', 'runs')).toBe(before);
    // A push does not fetch first: runs refuses b's stale view, and b's runs wait on its own
    // ref (a fold leaves them there with a warning). The next push fetches, and refuses.
    expect(ok(b, none, 'push')).toContain('wait in refs/git-track/incoming/');
    const p = cli(b, 'push');
    expect(p.code).toBe(1);
    expect(p.stderr).toContain(`run ${id}`);
  });

  it('refuses a remote that rewrote history it had, naming the vanished runs', () => {
    const bare = makeBare();
    const a = makeOrigin(bare);
    const keep = logRun(a, '-m', 'f1=0.1');
    const gone = logRun(a, '-m', 'f1=0.2');
    ok(a, none, 'push');
    // Someone force-pushes the remote's runs back one commit.
    const c = cloneOf(bare);
    git(c, 'fetch', '-q', 'origin', 'runs:runs');
    git(c, 'push', '-q', '--force', 'origin', 'runs~1:refs/heads/runs');
    const before = git(a, 'rev-parse', 'runs');
    for (const command of ['pull', 'push']) {
      const r = cli(a, command);
      expect(r.code).toBe(1);
      expect(r.stderr).toContain(`run ${gone}`);
      expect(r.stderr).toContain('rewrote');
      expect(r.stderr).not.toContain(keep);
    }
    expect(git(a, 'rev-parse', 'runs')).toBe(before);
    expect(remoteRunIds(bare)).toEqual([keep]);
  });

  it('unions other root files by path and refuses one that differs, naming it', () => {
    const bare = makeBare();
    const a = makeOrigin(bare);
    logRun(a, '-m', 'f1=0.1');
    ok(a, none, 'push');
    const b = cloneOf(bare);
    ok(b, none, 'pull');
    rewriteFileOnRuns(a, 'stages/production.yaml', () => 'run: a\n');
    rewriteFileOnRuns(b, 'tags/t.yaml', () => 'x: 1\n');
    ok(a, none, 'push');
    ok(b, none, 'push'); // to b's own ref: runs moved since b's pull
    ok(b, none, 'push'); // fetches, folds, and moves runs
    expect(git(bare, 'show', 'runs:stages/production.yaml')).toBe('run: a\n');
    expect(git(bare, 'show', 'runs:tags/t.yaml')).toBe('x: 1\n');
    rewriteFileOnRuns(b, 'README.md', (t) => `${t}edited\n`);
    ok(a, none, 'pull');
    logRun(a, '-m', 'f1=0.3');
    ok(a, none, 'push');
    ok(b, none, 'push');
    const r = cli(b, 'push');
    expect(r.code).toBe(1);
    expect(r.stderr).toContain("'README.md'");
  });

  it('names the remote in a clear error when it is unknown or unreachable', () => {
    const a = makeOrigin('/nonexistent/remote.git');
    logRun(a, '-m', 'f1=0.1');
    const r = cli(a, 'push');
    expect(r.code).toBe(1);
    expect(r.stderr.split('\n').filter(Boolean)).toHaveLength(1);
    expect(r.stderr).toContain('origin');
    const u = cli(a, 'push', 'nosuchremote');
    expect(u.code).toBe(2);
    expect(u.stderr).toContain("'nosuchremote' is neither a configured remote nor an existing path or URL");
  });

  it('without REMOTE: the upstream of runs, else of the current branch, else origin, else the only remote', () => {
    const only = makeBare();
    const a = makeOrigin(only);
    git(a, 'remote', 'rename', 'origin', 'github');
    const id1 = logRun(a, '-m', 'f1=0.1');
    expect(ok(a, {}, 'push')).toContain('to github');
    expect(remoteRunIds(only)).toEqual([id1]);

    const upstream = makeBare();
    git(a, 'remote', 'add', 'team', upstream);
    git(a, 'config', 'branch.main.remote', 'team');
    expect(ok(a, {}, 'push')).toContain('to team');
    expect(remoteRunIds(upstream)).toEqual([id1]);

    git(a, 'config', 'branch.runs.remote', 'github');
    const id2 = logRun(a, '-m', 'f1=0.2');
    expect(ok(a, {}, 'push')).toContain('to github');
    expect(remoteRunIds(only)).toEqual([id1, id2].sort());
    expect(remoteRunIds(upstream)).toEqual([id1]);
  });

  it('says clearly when git is missing', () => {
    const bare = makeBare();
    const a = makeOrigin(bare);
    logRun(a, '-m', 'f1=0.1');
    const r = cliWith(a, { GIT_TRACK_GIT: '/nonexistent/git' }, 'push');
    expect(r.code).toBe(1);
    expect(r.stderr).toContain('git is not installed');
  });
});

/** Commit a change to one file of `runs` with plumbing, as a user with plain git could. */
function rewriteFileOnRuns(dir: string, path: string, change: (text: string) => string): void {
  let text = '';
  try {
    text = git(dir, 'show', `runs:${path}`);
  } catch {}
  const blob = gitInput(dir, change(text), 'hash-object', '-w', '--stdin').trim();
  const index = join(dir, '.git', 'tmp-index');
  const env = { GIT_INDEX_FILE: index };
  gitEnv(dir, env, 'read-tree', 'runs');
  gitEnv(dir, env, 'update-index', '--add', '--cacheinfo', `100644,${blob},${path}`);
  const tree = gitEnv(dir, env, 'write-tree').trim();
  const commit = gitInput(dir, 'edit\n', 'commit-tree', tree, '-p', 'runs').trim();
  git(dir, 'update-ref', 'refs/heads/runs', commit);
}

function gitInput(dir: string, input: string, ...args: string[]): string {
  return execFileSync('git', args, { cwd: dir, env: testGitEnv(), input, encoding: 'utf8' });
}
function gitEnv(dir: string, env: Record<string, string>, ...args: string[]): string {
  return execFileSync('git', args, { cwd: dir, env: testGitEnv(env), encoding: 'utf8' });
}
