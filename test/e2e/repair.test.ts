import { appendFileSync, readdirSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { execFileSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { cli, git, makeRepo, tempDir, testGitEnv } from '../helpers/repo.js';
import { makeBare } from '../helpers/remotes.js';

function logRun(dir: string, ...args: string[]): string {
  const r = cli(dir, 'log', ...args);
  expect(r.stderr).toBe('');
  return r.stdout.trim();
}

/** Every object loose (packs unpacked), so that single objects can be deleted. */
function explodePacks(dir: string): void {
  const packDir = join(dir, '.git', 'objects', 'pack');
  const aside = tempDir();
  for (const f of readdirSync(packDir)) renameSync(join(packDir, f), join(aside, f));
  for (const f of readdirSync(aside).filter((n) => n.endsWith('.pack'))) {
    execFileSync('git', ['unpack-objects', '-q'], { cwd: dir, env: testGitEnv(), input: execFileSync('cat', [join(aside, f)]) });
  }
}

function deleteObject(dir: string, oid: string): void {
  rmSync(join(dir, '.git', 'objects', oid.slice(0, 2), oid.slice(2)));
}

function runDir(id: string): string {
  return `runs/${id.slice(0, 2)}/${id}`;
}

describe('a runs branch that reaches missing objects', () => {
  it('the race of the issue: runs points at a commit a prune deleted; every command says so, repair restores the reflog tip', () => {
    const dir = makeRepo({ commit: true });
    git(dir, 'remote', 'add', 'origin', makeBare());
    const kept = [logRun(dir, '-m', 'f1=0.1'), logRun(dir, '-m', 'f1=0.2'), logRun(dir, '-m', 'f1=0.3')];
    expect(cli(dir, 'push').code).toBe(0);
    const intact = git(dir, 'rev-parse', 'runs').trim();
    logRun(dir, '-m', 'f1=0.4');
    const doomed = git(dir, 'rev-parse', 'runs').trim();
    // What an unguarded writer suffered: its objects pruned before its ref update landed.
    git(dir, 'update-ref', 'refs/heads/runs', intact);
    git(dir, 'reflog', 'expire', '--expire-unreachable=now', '--all');
    git(dir, 'gc', '-q', '--prune=now');
    expect(() => git(dir, 'cat-file', '-e', doomed)).toThrow();
    writeFileSync(join(dir, '.git', 'refs', 'heads', 'runs'), `${doomed}\n`);
    appendFileSync(join(dir, '.git', 'logs', 'refs', 'heads', 'runs'), `${intact} ${doomed} Test Author <test@example.com> 1767225600 +0000\tgit-track: run\n`);

    for (const args of [['list'], ['show', kept[0]!], ['log', '-m', 'f1=0.5'], ['push'], ['pull'], ['tag', kept[0]!, 'team=a']]) {
      const r = cli(dir, ...args);
      expect(r.code).toBe(1);
      expect(r.stderr).toMatch(new RegExp(`^git-track: the runs branch points at commit ${doomed.slice(0, 12)}, which is missing .*git-track repair.*\\n$`));
      expect(r.stderr.split('\n')).toHaveLength(2);
    }
    const verify = cli(dir, 'verify');
    expect(verify.code).toBe(1);
    expect(verify.stdout).toContain(`[objects] the runs branch points at commit ${doomed.slice(0, 12)}`);

    const r = cli(dir, 'repair');
    expect(r.code).toBe(0);
    expect(r.stdout).toContain(`rebuilt on its newest intact commit ${intact.slice(0, 12)}`);
    expect(git(dir, 'rev-parse', 'runs^').trim()).toBe(intact);
    git(dir, 'fsck', '--strict', '--no-dangling', '--no-progress');
    expect(cli(dir, 'verify').code).toBe(0);
    expect(cli(dir, 'list', '--json').stdout).toContain(kept[2]!);
    expect(JSON.parse(cli(dir, 'list', '--json').stdout)).toHaveLength(3);
    // Logging works again, and a second repair finds nothing to do.
    logRun(dir, '-m', 'f1=0.6');
    expect(cli(dir, 'repair').stdout).toMatch(/^runs is intact/);
  });

  it('a missing object deep in history: rebuilt on the newest whole commit, every run still readable re-added, only the damaged one lost', () => {
    const dir = makeRepo({ commit: true });
    const first = logRun(dir, '-m', 'f1=0.1');
    const firstTip = git(dir, 'rev-parse', 'runs').trim();
    const damaged = logRun(dir, '-m', 'f1=0.2', '--name', 'damaged');
    const later = [logRun(dir, '-m', 'f1=0.3'), logRun(dir, '-m', 'f1=0.4')];
    explodePacks(dir);
    deleteObject(dir, git(dir, 'rev-parse', `runs:${runDir(damaged)}/run.yaml`).trim());
    const tip = git(dir, 'rev-parse', 'runs').trim();

    const yaml = git(dir, 'rev-parse', `runs:${runDir(damaged)}/run.yaml`).trim();
    const line = `git-track: the runs branch points at commit ${tip.slice(0, 12)}, but object ${yaml.slice(0, 12)} is missing (deleted by git gc/prune?); \`git-track repair\` restores it from the reflog and the objects still present\n`;
    git(dir, 'remote', 'add', 'origin', makeBare());
    const push = cli(dir, 'push');
    expect(push.code).toBe(1);
    expect(push.stderr).toBe(line);
    // The damaged run costs the listing a warning (test/e2e/missing-manifest.test.ts), and the
    // commands that need it one line naming it.
    const list = cli(dir, 'list');
    expect(list.code).toBe(0);
    expect(list.stderr).toMatch(new RegExp(`^warning: skipping run ${damaged}: its run\\.yaml \\(object ${yaml.slice(0, 12)}\\) is missing from this repository; [^\\n]*\\n$`));
    const show = cli(dir, 'show', damaged);
    expect(show.code).toBe(1);
    expect(show.stderr).toMatch(new RegExp(`^git-track: run ${damaged}: its run\\.yaml \\(object ${yaml.slice(0, 12)}\\) is missing from this repository; [^\\n]*\\n$`));
    expect(cli(dir, 'verify').stdout).toContain(line.slice('git-track: '.length, -1));

    const r = cli(dir, 'repair');
    expect(r.code).toBe(0);
    expect(r.stdout).toContain(`rebuilt on its newest intact commit ${firstTip.slice(0, 12)}`);
    expect(r.stdout).toContain(`2 run(s) recovered from the damaged commits: ${[...later].sort().join(', ')}`);
    expect(r.stdout).toContain(`1 run(s) lost (their objects are gone): ${damaged}`);
    git(dir, 'fsck', '--strict', '--no-dangling', '--no-progress');
    const ids = (JSON.parse(cli(dir, 'list', '--json').stdout) as { id: string }[]).map((m) => m.id).sort();
    expect(ids).toEqual([first, ...later].sort());
    // The repair commit keeps the code commits of the recovered runs reachable.
    expect(git(dir, 'rev-list', '--parents', '-n', '1', 'runs').trim().split(' ').length).toBeGreaterThanOrEqual(3);
    expect(git(dir, 'log', '-1', '--format=%B', 'runs')).toContain(`The branch pointed at ${tip}`);
  });

  it('repair on an intact branch changes nothing', () => {
    const dir = makeRepo({ commit: true });
    logRun(dir, '-m', 'f1=0.1');
    const tip = git(dir, 'rev-parse', 'runs').trim();
    const r = cli(dir, 'repair');
    expect(r).toMatchObject({ code: 0, stderr: '' });
    expect(r.stdout).toMatch(/^runs is intact/);
    expect(git(dir, 'rev-parse', 'runs').trim()).toBe(tip);
  });
});
