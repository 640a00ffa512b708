/**
 * A teammate who can push to the shared remote is not trusted with our file system: runs
 * built with git plumbing on a bare remote, pulled with the real binary, must never write into
 * `.git`, outside the directory named, or through a symlink they brought.
 */
import { describe, expect, it } from 'vitest';
import { existsSync, readdirSync, readFileSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { addArtifactBytes, addRun, codeCommit, commitOnRef, makeTree, manifestText, placeAt, tipTree, treeOf, writeBlob } from '../helpers/hostile.js';
import { createHash } from 'node:crypto';
import { cloneOf, logRun, makeBare, makeOrigin } from '../helpers/remotes.js';
import { BIN, cli, git, tempDir, testGitEnv } from '../helpers/repo.js';
import { spawnSync } from 'node:child_process';

/** A shared bare remote with one honest run, and a victim clone of it. */
function setup(): { bare: string; victim: string } {
  const bare = makeBare();
  const honest = makeOrigin(bare);
  git(honest, 'push', '-q', 'origin', 'main');
  logRun(honest, '-m', 'f1=0.8');
  expect(cli(honest, 'push').code).toBe(0);
  const victim = cloneOf(bare);
  return { bare, victim };
}

function pull(victim: string): void {
  const r = cli(victim, 'pull');
  expect(r.stderr).toBe('');
  expect(r.code).toBe(0);
}

/** Files under `dir`, recursively, as relative paths (symlinks not followed). */
function filesUnder(dir: string): string[] {
  return readdirSync(dir, { recursive: true, withFileTypes: false } as { recursive: true }).map(String).sort();
}

const HOOK = '#!/bin/sh\necho owned > /tmp/owned\n';

describe('a hostile remote', () => {
  it('cannot make get or checkout write into .git, under any alias', () => {
    const { bare, victim } = setup();
    const aliases = ['.git/hooks/post-checkout', '.GIT/hooks/post-checkout', 'sub/.git/config', 'git~1/config', '.git./config', '.git /config', '.g\u200cit/config'];
    const ids = aliases.map((path, i) => {
      const id = `a${i}`.padEnd(12, '0');
      addArtifactBytes(bare, HOOK);
      addRun(bare, id, { 'run.yaml': { blob: manifestText({ id, artifacts: [{ path, bytes: HOOK }] }) } });
      return id;
    });
    pull(victim);
    const hooksBefore = filesUnder(join(victim, '.git'));
    for (const [i, id] of ids.entries()) {
      const r = cli(victim, 'get', id);
      expect(r.code, aliases[i]).toBe(1);
      expect(r.stderr.trim().split('\n')).toHaveLength(1);
      expect(r.stderr).toMatch(/^git-track: refusing to write artifact of run .* inside \.git/);
      const out = join(tempDir(), 'co');
      const c = cli(victim, 'checkout', id, out);
      expect(c.code, aliases[i]).toBe(1);
      expect(existsSync(out)).toBe(false);
    }
    // Nor when the directory named is a git directory, this one or any other.
    for (const out of [join(victim, '.git', 'hooks'), join(victim, 'sub', '.GIT'), join(tempDir(), 'other', '.git')]) {
      const g = cli(victim, 'get', ids[0]!, '-o', out);
      expect(g.code).toBe(2);
      expect(g.stderr).toContain('refusing to write artifacts into the git directory');
      expect(cli(victim, 'checkout', ids[0]!, out).code).toBe(2);
      expect(existsSync(join(out, 'post-checkout'))).toBe(false);
    }
    expect(filesUnder(join(victim, '.git'))).toEqual(hooksBefore);
    expect(git(victim, 'status', '--porcelain')).toBe('');
  });

  it('shows data recorded outside the work tree without writing it, and places it under -o DIR', () => {
    const { bare, victim } = setup();
    const id = 'b00000000000';
    const bytes = 'stolen\n';
    addArtifactBytes(bare, bytes);
    const outside = tempDir();
    const victimName = join(outside, 'x');
    writeFileSync(victimName, 'keep me\n');
    const climb = `../../gt-hostile-${process.pid}-${Date.now()}`;
    addRun(bare, id, {
      'run.yaml': { blob: manifestText({ id, data: [{ path: climb, bytes }, { path: victimName, bytes }], artifacts: [{ path: 'same.bin', bytes }] }) },
    });
    pull(victim);
    expect(cli(victim, 'get', id, '-o', join(tempDir(), 'scratch')).code).toBe(0); // the bytes, into the local cache
    const dir = join(tempDir(), 'co');
    const r = cli(victim, 'checkout', id, dir);
    expect(r.stderr).toBe('');
    expect(r.stdout).toContain('recorded outside the work tree, not written');
    expect(r.stdout).toContain(climb);
    expect(r.stdout).toContain(victimName);
    expect(readFileSync(victimName, 'utf8')).toBe('keep me\n');
    expect(existsSync(join(dir, climb))).toBe(false);
    expect(filesUnder(dir)).toEqual(['same.bin']);

    // Named explicitly, they land under that directory by a safe relative name.
    const named = join(tempDir(), 'inputs');
    const dir2 = join(tempDir(), 'co2');
    const o = cli(victim, 'checkout', id, dir2, '-o', named);
    expect(o.stderr).toBe('');
    expect(o.code).toBe(0);
    expect(readFileSync(join(named, climb.replace(/^(\.\.\/)+/, '')), 'utf8')).toBe(bytes);
    expect(readFileSync(join(named, victimName.slice(1)), 'utf8')).toBe(bytes);
    expect(readFileSync(victimName, 'utf8')).toBe('keep me\n');
    expect(existsSync(join(dir2, climb))).toBe(false);
  });

  it('never writes through a symlink in the checked-out code', () => {
    const { bare, victim } = setup();
    const outside = tempDir();
    const id = 'c00000000000';
    const bytes = 'payload\n';
    addArtifactBytes(bare, bytes);
    const code = codeCommit(bare, { 'train.py': { blob: 'print(1)\n' }, link: { link: outside } });
    addRun(bare, id, { 'run.yaml': { blob: manifestText({ id, commit: code, artifacts: [{ path: 'link/file', bytes }] }) } }, { code });
    pull(victim);
    // Bring the bytes into the local cache (get into a scratch dir: no symlink there).
    const got = cli(victim, 'get', id, '-o', join(tempDir(), 'scratch'));
    expect(got.stderr).toBe('');
    expect(got.code).toBe(0);
    const dir = join(tempDir(), 'co');
    const r = cli(victim, 'checkout', id, dir);
    expect(r.code).toBe(1);
    expect(r.stdout).toContain('link/file');
    expect(readdirSync(outside)).toEqual([]);
    expect(readFileSync(join(dir, 'train.py'), 'utf8')).toBe('print(1)\n');
  });

  it('cannot make checkout write through a symlink the code tree itself holds (link, then link/file)', () => {
    const { bare, victim } = setup();
    const outside = tempDir();
    const id = 'c10000000000';
    const sub = treeOf(bare, { file: { blob: 'pwned\n' } });
    // Two entries named `link` in one tree: a symlink to outside, then a directory through it.
    const tree = makeTree(bare, [
      { mode: '120000', type: 'blob', oid: writeBlob(bare, outside), name: 'link' },
      { mode: '040000', type: 'tree', oid: sub, name: 'link' },
      { mode: '100644', type: 'blob', oid: writeBlob(bare, 'print(1)\n'), name: 'train.py' },
    ]);
    const code = git(bare, 'commit-tree', tree, '-m', 'code').trim();
    addRun(bare, id, { 'run.yaml': { blob: manifestText({ id, commit: code }) } }, { code });
    pull(victim);
    cli(victim, 'checkout', id, join(tempDir(), 'co'));
    expect(readdirSync(outside)).toEqual([]);
  });

  it('cannot plant .git in a checkout through the code tree', () => {
    const { bare, victim } = setup();
    const id = 'e00000000000';
    const code = codeCommit(bare, { 'train.py': { blob: 'print(1)\n' }, '.git/hooks/post-checkout': { blob: HOOK }, 'sub/.GIT/config': { blob: '[core]\n' } });
    addRun(bare, id, { 'run.yaml': { blob: manifestText({ id, commit: code }) } }, { code });
    pull(victim);
    const dir = join(tempDir(), 'co');
    const r = cli(victim, 'checkout', id, dir);
    expect(r.code).not.toBe(0);
    expect(r.stderr.trim().split('\n')).toHaveLength(1);
    expect(existsSync(join(dir, '.git'))).toBe(false);
    expect(existsSync(join(dir, 'sub', '.GIT'))).toBe(false);
  });

  it('does not let get follow a symlink in the work tree that it did not create', () => {
    const { bare, victim } = setup();
    const outside = tempDir();
    const id = 'd00000000000';
    const bytes = 'payload\n';
    addArtifactBytes(bare, bytes);
    addRun(bare, id, { 'run.yaml': { blob: manifestText({ id, artifacts: [{ path: 'models/file', bytes }] }) } });
    pull(victim);
    symlinkSync(outside, join(victim, 'models'));
    const r = cli(victim, 'get', id);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain('symlink');
    expect(readdirSync(outside)).toEqual([]);
  });

  it('cannot slip corrupted artifact bytes past verify on the git store ref', () => {
    const bare = makeBare();
    const honest = makeOrigin(bare);
    git(honest, 'push', '-q', 'origin', 'main');
    writeFileSync(join(honest, 'model.bin'), 'honest weights\n');
    const id = logRun(honest, '-m', 'f1=0.8', '-a', 'model.bin:model');
    expect(cli(honest, 'push').code).toBe(0);
    const sha = createHash('sha256').update('honest weights\n').digest('hex');
    // Same name on the ref, other bytes.
    const root = placeAt(bare, tipTree(bare, 'refs/git-track/artifacts'), ['sha256', sha.slice(0, 2), sha.slice(2)], { blob: 'evil weights\n' });
    commitOnRef(bare, 'refs/git-track/artifacts', root, 'swap');
    const victim = cloneOf(bare);
    pull(victim);
    const r = cli(victim, 'verify');
    expect(r.code).toBe(1);
    expect(r.stdout).toContain(`artifact model.bin of run ${id}`);
    expect(r.stdout).toContain('refs/git-track/artifacts');
    const honestVerify = cli(honest, 'verify');
    expect(honestVerify.code).toBe(0);
    expect(honestVerify.stdout).toContain('1 on refs/git-track/artifacts');
  });

  it('cannot make reproduce run its command without a person saying yes', () => {
    const { bare, victim } = setup();
    const id = 'f00000000000';
    const marker = join(tempDir(), 'ran');
    addRun(bare, id, { 'run.yaml': { blob: manifestText({ id, command: ['sh', '-c', `touch ${marker}`] }) } });
    pull(victim);
    const before = git(victim, 'rev-parse', 'runs');

    const r = cli(victim, 'reproduce', id);
    expect(r.code).toBe(2);
    expect(r.stderr.trim().split('\n')).toHaveLength(1);
    expect(r.stderr).toContain('Mallory <mallory@example.com>');
    expect(r.stderr).toContain(`touch ${marker}`);
    expect(r.stderr).toContain('--yes');
    expect(existsSync(marker)).toBe(false);

    // On a terminal it asks; anything but yes runs nothing.
    const asked = onTerminal(victim, ['reproduce', id], 'n\n');
    expect(asked.stdout).toContain('Mallory');
    expect(asked.stdout).toContain('Run it? [y/N]');
    expect(existsSync(marker)).toBe(false);
    expect(git(victim, 'rev-parse', 'runs')).toBe(before);

    onTerminal(victim, ['reproduce', id], 'y\n');
    expect(existsSync(marker)).toBe(true);
  });
});

/** The CLI under a pseudo-terminal (util-linux `script`), with `input` typed at it. */
function onTerminal(dir: string, args: string[], input: string): { code: number; stdout: string } {
  const command = [process.execPath, BIN, ...args].map((a) => `'${a.replace(/'/g, `'\\''`)}'`).join(' ');
  const r = spawnSync('script', ['-qec', command, '/dev/null'], { cwd: dir, input, env: testGitEnv(), encoding: 'utf8', timeout: 60_000 });
  return { code: r.status ?? -1, stdout: r.stdout };
}
