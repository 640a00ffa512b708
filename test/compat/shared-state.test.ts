/**
 * `core.sharedRepository` covers git-track's own state under `.git/git-track/` (query index,
 * caches, staging directories, artifact objects) as git covers its objects: after a command
 * run with a private umask, another member of the group can still read and write there.
 */
import { spawnSync } from 'node:child_process';
import { mkdirSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { BIN, git, makeRepo, testGitEnv } from '../helpers/repo.js';

function privateCli(dir: string, ...args: string[]): string {
  const r = spawnSync('sh', ['-c', 'umask 077 && exec "$0" "$@"', process.execPath, BIN, ...args], { cwd: dir, env: testGitEnv(), encoding: 'utf8' });
  expect(r.status, `${args.join(' ')}: ${r.stderr}`).toBe(0);
  return r.stdout;
}

function walk(root: string): string[] {
  const out = [root];
  for (const e of readdirSync(root, { withFileTypes: true })) {
    const p = join(root, e.name);
    if (e.isDirectory()) out.push(...walk(p));
    else out.push(p);
  }
  return out;
}

const mode = (p: string): number => statSync(p).mode & 0o7777;

describe('core.sharedRepository and .git/git-track', () => {
  it.each(['group', '0660'])('%s: every file and directory git-track leaves is shared with the group as git shares its own', (setting) => {
    const dir = makeRepo({ commit: true });
    git(dir, 'config', 'core.sharedRepository', setting);
    mkdirSync(join(dir, 'models'));
    writeFileSync(join(dir, 'models', 'm.bin'), 'weights');
    mkdirSync(join(dir, 'data'));
    writeFileSync(join(dir, 'data', 'a.csv'), 'x,y\n');
    writeFileSync(join(dir, 'README.md'), 'edited\n'); // dirty: a snapshot through the private index
    const id = privateCli(dir, 'log', '-p', 'lr=0.1', '-m', 'f1=0.5', '-a', 'models', '-d', 'data').trim();
    privateCli(dir, 'list');
    privateCli(dir, 'list', '--json');
    privateCli(dir, 'run', '--', process.execPath, '-e', 'console.log(1)');
    rmSync(join(dir, 'models'), { recursive: true });
    privateCli(dir, 'get', id);
    // What git gives its own objects in the same repository, under the same umask.
    writeFileSync(join(dir, 'new.txt'), 'new\n');
    spawnSync('sh', ['-c', 'umask 077 && git hash-object -w new.txt'], { cwd: dir, env: testGitEnv() });
    const oid = git(dir, 'hash-object', 'new.txt').trim();
    const gitDir = mode(join(dir, '.git', 'objects', oid.slice(0, 2)));
    const gitFile = mode(join(dir, '.git', 'objects', oid.slice(0, 2), oid.slice(2)));
    expect(gitDir & 0o2070).toBe(0o2070);
    expect(gitFile & 0o040).toBe(0o040);

    const state = walk(join(dir, '.git', 'git-track'));
    expect(state.some((p) => p.includes(join('git-track', 'objects')))).toBe(true);
    expect(state.some((p) => p.endsWith('query-index.bin'))).toBe(true);
    for (const p of state) {
      const m = mode(p);
      if (statSync(p).isDirectory()) {
        expect(m & 0o2070, `${p} ${m.toString(8)}`).toBe(gitDir & 0o2070);
      } else {
        // Group bits follow the owner's, as git's adjust_shared_perm makes them.
        expect(m & 0o060, `${p} ${m.toString(8)}`).toBe((m & 0o600) >> 3);
        expect(m & 0o040, p).toBe(gitFile & 0o040);
      }
    }
    git(dir, 'fsck', '--strict');
  });

  it('leaves modes to the umask without the setting', () => {
    const dir = makeRepo({ commit: true });
    privateCli(dir, 'log', '-m', 'f1=0.5');
    privateCli(dir, 'list');
    for (const p of walk(join(dir, '.git', 'git-track'))) {
      if (!p.includes(join('git-track', 'objects'))) expect(mode(p) & 0o077, p).toBe(0);
    }
  });
});
