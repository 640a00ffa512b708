import { cpSync, mkdirSync, readdirSync, writeFileSync } from 'node:fs';
import { execFileSync, spawnSync } from 'node:child_process';
import { join, relative } from 'node:path';
import { describe, expect, it } from 'vitest';
import { BIN, cli, git, makeRepo, tempDir, testGitEnv } from '../helpers/repo.js';

function run(cwd: string, env: Record<string, string>, ...args: string[]) {
  const r = spawnSync(process.execPath, [BIN, ...args], { cwd, env: testGitEnv(env), encoding: 'utf8' });
  return { code: r.status ?? -1, stdout: r.stdout, stderr: r.stderr };
}

function gitWith(cwd: string, env: Record<string, string>, ...args: string[]): string {
  return execFileSync('git', args, { cwd, env: testGitEnv(env), encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
}

function manifest(cwd: string, env: Record<string, string>): string {
  const r = run(cwd, env, 'show', 'latest');
  expect(r.code, r.stderr).toBe(0);
  return r.stdout;
}

describe('repository locations from the environment, as git resolves them', () => {
  it('GIT_OBJECT_DIRECTORY: every object of a run, its code snapshot included, goes where git writes', () => {
    const dir = makeRepo({ commit: true });
    const objects = tempDir('gt-objects-');
    cpSync(join(dir, '.git', 'objects'), objects, { recursive: true });
    const env = { GIT_OBJECT_DIRECTORY: objects };
    writeFileSync(join(dir, 'train.py'), 'print(2)\n');
    const r = run(dir, env, 'log', '-m', 'f1=0.5');
    expect(r.code, r.stderr).toBe(0);
    expect(manifest(dir, env)).toMatch(/dirty: true/);
    gitWith(dir, env, 'fsck', '--strict');
    const tip = gitWith(dir, env, 'rev-parse', 'runs').trim();
    // Nothing of the run is in .git/objects: without the variable git cannot see it.
    expect(spawnSync('git', ['cat-file', '-e', tip], { cwd: dir, env: testGitEnv() }).status).not.toBe(0);
    expect(run(dir, env, 'verify').code).toBe(0);
    expect(run(dir, env, 'list').stdout).toContain('0.5');
  });

  it('GIT_DIR and GIT_WORK_TREE, relative, from another directory', () => {
    const dir = makeRepo({ commit: true });
    const elsewhere = tempDir('gt-cwd-');
    const env = { GIT_DIR: relative(elsewhere, join(dir, '.git')), GIT_WORK_TREE: relative(elsewhere, dir) };
    const r = run(elsewhere, env, 'log', '-m', 'f1=0.5');
    expect(r.code, r.stderr).toBe(0);
    expect(manifest(elsewhere, env)).toContain(`commit: ${git(dir, 'rev-parse', 'HEAD').trim()}`);
    expect(manifest(elsewhere, env)).toMatch(/dirty: false/);
    expect(git(dir, 'log', '--format=%s', '-1', 'runs')).toMatch(/f1=0.5/);
    git(dir, 'fsck', '--strict');
  });

  it('reads through alternates of alternates (relative entries too) and writes into its own objects', () => {
    const a = makeRepo({ commit: true });
    expect(cli(a, 'log', '-m', 'f1=0.1', '-p', 'lr=1').code).toBe(0);
    const top = tempDir('gt-chain-');
    git(top, 'clone', '-q', '--shared', a, 'b');
    git(top, 'clone', '-q', '--shared', join(top, 'b'), 'c');
    const b = join(top, 'b');
    const c = join(top, 'c');
    // b lists a by a relative path, which is relative to b's objects dir.
    writeFileSync(join(b, '.git', 'objects', 'info', 'alternates'), `${relative(join(b, '.git', 'objects'), join(a, '.git', 'objects'))}\n`);
    git(c, 'update-ref', 'refs/heads/runs', git(a, 'rev-parse', 'runs').trim());
    git(c, 'config', 'user.name', 'Test Author');
    git(c, 'config', 'user.email', 'test@example.com');
    expect(cli(c, 'list').stdout).toMatch(/lr\s+f1[\s\S]*1\s+0\.1/);
    expect(cli(c, 'log', '-m', 'f1=0.2').code).toBe(0);
    git(c, 'fsck', '--strict');
    expect(git(a, 'rev-list', '--count', 'runs').trim()).toBe('3');
  });

  it('GIT_ALTERNATE_OBJECT_DIRECTORIES', () => {
    const a = makeRepo({ commit: true });
    expect(cli(a, 'log', '-m', 'f1=0.1').code).toBe(0);
    const d = makeRepo({ commit: true });
    const env = { GIT_ALTERNATE_OBJECT_DIRECTORIES: join(a, '.git', 'objects') };
    gitWith(d, env, 'update-ref', 'refs/heads/runs', git(a, 'rev-parse', 'runs').trim());
    expect(run(d, env, 'list').stdout).toContain('0.1');
    expect(run(d, env, 'log', '-m', 'f1=0.3').code).toBe(0);
    gitWith(d, env, 'fsck', '--strict');
  });

  it('a linked worktree logs into the common dir with its own HEAD as the code', () => {
    const dir = makeRepo({ commit: true });
    const linked = join(tempDir('gt-linked-'), 'wt');
    git(dir, 'worktree', 'add', '-q', '-b', 'side', linked);
    writeFileSync(join(linked, 'side.txt'), 'x\n');
    git(linked, 'add', 'side.txt');
    git(linked, 'commit', '-q', '-m', 'side');
    expect(cli(linked, 'log', '-m', 'f1=0.5').code).toBe(0);
    expect(manifest(linked, {})).toContain(`commit: ${git(linked, 'rev-parse', 'HEAD').trim()}`);
    expect(manifest(linked, {})).toContain('branch: side');
    expect(git(dir, 'log', '--format=%s', '-1', 'runs')).toMatch(/f1=0.5/);
    git(dir, 'fsck', '--strict');
  });

  it('a bare repository and a separate git dir (gitfile), as git sees them', () => {
    const bare = tempDir('gt-bare-');
    git(bare, 'init', '-q', '--bare');
    expect(cli(bare, 'init').code).toBe(0);
    expect(git(bare, 'log', '--format=%s', 'runs')).toMatch(/Start the runs branch/);

    const gitDir = join(tempDir('gt-sep-'), 'repo.git');
    const work = makeRepo({ commit: true });
    git(work, 'init', '-q', '--separate-git-dir', gitDir);
    mkdirSync(join(work, 'sub'));
    expect(cli(join(work, 'sub'), 'log', '-m', 'f1=0.5').code).toBe(0);
    expect(git(work, 'log', '--format=%s', '-1', 'runs')).toMatch(/f1=0.5/);
    gitWith(work, {}, 'fsck', '--strict');
  });

  it('says in one line when GIT_DIR names no repository, and refuses one git finds unsupported', () => {
    const elsewhere = tempDir('gt-cwd-');
    const r = run(elsewhere, { GIT_DIR: join(elsewhere, 'missing') }, 'list');
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/^git-track: not a git repository: '.*missing'\n$/);
    const reftable = tempDir('gt-reftable-');
    git(reftable, 'init', '-q');
    git(reftable, 'config', 'core.repositoryformatversion', '1');
    git(reftable, 'config', 'extensions.refStorage', 'reftable');
    const refused = run(elsewhere, { GIT_DIR: join(reftable, '.git') }, 'log', '-m', 'f1=1');
    expect(refused.code).toBe(1);
    expect(refused.stderr).toMatch(/^git-track: .*refstorage.*\n$/i);
    expect(readdirSync(join(reftable, '.git', 'refs', 'heads'))).toEqual([]);
  });

  it('finds a SHA-256 repository through GIT_DIR and writes SHA-256 objects into it', () => {
    const elsewhere = tempDir('gt-cwd-');
    const sha256 = tempDir('gt-sha256-');
    git(sha256, 'init', '-q', '--object-format=sha256');
    const r = run(elsewhere, { GIT_DIR: join(sha256, '.git') }, 'log', '-m', 'f1=1');
    expect(r.code, r.stderr).toBe(0);
    expect(git(sha256, 'rev-parse', 'runs').trim()).toMatch(/^[0-9a-f]{64}$/);
    gitWith(sha256, {}, 'fsck', '--strict');
  });
});
