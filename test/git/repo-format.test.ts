import { describe, expect, it } from 'vitest';
import { parseGitConfig } from '../../src/git/config.js';
import { checkRepoFormat } from '../../src/git/repo-format.js';
import { SHA1, SHA256 } from '../../src/git/object-format.js';
import { errorOf } from '../helpers/errors.js';

const check = (text: string) => checkRepoFormat(parseGitConfig(text), '/r/.git');

describe('checkRepoFormat', () => {
  it('accepts the versions and extensions git-track handles', () => {
    expect(check('[core]\n\trepositoryformatversion = 0\n')).toEqual({ partialClone: false, worktreeConfig: false, objectFormat: SHA1 });
    expect(
      check(
        '[core]\nrepositoryformatversion = 1\n[extensions]\nnoop = x\nnoop-v1 = x\npreciousObjects = true\npartialClone = origin\nworktreeConfig = true\nobjectFormat = sha1\nrefStorage = files\n',
      ),
    ).toEqual({ partialClone: true, worktreeConfig: true, objectFormat: SHA1 });
    expect(check('[core]\nrepositoryformatversion = 1\n[extensions]\nobjectFormat = SHA256\n').objectFormat).toBe(SHA256);
  });

  it('refuses, naming it, what it does not handle', () => {
    const cases: [string, RegExp][] = [
      ['[core]\nrepositoryformatversion = 2\n', /format version 2/],
      ['[core]\nrepositoryformatversion = x\n', /format version x/],
      ['[core]\nrepositoryformatversion = 1\n[extensions]\nobjectFormat = sha512\n', /objectFormat is 'sha512'/],
      ['[core]\nrepositoryformatversion = 1\n[extensions]\nrefStorage = reftable\n', /refStorage is 'reftable'/],
      ['[core]\nrepositoryformatversion = 1\n[extensions]\ncompatObjectFormat = sha256\n', /compatobjectformat/],
      ['[core]\nrepositoryformatversion = 1\n[extensions]\nfrobnicate\n', /frobnicate/],
      ['[extensions]\nobjectFormat = sha1\n', /version is 0 but extensions\.objectformat/],
    ];
    for (const [text, message] of cases) {
      const err = errorOf(() => check(text));
      expect(err.code).toBe('UNSUPPORTED_REPO');
      expect(err.message).toMatch(message);
    }
  });

  it('ignores an unknown extension in a version 0 repository, as git does', () => {
    expect(check('[extensions]\nfrobnicate = yes\n')).toEqual({ partialClone: false, worktreeConfig: false, objectFormat: SHA1 });
  });
});
