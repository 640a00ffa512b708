import { describe, expect, it } from 'vitest';
import { cli, git } from '../helpers/repo.js';
import { cloneOf, logRun, makeBare, makeOrigin, ok } from '../helpers/remotes.js';

describe('git-track push: what it says and the tracking ref it leaves', () => {
  it('a push of only a promotion or tags says so; refs/remotes/origin/runs follows each push', () => {
    const bare = makeBare();
    const a = makeOrigin(bare);
    const tracking = () => git(a, 'rev-parse', '--verify', '-q', 'refs/remotes/origin/runs').trim();
    const id = logRun(a, '-m', 'f1=0.1');
    expect(ok(a, {}, 'push')).toContain('pushed 1 run(s) to origin');
    expect(tracking()).toBe(git(bare, 'rev-parse', 'runs').trim());

    expect(cli(a, 'promote', id, '--stage', 'production', '--reason', 'first').code).toBe(0);
    const promotion = ok(a, {}, 'push');
    expect(promotion).toContain('pushed 1 promotion(s) to origin');
    expect(promotion).not.toContain('0 run');
    expect(tracking()).toBe(git(a, 'rev-parse', 'runs').trim());
    expect(git(bare, 'rev-parse', 'runs').trim()).toBe(tracking());

    expect(cli(a, 'tag', id, 'owner=ada').code).toBe(0);
    expect(cli(a, 'tag', id, 'team=growth').code).toBe(0);
    logRun(a, '-m', 'f1=0.2');
    expect(ok(a, {}, 'push')).toContain('pushed 1 run(s) and 2 tag record(s) to origin');
    expect(tracking()).toBe(git(a, 'rev-parse', 'runs').trim());
    // `git status`-like views agree: nothing ahead of the remote.
    expect(git(a, 'rev-list', '--count', 'refs/remotes/origin/runs..runs').trim()).toBe('0');

    // A clone that only promotes says so too, on its first push (no earlier sync).
    const b = cloneOf(bare);
    ok(b, {}, 'pull');
    expect(cli(b, 'promote', id, '--stage', 'staging', '--reason', 'try').code).toBe(0);
    expect(ok(b, {}, 'push')).toContain('pushed 1 promotion(s) to origin');
  });
});
