import { chmodSync, existsSync, mkdirSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { BIN, cli, cliAsync, git, makeRepo, tempDir, testGitEnv } from '../helpers/repo.js';
import { fingerprint } from './compat.js';

function repoWithRuns(): string {
  const dir = makeRepo({ commit: true });
  expect(cli(dir, 'init').code).toBe(0);
  return dir;
}

function hook(dir: string, body: string): void {
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, 'reference-transaction'), `#!/bin/sh\n${body}\n`);
  chmodSync(join(dir, 'reference-transaction'), 0o755);
}

describe('refs: name conflicts git cannot have', () => {
  it('refuses to create runs beside a packed runs/foo, and git gc still works', () => {
    const dir = makeRepo({ commit: true });
    git(dir, 'branch', 'runs/foo');
    git(dir, 'pack-refs', '--all');
    const before = fingerprint(join(dir, '.git', 'refs'));
    const r = cli(dir, 'log', '-m', 'f1=0.5');
    expect(r.code).toBe(1);
    expect(r.stderr).toBe("git-track: cannot create 'refs/heads/runs': 'refs/heads/runs/foo' exists, and git cannot have both (rename or delete 'refs/heads/runs/foo' first)\n");
    expect(fingerprint(join(dir, '.git', 'refs'))).toBe(before);
    expect(git(dir, 'for-each-ref', '--format=%(refname)', 'refs/heads/')).toBe('refs/heads/main\nrefs/heads/runs/foo\n');
    git(dir, 'gc', '-q');
    git(dir, 'fsck', '--strict');
  });

  it('refuses beside a loose runs/ directory holding a ref with one clear line, not EISDIR', () => {
    const dir = makeRepo({ commit: true });
    git(dir, 'branch', 'runs/foo');
    const r = cli(dir, 'init');
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/^git-track: cannot create 'refs\/heads\/runs': 'refs\/heads\/runs\/foo' exists/);
    expect(r.stderr).not.toMatch(/EISDIR/);
  });

  it('removes an empty runs/ directory in the way, as git does', () => {
    const dir = makeRepo({ commit: true });
    mkdirSync(join(dir, '.git', 'refs', 'heads', 'runs', 'empty'), { recursive: true });
    expect(cli(dir, 'log', '-m', 'f1=0.5').code).toBe(0);
    expect(git(dir, 'log', '--format=%s', 'runs')).toMatch(/f1=0.5/);
    git(dir, 'fsck', '--strict');
  });
});

