import { describe, expect, it } from 'vitest';
import { defaultEnv } from '../../src/env.js';
import { isAncestor } from '../../src/git/ancestry.js';
import { findRepo } from '../../src/git/repo.js';
import { git, makeRepo, testGitEnv } from '../helpers/repo.js';

describe('isAncestor', () => {
  it('answers both ways for a line of commits, false for unrelated histories, and fails on unknown ids', async () => {
    const dir = makeRepo({ commit: true });
    const a = git(dir, 'rev-parse', 'HEAD').trim();
    git(dir, 'commit', '-q', '--allow-empty', '-m', 'b');
    const b = git(dir, 'rev-parse', 'HEAD').trim();
    git(dir, 'checkout', '-q', '--orphan', 'other');
    git(dir, 'commit', '-q', '--allow-empty', '-m', 'unrelated');
    const u = git(dir, 'rev-parse', 'HEAD').trim();
    const repo = findRepo(dir);
    const env = defaultEnv({ vars: testGitEnv() as Record<string, string> });
    expect(await isAncestor(repo, env, a, b)).toBe(true);
    expect(await isAncestor(repo, env, b, a)).toBe(false);
    expect(await isAncestor(repo, env, b, b)).toBe(true);
    expect(await isAncestor(repo, env, u, b)).toBe(false);
    expect(await isAncestor(repo, env, b, u)).toBe(false);
    const err = await isAncestor(repo, env, 'f'.repeat(40), b).then(
      () => null,
      (e: { code?: string }) => e,
    );
    expect(err?.code).toBe('GIT_FAILED');
  });
});
