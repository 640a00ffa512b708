import { describe, expect, it } from 'vitest';
import { mkdirSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { crossesLink, ensureDirWithin, isDotGit, outsideName, pathProblem } from '../../src/artifacts/safe-path.js';
import { errorOf } from '../helpers/errors.js';
import { tempDir } from '../helpers/repo.js';

describe('isDotGit (git verify_path rules)', () => {
  it.each(['.git', '.GIT', '.Git', 'git~1', 'GIT~1', '.git.', '.git ', '.git. .', 'git~1.', '.git::$INDEX_ALLOCATION', '.g\u200cit', '\u200c.git', '.gi\ufefft', '.G\u206aIT'])('%j names .git', (name) => {
    expect(isDotGit(name)).toBe(true);
  });
  it.each(['.gitignore', '.github', 'git', 'git~2', '.git-track', 'a.git', '.gitx', 'git~10'])('%j does not', (name) => {
    expect(isDotGit(name)).toBe(false);
  });
});

describe('pathProblem', () => {
  it('finds .git in any component, and paths that leave the directory', () => {
    expect(pathProblem('models/a.pkl')).toBeNull();
    expect(pathProblem('a/.GIT/hooks/x')).toBe('git');
    expect(pathProblem('a\\.git\\config')).toBe('git');
    expect(pathProblem('../x')).toBe('outside');
    expect(pathProblem('a/../../x')).toBe('outside');
    expect(pathProblem('/etc/passwd')).toBe('outside');
    expect(pathProblem('C:/x')).toBe('outside');
    expect(pathProblem('a//b')).toBe('outside');
    expect(pathProblem('./a')).toBe('outside');
    expect(pathProblem('')).toBe('outside');
  });
  it('gives outside paths a safe relative name', () => {
    expect(outsideName('../../x')).toBe('x');
    expect(outsideName('/data/train.csv')).toBe('data/train.csv');
    expect(outsideName('../.git/config')).toBeNull();
    expect(outsideName('/..')).toBeNull();
  });
});

describe('ensureDirWithin', () => {
  it('creates missing directories and refuses to pass a symlink or a file', () => {
    const root = tempDir();
    expect(ensureDirWithin(root, 'a/b')).toBe(join(root, 'a', 'b'));
    const outside = tempDir();
    symlinkSync(outside, join(root, 'link'));
    writeFileSync(join(root, 'file'), 'x');
    expect(errorOf(() => ensureDirWithin(root, 'link/sub')).code).toBe('BAD_INPUT');
    expect(errorOf(() => ensureDirWithin(root, 'file/sub')).code).toBe('BAD_INPUT');
    expect(crossesLink(root, 'link/x')).toBe(true);
    expect(crossesLink(root, 'link')).toBe(false);
    mkdirSync(join(root, 'real'));
    expect(crossesLink(root, 'real/x')).toBe(false);
    expect(crossesLink(root, 'missing/x')).toBe(false);
  });
});
