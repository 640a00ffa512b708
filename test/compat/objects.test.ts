import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { cli, git, makeRepo, tempDir } from '../helpers/repo.js';

/** A bare repository serving filters, holding a branch and a runs branch of three runs. */
function servedRepo(): string {
  const work = makeRepo({ commit: true });
  for (const f1 of ['0.1', '0.2', '0.3']) expect(cli(work, 'log', '-m', `f1=${f1}`, '-p', `lr=${f1}`).code).toBe(0);
  const bare = join(tempDir('gt-served-'), 'origin.git');
  git(work, 'clone', '-q', '--bare', work, bare);
  git(bare, 'config', 'uploadpack.allowFilter', 'true');
  git(bare, 'config', 'uploadpack.allowAnySHA1InWant', 'true');
  return bare;
}

function partialClone(bare: string, filter: string): string {
  const dir = join(tempDir('gt-partial-'), 'clone');
  git(tempDir(), 'clone', '-q', `--filter=${filter}`, '--no-single-branch', `file://${bare}`, dir);
  git(dir, 'config', 'user.name', 'Test Author');
  git(dir, 'config', 'user.email', 'test@example.com');
  git(dir, 'branch', 'runs', 'origin/runs');
  return dir;
}

describe('objects git has and our reader does not', () => {
  for (const filter of ['blob:none', 'tree:0']) {
    it(`a partial clone (--filter=${filter}) reads missing objects through git, which fetches them`, () => {
      const dir = partialClone(servedRepo(), filter);
      const missing = git(dir, 'rev-list', '--objects', '--missing=print', 'runs').split('\n').filter((l) => l.startsWith('?'));
      expect(missing.length).toBeGreaterThan(0);
      const show = cli(dir, 'show', 'latest');
      expect(show.code, show.stderr).toBe(0);
      expect(show.stdout).toMatch(/f1: 0\.3/);
      expect(cli(dir, 'list').stdout).toMatch(/0\.1[\s\S]*/);
      const log = cli(dir, 'log', '-m', 'f1=0.4');
      expect(log.code, log.stderr).toBe(0);
      expect(git(dir, 'log', '--format=%s', '-1', 'runs')).toMatch(/f1=0.4/);
      git(dir, 'fsck', '--strict');
    });
  }

  it('reads packs with a version 1 index', () => {
    const dir = makeRepo({ commit: true });
    for (const f1 of ['0.1', '0.2']) expect(cli(dir, 'log', '-m', `f1=${f1}`).code).toBe(0);
    git(dir, '-c', 'pack.indexVersion=1', 'repack', '-adfq');
    const packDir = join(dir, '.git', 'objects', 'pack');
    const idx = readdirSync(packDir).find((n) => n.endsWith('.idx'))!;
    // A version 2 index starts with "\377tOc"; version 1 starts with the fanout table.
    expect(readFileSync(join(packDir, idx)).readUInt32BE(0)).not.toBe(0xff744f63);
    expect(git(dir, 'count-objects', '-v')).toMatch(/^count: 0$/m);
    const show = cli(dir, 'show', 'latest');
    expect(show.code, show.stderr).toBe(0);
    expect(show.stdout).toMatch(/f1: 0\.2/);
    expect(cli(dir, 'log', '-m', 'f1=0.3').code).toBe(0);
    expect(cli(dir, 'verify').code).toBe(0);
    git(dir, 'fsck', '--strict');
    expect(git(dir, 'rev-list', '--first-parent', '--count', 'runs').trim()).toBe('4');
  });
});
