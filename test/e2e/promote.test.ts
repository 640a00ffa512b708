import { describe, expect, it } from 'vitest';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { cli, git, makeRepo, repoState, tempDir } from '../helpers/repo.js';

function logRun(dir: string, ...args: string[]): string {
  const r = cli(dir, 'log', ...args);
  expect(r.stderr).toBe('');
  return r.stdout.trim();
}

describe('promote and stage', () => {
  it('records append-only promotions, writes the stage file and prints the diff', () => {
    const dir = makeRepo({ commit: true });
    const a = logRun(dir, '--name', 'base', '-p', 'lr=0.1', '-m', 'f1=0.8');
    const b = logRun(dir, '--name', 'tuned', '-p', 'lr=0.05', '-m', 'f1=0.85');
    const before = repoState(dir);
    const first = cli(dir, 'promote', a, '--stage', 'production', '--reason', 'first baseline');
    expect(first.code).toBe(0);
    expect(first.stdout).toContain(`Promoted ${a} to production (first run of this stage)`);
    const second = cli(dir, 'promote', 'tuned', '--stage', 'production', '--reason', 'better f1');
    expect(second.code).toBe(0);
    expect(second.stdout).toContain(`(was ${a})`);
    expect(second.stdout).toMatch(/metrics\s+f1\s+0\.8\s+0\.85\s+\+0\.05/);
    expect(second.stdout).toMatch(/params\s+lr\s+0\.1\s+0\.05\s+-0\.05/);

    // Only the stage file appeared in the working tree; HEAD, index and branches are untouched.
    const after = repoState(dir);
    expect(after.replace(/\?\? \.git-track\/stages\/production\.yaml\n?/, '')).toBe(before);

    const file = readFileSync(join(dir, '.git-track/stages/production.yaml'), 'utf8');
    const runYaml = git(dir, 'show', `runs:runs/${b.slice(0, 2)}/${b}/run.yaml`);
    expect(file).toContain(`run:\n${runYaml.trimEnd().split('\n').map((l) => `  ${l}`).join('\n')}\n`);
    expect(file).toMatch(new RegExp(`previous: ${a}`));
    expect(file).toContain('reason: better f1');

    const files = git(dir, 'ls-tree', '-r', '--name-only', 'runs', 'stages/').trim().split('\n');
    expect(files).toHaveLength(2);
    expect(files.every((f) => /^stages\/production\/\d{4}-\d{2}\/\d{8}T\d{9}Z-[0-9a-f]{12}-[0-9a-f]{4}\.yaml$/.test(f))).toBe(true);
    expect(git(dir, 'log', '--first-parent', '--format=%s', '-2', 'runs')).toBe(`promote ${b} to production\npromote ${a} to production\n`);

    expect(cli(dir, 'show', 'stage:production', '--json').stdout).toContain(`"id": "${b}"`);
    const stage = cli(dir, 'stage');
    expect(stage.stdout).toMatch(new RegExp(`production\\s+${b}.*Test Author\\s+${a}\\s+better f1`));
    const history = JSON.parse(cli(dir, 'stage', 'production', '--history', '--json').stdout);
    expect(history.map((p: { run: string; reason: string }) => [p.run, p.reason])).toEqual([
      [a, 'first baseline'],
      [b, 'better f1'],
    ]);
    expect(history[0].by).toEqual({ name: 'Test Author', email: 'test@example.com' });
    git(dir, 'fsck', '--strict');
  });

  it('refuses bad input without writing', () => {
    const dir = makeRepo({ commit: true });
    const a = logRun(dir, '-m', 'f1=0.8');
    const tip = git(dir, 'rev-parse', 'runs');
    expect(cli(dir, 'promote', a, '--stage', '../x', '--reason', 'r').code).toBe(2);
    expect(cli(dir, 'promote', 'nope', '--stage', 'prod', '--reason', 'r').code).toBe(1);
    expect(cli(dir, 'promote', a, '--stage', 'prod').code).toBe(2);
    expect(cli(dir, 'show', 'stage:prod').stderr).toMatch(/no run has been promoted to stage 'prod'/);
    expect(git(dir, 'rev-parse', 'runs')).toBe(tip);
  });

  it('adds tags as new commits; show and list merge them, the manifest never changes', () => {
    const dir = makeRepo({ commit: true });
    const a = logRun(dir, '-m', 'f1=0.8', '-t', 'team=growth');
    const manifestPath = `runs:runs/${a.slice(0, 2)}/${a}/run.yaml`;
    const original = git(dir, 'show', manifestPath);
    expect(cli(dir, 'tag', a, 'reviewed=yes', 'team=core').code).toBe(0);
    expect(cli(dir, 'tag', a, 'bad').code).toBe(2);
    expect(git(dir, 'show', manifestPath)).toBe(original);
    const shown = JSON.parse(cli(dir, 'show', a, '--json').stdout);
    expect(shown.tags).toEqual({ reviewed: 'yes', team: 'core' });
    expect(JSON.parse(cli(dir, 'list', '--json').stdout)[0].tags).toEqual({ reviewed: 'yes', team: 'core' });
    expect(git(dir, 'ls-tree', '-r', '--name-only', 'runs', 'tags/').trim()).toMatch(new RegExp(`^tags/${a.slice(0, 2)}/${a}/\\d{8}T\\d{9}Z-[0-9a-f]{4}\\.yaml$`));
    expect(cli(dir, 'verify').code).toBe(0);
  });
});

