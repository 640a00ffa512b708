import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { cli, git, makeRepo } from '../helpers/repo.js';
import { EVERY_COMMAND, fingerprint } from './compat.js';

/** A repository with a run, then the given config applied (the run predates the setting). */
function repoWith(config: [string, string][]): string {
  const dir = makeRepo({ commit: true });
  expect(cli(dir, 'log', '-m', 'f1=0.1').code).toBe(0);
  for (const [key, value] of config) git(dir, 'config', key, value);
  return dir;
}

function expectRefusedEverywhere(dir: string, naming: RegExp): void {
  const before = fingerprint(join(dir, '.git'));
  for (const args of EVERY_COMMAND) {
    const r = cli(dir, ...args);
    expect(r.code, `${args.join(' ')}: ${r.stderr}`).toBe(1);
    expect(r.stderr.trim().split('\n')).toHaveLength(1);
    expect(r.stderr).toMatch(/^git-track: /);
    expect(r.stderr).toMatch(naming);
  }
  expect(fingerprint(join(dir, '.git'))).toBe(before);
}

describe('repository format and extensions', () => {
  it('refuses an extension git does not know, as git does, naming it', () => {
    const dir = repoWith([
      ['core.repositoryformatversion', '1'],
      ['extensions.frobnicate', 'true'],
    ]);
    expect(spawnSync('git', ['-C', dir, 'log', 'runs'], { encoding: 'utf8' }).status).not.toBe(0);
    expectRefusedEverywhere(dir, /frobnicate/);
  });

  it('refuses an object format it does not know, before writing anything', () => {
    expectRefusedEverywhere(repoWith([['core.repositoryformatversion', '1'], ['extensions.objectFormat', 'sha512']]), /sha512/);
  });

  it('refuses reftable ref storage and future format versions', () => {
    expectRefusedEverywhere(repoWith([['core.repositoryformatversion', '1'], ['extensions.refStorage', 'reftable']]), /refStorage is 'reftable'/);
    expectRefusedEverywhere(repoWith([['core.repositoryformatversion', '2']]), /format version 2/);
  });

  it('refuses a version 1 only extension in a version 0 repository, as git does', () => {
    expectRefusedEverywhere(repoWith([['extensions.objectFormat', 'sha1']]), /version is 0 but extensions\.objectformat/);
  });

  it('works in a repository with the extensions it handles, and git agrees with what it wrote', () => {
    const dir = repoWith([
      ['core.repositoryformatversion', '1'],
      ['extensions.noop', 'true'],
      ['extensions.preciousObjects', 'true'],
      ['extensions.worktreeConfig', 'true'],
      ['extensions.objectFormat', 'sha1'],
    ]);
    expect(cli(dir, 'log', '-m', 'f1=0.2').code).toBe(0);
    expect(cli(dir, 'list').stdout).toContain('0.2');
    git(dir, 'fsck', '--strict');
    expect(git(dir, 'rev-list', '--first-parent', '--count', 'runs').trim()).toBe('3');
  });

  it('ignores an unknown extension in a version 0 repository, as git does', () => {
    const dir = repoWith([['extensions.frobnicate', 'true']]);
    expect(cli(dir, 'log', '-m', 'f1=0.2').code).toBe(0);
    git(dir, 'fsck', '--strict');
  });
});
