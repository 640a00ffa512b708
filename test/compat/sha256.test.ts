/**
 * SHA-256 repositories (`git init --object-format=sha256`), built and checked with real git:
 * every command works in one, what it writes passes `git fsck --strict`, `git log --all`,
 * `git gc` and `git cat-file`, runs travel between two of them by every transport, and a push
 * or pull between a sha1 and a sha256 repository is refused in one line, writing nothing.
 */
import { execFileSync } from 'node:child_process';
import { readFileSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { cli, cliWith, git, tempDir, testGitEnv } from '../helpers/repo.js';
import { expectFsckClean, remoteRunIds, runIds, startHttpServer } from '../helpers/remotes.js';
import { fingerprint } from './compat.js';

const OID64 = /^[0-9a-f]{64}$/;

/** A sha256 work tree with one commit (or a bare one), with the test identity. */
function sha256Repo(options: { bare?: boolean; format?: 'sha1' | 'sha256' } = {}): string {
  const dir = join(tempDir('gt-sha256-'), options.bare ? 'remote.git' : 'work');
  git(tempDir(), 'init', '-q', '-b', 'main', `--object-format=${options.format ?? 'sha256'}`, ...(options.bare ? ['--bare'] : []), dir);
  if (options.bare) return dir;
  git(dir, 'config', 'user.name', 'Test Author');
  git(dir, 'config', 'user.email', 'test@example.com');
  writeFileSync(join(dir, 'train.py'), 'print(1)\n');
  git(dir, 'add', '.');
  git(dir, 'commit', '-q', '-m', 'initial');
  return dir;
}

function ok(dir: string, ...args: string[]): string {
  const r = cli(dir, ...args);
  expect(r.stderr, `${args.join(' ')}`).toBe('');
  expect(r.code, `${args.join(' ')}`).toBe(0);
  return r.stdout.trim();
}

function manifestOf(dir: string, id: string): string {
  return git(dir, 'show', `runs:runs/${id.slice(0, 2)}/${id}/run.yaml`);
}

describe('SHA-256 repositories', () => {
  it('every command works, and git agrees with everything written (fsck, log --all, gc, cat-file)', () => {
    const dir = sha256Repo();
    const head = git(dir, 'rev-parse', 'HEAD').trim();
    expect(head).toMatch(OID64);
    ok(dir, 'init');
    const clean = ok(dir, 'log', '-p', 'lr=0.1', '-m', 'f1=0.8', '--name', 'clean');
    expect(manifestOf(dir, clean)).toContain(`commit: ${head}\n`);

    // A dirty tree: the snapshot commit is a sha256 commit whose parent is HEAD.
    writeFileSync(join(dir, 'train.py'), 'print(2)\n');
    writeFileSync(join(dir, 'model.bin'), 'weights\n');
    const dirty = ok(dir, 'log', '-p', 'lr=0.2', '-m', 'f1=0.9', '-a', 'model.bin:model', '--name', 'dirty');
    const manifest = manifestOf(dir, dirty);
    const snapshot = /snapshot: ([0-9a-f]+)/.exec(manifest)?.[1] ?? '';
    expect(snapshot).toMatch(OID64);
    expect(git(dir, 'rev-parse', `${snapshot}^`).trim()).toBe(head);
    expect(git(dir, 'show', `${snapshot}:train.py`)).toBe('print(2)\n');

    expect(ok(dir, 'list')).toMatch(/dirty[\s\S]*clean/);
    expect(ok(dir, 'show', 'dirty')).toContain(`snapshot: ${snapshot}`);
    expect(ok(dir, 'diff', 'clean', 'dirty')).toContain('0.2');
    expect(ok(dir, 'compare', 'clean', 'dirty')).toContain('metrics.f1');
    ok(dir, 'tag', 'dirty', 'team=a');
    ok(dir, 'promote', 'dirty', '--stage', 'production', '--reason', 'best');
    expect(ok(dir, 'stage')).toContain(dirty);
    ok(dir, 'archive', 'clean');
    expect(ok(dir, 'verify')).toMatch(/^OK: 2 runs/);
    // The run commit itself names the run.
    const runCommit = git(dir, 'log', '--format=%H', '--grep', `^run ${dirty}`, 'runs').trim();
    expect(runCommit).toMatch(OID64);
    expect(ok(dir, 'show', runCommit)).toContain(`id: ${dirty}`);

    rmSync(join(dir, 'model.bin'));
    expect(ok(dir, 'get', 'dirty')).toContain('restored');
    expect(readFileSync(join(dir, 'model.bin'), 'utf8')).toBe('weights\n');
    const out = join(tempDir(), 'checkout');
    ok(dir, 'checkout', 'dirty', out);
    expect(readFileSync(join(out, 'train.py'), 'utf8')).toBe('print(2)\n');
    expect(readFileSync(join(out, 'model.bin'), 'utf8')).toBe('weights\n');

    // git reads everything: objects, refs, reflogs, the artifacts ref.
    expect(git(dir, 'rev-parse', '--show-object-format').trim()).toBe('sha256');
    expectFsckClean(dir);
    expect(git(dir, 'log', '--all', '--format=%H').trim().split('\n').every((l) => OID64.test(l))).toBe(true);
    expect(git(dir, 'cat-file', '-p', 'runs^{tree}')).toMatch(/^040000 tree [0-9a-f]{64}\truns$/m);
    expect(readFileSync(join(dir, '.git', 'logs', 'refs', 'heads', 'runs'), 'utf8')).toMatch(new RegExp(`^${'0'.repeat(64)} [0-9a-f]{64} `));

    // After git packs everything (sha256 pack indexes), reads and writes still work.
    git(dir, 'gc', '-q', '--prune=now');
    expectFsckClean(dir);
    rmSync(join(dir, '.git', 'git-track', 'query-index.bin'), { force: true });
    expect(ok(dir, 'list', '--json')).toContain(dirty);
    const third = ok(dir, 'log', '-m', 'f1=0.95');
    expect(ok(dir, 'verify')).toMatch(/^OK: 3 runs/);
    expect(git(dir, 'log', '--first-parent', '--format=%s', '-1', 'runs')).toContain(third);
    expectFsckClean(dir);
  });

  it('signs with an ssh key in the gpgsig-sha256 header; verify --signatures and git verify-commit agree', () => {
    const dir = sha256Repo();
    const key = join(tempDir('gt-key-'), 'id');
    execFileSync('ssh-keygen', ['-q', '-t', 'ed25519', '-N', '', '-C', 'ada', '-f', key]);
    const allowed = join(dirname(key), 'allowed_signers');
    writeFileSync(allowed, `test@example.com ${readFileSync(`${key}.pub`, 'utf8').trim()}\n`);
    for (const [k, v] of [['gpg.format', 'ssh'], ['user.signingKey', key], ['commit.gpgSign', 'true'], ['gpg.ssh.allowedSignersFile', allowed]]) git(dir, 'config', k!, v!);
    const id = ok(dir, 'log', '-m', 'f1=0.5');
    ok(dir, 'tag', id, 'team=a');
    expect(git(dir, 'cat-file', 'commit', 'runs')).toMatch(/\ngpgsig-sha256 -----BEGIN SSH SIGNATURE-----/);
    git(dir, 'verify-commit', 'runs');
    expect(ok(dir, 'verify', '--signatures')).toMatch(/signatures of 3 commit\(s\) checked/);
    // A commit git signed is accepted, one we add unsigned is named.
    git(dir, 'config', 'commit.gpgSign', 'false');
    ok(dir, 'log', '-m', 'f1=0.6');
    const r = cli(dir, 'verify', '--signatures');
    expect(r.code).toBe(1);
    expect(r.stdout).toMatch(/\[signature\] commit [0-9a-f]{12} \(run [0-9a-f]{12}: f1=0\.6\) is not signed/);
  });

  it('repair rebuilds a runs branch whose tip was pruned, from the reflog', () => {
    const dir = sha256Repo();
    const kept = [ok(dir, 'log', '-m', 'f1=0.1'), ok(dir, 'log', '-m', 'f1=0.2')];
    const intact = git(dir, 'rev-parse', 'runs').trim();
    ok(dir, 'log', '-m', 'f1=0.3');
    const doomed = git(dir, 'rev-parse', 'runs').trim();
    git(dir, 'update-ref', 'refs/heads/runs', intact);
    git(dir, 'reflog', 'expire', '--expire-unreachable=now', '--all');
    git(dir, 'gc', '-q', '--prune=now');
    writeFileSync(join(dir, '.git', 'refs', 'heads', 'runs'), `${doomed}\n`);
    writeFileSync(join(dir, '.git', 'logs', 'refs', 'heads', 'runs'), `${'0'.repeat(64)} ${intact} Test Author <test@example.com> 1767225600 +0000\tgit-track: run\n${intact} ${doomed} Test Author <test@example.com> 1767225601 +0000\tgit-track: run\n`);
    expect(cli(dir, 'verify').code).toBe(1);
    expect(ok(dir, 'repair')).toContain(`rebuilt on its newest intact commit ${intact.slice(0, 12)}`);
    expectFsckClean(dir);
    expect(JSON.parse(ok(dir, 'list', '--json')).map((r: { id: string }) => r.id).sort()).toEqual([...kept].sort());
  });

  it('reads git-written packs of every kind: index v1 and v2, offset and ref deltas', () => {
    const dir = sha256Repo();
    for (let i = 0; i < 5; i++) ok(dir, 'log', '-m', `f1=0.${i}`, '-p', `note=${'x'.repeat(200)}${i}`);
    const packDir = join(dir, '.git', 'objects', 'pack');
    // One pack with REF_DELTA entries (no --delta-base-offset) indexed as v1, all else loose-free.
    const revs = git(dir, 'rev-list', '--objects', '--all');
    const name = execFileSync('git', ['pack-objects', '-q', '--window=50', join(packDir, 'pack')], { cwd: dir, env: testGitEnv(), input: revs.split('\n').map((l) => l.split(' ')[0]).join('\n') }).toString().trim();
    expect(name).toMatch(OID64);
    rmSync(join(packDir, `pack-${name}.idx`));
    execFileSync('git', ['index-pack', '--index-version=1', join(packDir, `pack-${name}.pack`)], { cwd: dir, env: testGitEnv() });
    git(dir, 'prune-packed');
    for (const f of git(dir, 'count-objects', '-v').split('\n')) if (f.startsWith('count:')) expect(f).toBe('count: 0');
    for (const other of execFileSync('ls', [packDir]).toString().split('\n').filter((f) => f.endsWith('.pack') && !f.includes(name))) {
      rmSync(join(packDir, other));
      rmSync(join(packDir, other.replace(/\.pack$/, '.idx')));
    }
    rmSync(join(dir, '.git', 'git-track', 'query-index.bin'), { force: true });
    expect(JSON.parse(ok(dir, 'list', '--json'))).toHaveLength(5);
    expect(ok(dir, 'verify')).toMatch(/^OK: 5 runs/);
    ok(dir, 'log', '-m', 'f1=0.9');
    expectFsckClean(dir);
  });
});

describe('push and pull between SHA-256 repositories', () => {
  it('by path, file:// and smart HTTP (git http-backend), git agreeing on both sides', async () => {
    const a = sha256Repo();
    const bare = sha256Repo({ bare: true });
    const first = ok(a, 'log', '-m', 'f1=0.1');
    writeFileSync(join(a, 'model.bin'), 'weights\n');
    ok(a, 'log', '-m', 'f1=0.2', '-a', 'model.bin');
    expect(ok(a, 'push', bare)).toMatch(/^pushed 2 run\(s\)/);
    expectFsckClean(bare);
    expect(remoteRunIds(bare)).toEqual(runIds(a));
    // The artifact went to the `git` store ref, and comes back from it once the cache is gone.
    expect(git(bare, 'cat-file', '-t', 'refs/git-track/artifacts').trim()).toBe('commit');
    rmSync(join(a, 'model.bin'));
    rmSync(join(a, '.git', 'git-track', 'objects'), { recursive: true, force: true });
    expect(ok(a, 'get', 'latest')).toContain('restored');
    expect(readFileSync(join(a, 'model.bin'), 'utf8')).toBe('weights\n');

    // A second sha256 repository pulls by file://, logs, pushes back; the first pulls.
    const b = sha256Repo();
    expect(ok(b, 'pull', `file://${bare}`)).toMatch(/pulled 2 run\(s\)/);
    ok(b, 'get', 'latest');
    expect(readFileSync(join(b, 'model.bin'), 'utf8')).toBe('weights\n');
    const fromB = ok(b, 'log', '-m', 'f1=0.3');
    ok(b, 'push', `file://${bare}`);
    ok(a, 'pull', bare);
    expect(runIds(a)).toContain(fromB);
    expectFsckClean(a);
    expectFsckClean(b);

    // Through git's smart HTTP server.
    const { url } = await startHttpServer(dirname(bare));
    const c = sha256Repo();
    const http = `${url}/${join(dirname(bare), 'remote.git').split('/').pop()}`;
    expect(ok(c, 'pull', http)).toMatch(/pulled 3 run\(s\)/);
    git(bare, 'config', 'http.receivepack', 'true');
    const fromC = ok(c, 'log', '-m', 'f1=0.4');
    expect(ok(c, 'push', http)).toMatch(/^pushed 1 run\(s\)/);
    expect(remoteRunIds(bare)).toContain(fromC);
    expect(remoteRunIds(bare)).toContain(first);
    expectFsckClean(bare);
    expectFsckClean(c);
  });

  it('refuses, in one line and writing nothing, to push or pull between sha1 and sha256', async () => {
    const sha256 = sha256Repo();
    ok(sha256, 'log', '-m', 'f1=0.1');
    const sha1 = sha256Repo({ format: 'sha1' });
    ok(sha1, 'log', '-m', 'f1=0.2');
    const bare256 = sha256Repo({ bare: true });
    ok(sha256, 'push', bare256);
    const bare1 = sha256Repo({ bare: true, format: 'sha1' });
    ok(sha1, 'push', bare1);
    const { url } = await startHttpServer(dirname(bare256));
    git(bare256, 'config', 'http.receivepack', 'true');
    const cases: [string, string, string, string][] = [
      [sha256, bare1, 'push', bare1],
      [sha256, bare1, 'pull', `file://${bare1}`],
      [sha256, bare1, 'pull', bare1],
      [sha256, bare1, 'push', `file://${bare1}`],
      [sha1, bare256, 'push', bare256],
      [sha1, bare256, 'pull', `file://${bare256}`],
      [sha1, bare256, 'pull', `${url}/remote.git`],
      [sha1, bare256, 'push', `${url}/remote.git`],
    ];
    for (const [dir, remote, command, target] of cases) {
      const before = [fingerprint(remote), fingerprint(join(dir, '.git'))];
      const r = cli(dir, command, target);
      expect(r.code, `${command} ${target}: ${r.stderr}`).toBe(1);
      expect(r.stderr).toMatch(/^git-track: .* is a sha(1|256) repository and this one is sha(1|256): git cannot push or pull between them; nothing was sent or received\n$/);
      expect([fingerprint(remote), fingerprint(join(dir, '.git'))], `${command} ${target}`).toEqual(before);
    }
    expect(remoteRunIds(bare1)).toEqual(runIds(sha1));
    expect(remoteRunIds(bare256)).toEqual(runIds(sha256));
  });
});

describe('log --remote to a SHA-256 remote, without a clone', () => {
  it('by path and over smart HTTP, empty or not: the stand-in repository takes the remote\'s format', async () => {
    const commit = git(sha256Repo(), 'rev-parse', 'HEAD').trim();
    const byPath = sha256Repo({ bare: true });
    const overHttp = sha256Repo({ bare: true });
    git(overHttp, 'config', 'http.receivepack', 'true');
    const { url } = await startHttpServer(dirname(overHttp));
    const node = tempDir('gt-node-');
    for (const target of [byPath, `file://${byPath}`, `${url}/remote.git`, `${url}/remote.git`]) {
      const bare = target.startsWith('http') ? overHttp : byPath;
      const r = cliWith(node, {}, 'log', '--remote', target, '--code-commit', commit, '-m', 'f1=0.5');
      expect(r.code, `${target}: ${r.stderr}`).toBe(0);
      const id = r.stdout.trim();
      expect(remoteRunIds(bare)).toContain(id);
      expect(manifestOf(bare, id)).toContain(`commit: ${commit}\n`);
      expectFsckClean(bare);
    }
    // A sha1 --code-commit cannot name a commit of a sha256 remote: it is recorded, not linked.
    const r = cliWith(node, {}, 'log', '--remote', byPath, '--code-commit', 'a'.repeat(40), '-m', 'f1=0.6');
    expect(r.code, r.stderr).toBe(0);
    expect(manifestOf(byPath, r.stdout.trim())).toContain(`commit: ${'a'.repeat(40)}\n`);
    expect(git(byPath, 'rev-list', '--parents', '-1', 'runs').trim().split(' ')).toHaveLength(2);
    expectFsckClean(byPath);
  });
});