describe('verify --stages in a pull request', () => {
  function promotedRepo(): { dir: string; run: string } {
    const dir = makeRepo({ commit: true });
    writeFileSync(join(dir, '.git-track.yaml'), 'store:\n  kind: directory\n  path: /mnt/artifacts\npolicy:\n  require:\n    metrics: [f1]\n  thresholds: ["metrics.f1 >= 0.8"]\n');
    git(dir, 'add', '.git-track.yaml');
    git(dir, 'commit', '-q', '-m', 'policy');
    const run = logRun(dir, '--name', 'good', '-m', 'f1=0.85', '--note', 'two\nlines');
    expect(cli(dir, 'promote', run, '--stage', 'production', '--reason', 'ship it').code).toBe(0);
    git(dir, 'add', '.git-track');
    git(dir, 'commit', '-q', '-m', 'promote to production');
    return { dir, run };
  }

  it('passes in a fresh clone that fetched runs, and catches a tampered stage file', () => {
    const { dir } = promotedRepo();
    const clone = join(tempDir(), 'clone');
    git(dir, 'clone', '-q', dir, clone);
    git(clone, 'fetch', '-q', 'origin', 'runs:runs');
    const ok = cli(clone, 'verify', '--stages');
    expect(ok.stderr).toBe('');
    expect(ok.stdout).toMatch(/^OK: 1 runs, .*1 stage file/);
    expect(ok.code).toBe(0);

    const path = join(clone, '.git-track/stages/production.yaml');
    writeFileSync(path, readFileSync(path, 'utf8').replace('f1: 0.85', 'f1: 0.95'));
    const bad = cli(clone, 'verify', '--stages');
    expect(bad.code).toBe(1);
    expect(bad.stdout).toMatch(/\[stage-file\] \.git-track\/stages\/production\.yaml: the manifest differs from run [0-9a-f]{12}.*'f1: 0\.95'.*'f1: 0\.85'/);
  });

  it('fails when the stage file names a run the branch does not have, or a promotion never recorded', () => {
    const { dir, run } = promotedRepo();
    const path = join(dir, '.git-track/stages/production.yaml');
    const text = readFileSync(path, 'utf8');
    writeFileSync(path, text.replace('reason: ship it', 'reason: approved by CTO'));
    const r = cli(dir, 'verify', '--stages');
    expect(r.code).toBe(1);
    expect(r.stdout).toContain(`no such promotion of ${run} to production`);
    writeFileSync(path, text.replaceAll(run, 'aaaaaaaaaaaa'));
    expect(cli(dir, 'verify', '--stages').stdout).toContain('run aaaaaaaaaaaa is not on the runs branch');
  });

  it('flags a committed stage file that a later promotion superseded', () => {
    const { dir, run } = promotedRepo();
    const newer = logRun(dir, '-m', 'f1=0.9');
    expect(cli(dir, 'promote', newer, '--stage', 'production', '--reason', 'newer one').code).toBe(0);
    git(dir, 'checkout', '-q', '--', '.git-track/stages/production.yaml'); // the PR still holds the old promotion
    expect(readFileSync(join(dir, '.git-track/stages/production.yaml'), 'utf8')).toContain(`run: ${run}`);
    const r = cli(dir, 'verify', '--stages');
    expect(r.code).toBe(1);
    expect(r.stdout).toContain(`is stale: production has since been promoted to ${newer}`);
    expect(r.stdout).not.toContain('differs');
  });

  it('applies the policy to promoted runs', () => {
    const { dir } = promotedRepo();
    const weak = logRun(dir, '-m', 'f1=0.7');
    expect(cli(dir, 'promote', weak, '--stage', 'production', '--reason', 'oops').code).toBe(0);
    const r = cli(dir, 'verify', '--stages');
    expect(r.code).toBe(1);
    expect(r.stdout).toContain('[policy] .git-track/stages/production.yaml: metrics.f1>=0.8: f1 = 0.7');
  });
});