describe('refs: symbolic refs, hooks and settings', () => {
  it('updates the target of a runs symref, leaving the symref in place', () => {
    const dir = repoWithRuns();
    git(dir, 'branch', '-m', 'runs', 'experiments');
    git(dir, 'symbolic-ref', 'refs/heads/runs', 'refs/heads/experiments');
    expect(cli(dir, 'log', '-m', 'f1=0.5').code).toBe(0);
    expect(git(dir, 'symbolic-ref', 'refs/heads/runs').trim()).toBe('refs/heads/experiments');
    expect(git(dir, 'log', '--format=%s', '-1', 'experiments')).toMatch(/f1=0.5/);
    expect(git(dir, 'rev-list', '--count', 'experiments').trim()).toBe('3');
    git(dir, 'fsck', '--strict');
  });

  it('runs the reference-transaction hook (from hooks/ and from core.hooksPath)', () => {
    const dir = repoWithRuns();
    const seen = join(tempDir(), 'seen');
    hook(join(dir, '.git', 'hooks'), `echo "$1" >> ${seen}; cat >> ${seen}`);
    expect(cli(dir, 'log', '-m', 'f1=0.5').code).toBe(0);
    const tip = git(dir, 'rev-parse', 'runs').trim();
    expect(readFileSync(seen, 'utf8')).toContain(`${tip} refs/heads/runs`);
    expect(readFileSync(seen, 'utf8')).toMatch(/committed/);

    const elsewhere = join(tempDir(), 'hooks');
    const other = join(tempDir(), 'seen');
    hook(elsewhere, `cat >> ${other}`);
    git(dir, 'config', 'core.hooksPath', elsewhere);
    expect(cli(dir, 'log', '-m', 'f1=0.6').code).toBe(0);
    expect(readFileSync(other, 'utf8')).toContain(`${git(dir, 'rev-parse', 'runs').trim()} refs/heads/runs`);
  });

  it('keeps every run of concurrent loggers when refs move through git update-ref', async () => {
    const dir = repoWithRuns();
    hook(join(dir, '.git', 'hooks'), 'cat > /dev/null');
    const results = await Promise.all(Array.from({ length: 6 }, (_, i) => cliAsync(dir, 'log', '-m', `f1=0.${i}`)));
    expect(results.map((r) => r.code)).toEqual([0, 0, 0, 0, 0, 0]);
    expect(git(dir, 'rev-list', '--first-parent', '--count', 'runs').trim()).toBe('7');
    git(dir, 'fsck', '--strict');
  });

  it('does not move runs when the reference-transaction hook refuses', () => {
    const dir = repoWithRuns();
    const tip = git(dir, 'rev-parse', 'runs').trim();
    hook(join(dir, '.git', 'hooks'), 'test "$1" = prepared && exit 1; exit 0');
    const r = cli(dir, 'log', '-m', 'f1=0.5');
    expect(r.code).toBe(1);
    expect(r.stderr).toBe('git-track: the reference-transaction hook refused to update refs/heads/runs\n');
    expect(git(dir, 'rev-parse', 'runs').trim()).toBe(tip);
  });

  it('writes no reflog with core.logAllRefUpdates=false, and every ref with always', () => {
    const dir = makeRepo({ commit: true });
    git(dir, 'config', 'core.logAllRefUpdates', 'false');
    expect(cli(dir, 'log', '-m', 'f1=0.5').code).toBe(0);
    expect(existsSync(join(dir, '.git', 'logs', 'refs', 'heads', 'runs'))).toBe(false);
    git(dir, 'config', 'core.logAllRefUpdates', 'always');
    expect(cli(dir, 'log', '-m', 'f1=0.6').code).toBe(0);
    expect(git(dir, 'reflog', 'show', '--format=%gs', 'runs')).toMatch(/^git-track: run .*f1=0.6/);
  });

  it('writes the reflog entry git would: previous tip, committer, local time zone, one-line message', () => {
    const dir = repoWithRuns();
    const before = git(dir, 'rev-parse', 'runs').trim();
    const r = spawnSync(process.execPath, [BIN, 'log', '-m', 'f1=0.5', '--note', 'two\nlines'], { cwd: dir, env: testGitEnv({ TZ: 'Asia/Kolkata' }), encoding: 'utf8' });
    expect(r.status).toBe(0);
    const last = readFileSync(join(dir, '.git', 'logs', 'refs', 'heads', 'runs'), 'utf8').trim().split('\n').at(-1)!;
    expect(last).toMatch(new RegExp(`^${before} ${git(dir, 'rev-parse', 'runs').trim()} Test Author <test@example\\.com> \\d+ \\+0530\\tgit-track: run [0-9a-f]+`));
    expect(git(dir, 'reflog', 'show', 'runs')).toContain('runs@{0}: git-track: run');
  });

  it('gives files it creates the core.sharedRepository modes, as git does', () => {
    const dir = makeRepo({ commit: true });
    git(dir, 'config', 'core.sharedRepository', 'group');
    const r = spawnSync('sh', ['-c', `umask 077 && "${process.execPath}" "${BIN}" log -m f1=0.5`], { cwd: dir, env: testGitEnv(), encoding: 'utf8' });
    expect(r.status, r.stderr).toBe(0);
    const mode = (p: string) => statSync(join(dir, '.git', p)).mode & 0o7777;
    expect(mode('refs/heads/runs') & 0o060).toBe(0o060);
    expect(mode('logs/refs/heads/runs') & 0o060).toBe(0o060);
    // The run's objects arrive as one pack (see objects.ts): group-readable, as git makes its packs.
    const packs = readdirSync(join(dir, '.git', 'objects', 'pack')).filter((f) => /^pack-.*\.(pack|idx)$/.test(f));
    expect(packs).toHaveLength(2);
    for (const f of packs) expect(mode(`objects/pack/${f}`) & 0o040).toBe(0o040);
    git(dir, 'fsck', '--strict');
  });
});
