import { describe, expect, it } from 'vitest';
import { cli, makeRepo } from '../helpers/repo.js';

describe('git-track stage NAME for a stage without promotions', () => {
  it('says which stages exist (and the nearest), exit 1', () => {
    const dir = makeRepo({ commit: true });
    const id = cli(dir, 'log', '-m', 'f1=0.5').stdout.trim();
    const none = cli(dir, 'stage', 'production');
    expect(none.code).toBe(1);
    expect(none.stderr).toBe("git-track: no run has been promoted to stage 'production'; no run has been promoted to any stage yet (git-track promote RUN --stage NAME --reason TEXT)\n");
    expect(cli(dir, 'promote', id, '--stage', 'production', '--reason', 'r').code).toBe(0);
    expect(cli(dir, 'promote', id, '--stage', 'staging', '--reason', 'r').code).toBe(0);
    const typo = cli(dir, 'stage', 'prodution');
    expect(typo.code).toBe(1);
    expect(typo.stdout).toBe('');
    expect(typo.stderr).toBe("git-track: no run has been promoted to stage 'prodution'; stages with promotions: production, staging (did you mean production?)\n");
    expect(cli(dir, 'stage', 'dev', '--history').stderr).toMatch(/stages with promotions: production, staging\n$/);
    expect(cli(dir, 'stage', 'production').code).toBe(0);
    expect(cli(dir, 'stage').code).toBe(0);
    // A stage: reference that names no stage says the same.
    expect(cli(dir, 'show', 'stage:prodution').stderr).toBe("git-track: no run has been promoted to stage 'prodution'; did you mean stage:production?\n");
    expect(cli(dir, 'show', 'stage:dev').stderr).toBe("git-track: no run has been promoted to stage 'dev'; stages with promotions: production, staging\n");
  });
});
