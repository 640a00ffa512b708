import { describe, expect, it } from 'vitest';
import { execFileSync } from 'node:child_process';
import { chmodSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { cli, cliWith, git, makeRepo, tempDir, testGitEnv } from '../helpers/repo.js';

function logRun(dir: string, ...args: string[]): string {
  const r = cli(dir, 'log', ...args);
  expect(r.stderr).toBe('');
  return r.stdout.trim();
}

/** Plumbing with a private index: the tree of `base` with `path` replaced by `content`. */
function treeWith(dir: string, base: string, path: string, content: string): string {
  const env = testGitEnv({ GIT_INDEX_FILE: join(tempDir(), 'index') });
  const run = (args: string[], input?: string) => execFileSync('git', args, { cwd: dir, env, input, encoding: 'utf8' }).trim();
  run(['read-tree', base]);
  const blob = run(['hash-object', '-w', '--stdin'], content);
  run(['update-index', '--add', '--cacheinfo', `100644,${blob},${path}`]);
  return run(['write-tree']);
}

describe('git-track verify', () => {
  it('passes on an intact branch and counts what it checked', () => {
    const dir = makeRepo({ commit: true });
    writeFileSync(join(dir, 'model.bin'), 'weights');
    logRun(dir, '-a', 'model.bin:model', '-m', 'f1=0.8');
    logRun(dir, '-m', 'f1=0.9');
    const r = cli(dir, 'verify', '--json');
    expect(r.code).toBe(0);
    const report = JSON.parse(r.stdout);
    expect(report).toMatchObject({ ok: true, runs: 2, commits: 3, pointersChecked: 1, problems: [] });
  });

  it('catches an artifact modified in the local cache', () => {
    const dir = makeRepo({ commit: true });
    writeFileSync(join(dir, 'model.bin'), 'weights');
    const id = logRun(dir, '-a', 'model.bin:model');
    const shard = join(dir, '.git/git-track/objects/sha256');
    const sub = readdirSync(shard)[0]!;
    const object = join(shard, sub, readdirSync(join(shard, sub))[0]!);
    chmodSync(object, 0o644);
    writeFileSync(object, 'tampered weights');
    const r = cli(dir, 'verify');
    expect(r.code).toBe(1);
    expect(r.stdout).toMatch(new RegExp(`\\[artifact\\] cached object ${sub}[0-9a-f]{10} is corrupt: .*used by run ${id}`));
  });

  it('catches a later commit that modifies an earlier run', () => {
    const dir = makeRepo({ commit: true });
    const a = logRun(dir, '-m', 'f1=0.5');
    logRun(dir, '-m', 'f1=0.6');
    const path = `runs/${a.slice(0, 2)}/${a}/run.yaml`;
    const tip = git(dir, 'rev-parse', 'runs').trim();
    const forged = git(dir, 'show', `runs:${path}`).replace('f1: 0.5', 'f1: 0.99');
    const tree = treeWith(dir, tip, path, forged);
    const commit = execFileSync('git', ['commit-tree', tree, '-p', tip, '-m', 'sneaky'], { cwd: dir, env: testGitEnv(), encoding: 'utf8' }).trim();
    git(dir, 'update-ref', 'refs/heads/runs', commit);
    const r = cli(dir, 'verify');
    expect(r.code).toBe(1);
    expect(r.stdout).toContain(`[history] run ${a} (run.yaml) modified by commit ${commit.slice(0, 12)}`);
    // The same answer from the fallback walk, without a system git.
    const walked = cliWith(dir, { GIT_TRACK_GIT: '/nonexistent/git' }, 'verify');
    expect(walked.code).toBe(1);
    expect(walked.stdout).toContain(`[history] run ${a} (run.yaml) modified by commit ${commit.slice(0, 12)}`);
  });

  it('catches an amended run commit forced onto the ref (history rewritten)', () => {
    const dir = makeRepo({ commit: true });
    logRun(dir, '-m', 'f1=0.5');
    const b = logRun(dir, '-m', 'f1=0.6');
    const path = `runs/${b.slice(0, 2)}/${b}/run.yaml`;
    const tip = git(dir, 'rev-parse', 'runs').trim();
    const [parent, code] = git(dir, 'log', '-1', '--format=%P', 'runs').trim().split(' ');
    const tree = treeWith(dir, tip, path, git(dir, 'show', `runs:${path}`).replace('f1: 0.6', 'f1: 0.99'));
    const amended = execFileSync('git', ['commit-tree', tree, '-p', parent!, '-p', code!, '-m', `run ${b}: f1=0.99`], { cwd: dir, env: testGitEnv(), encoding: 'utf8' }).trim();
    git(dir, 'update-ref', '-m', 'amend', 'refs/heads/runs', amended);
    const r = cli(dir, 'verify');
    expect(r.code).toBe(1);
    expect(r.stdout).toContain(`[history] history of 'runs' was rewritten: earlier tip ${tip.slice(0, 12)} is no longer in it: run ${b} (run.yaml) modified`);
  });

  it('reports an invalid manifest and a promotion of a missing run, all at once', () => {
    const dir = makeRepo({ commit: true });
    const a = logRun(dir, '-m', 'f1=0.5');
    expect(cli(dir, 'promote', a, '--stage', 'prod', '--reason', 'r').code).toBe(0);
    // A forged commit that drops the run (and so breaks the promotion) and adds a bad manifest.
    const tip = git(dir, 'rev-parse', 'runs').trim();
    const bad = treeWith(dir, tip, 'runs/bb/bbbbbbbbbbbb/run.yaml', 'format: git-track/run@1\nid: bbbbbbbbbbbb\n');
    const env = testGitEnv({ GIT_INDEX_FILE: join(tempDir(), 'index') });
    execFileSync('git', ['read-tree', bad], { cwd: dir, env });
    execFileSync('git', ['rm', '-q', '--cached', '-r', `runs/${a.slice(0, 2)}`], { cwd: dir, env });
    const tree = execFileSync('git', ['write-tree'], { cwd: dir, env, encoding: 'utf8' }).trim();
    const commit = execFileSync('git', ['commit-tree', tree, '-p', tip, '-m', 'x'], { cwd: dir, env: testGitEnv(), encoding: 'utf8' }).trim();
    git(dir, 'update-ref', 'refs/heads/runs', commit);
    const r = cli(dir, 'verify', '--json');
    expect(r.code).toBe(1);
    const kinds = JSON.parse(r.stdout).problems.map((p: { kind: string }) => p.kind).sort();
    expect(kinds).toEqual(['history', 'manifest', 'promotion']);
  });
});

describe('git-track check', () => {
  it('applies the policy file and flags, exits 1 listing each failed rule, renders markdown', () => {
    const dir = makeRepo({ commit: true });
    writeFileSync(
      join(dir, '.git-track.yaml'),
      'store:\n  kind: directory\npolicy:\n  require:\n    params: [lr]\n    artifact_roles: [model]\n  clean_code: true\n  thresholds: ["metrics.f1 >= 0.8"]\n',
    );
    git(dir, 'add', '.');
    git(dir, 'commit', '-q', '-m', 'policy');
    const prod = logRun(dir, '-p', 'lr=0.1', '-m', 'f1=0.85', '-m', 'loss=0.3');
    expect(cli(dir, 'promote', prod, '--stage', 'production', '--reason', 'r').code).toBe(0);
    const cand = logRun(dir, '-m', 'f1=0.83', '-m', 'loss=0.2');
    const r = cli(dir, 'check', cand, '--require-metric', 'auc', '--no-regression', 'production', '--tolerance', '0.01');
    expect(r.code).toBe(1);
    const failed = r.stdout.split('\n').filter((l) => l.includes('FAIL  '));
    expect(failed.map((l) => l.trim().split(':')[0])).toEqual([
      'FAIL  require param lr',
      'FAIL  require metric auc',
      'FAIL  require artifact role model',
      'FAIL  no regression of f1 vs production (tolerance 0.01)',
      // Higher is better unless the policy lists the metric under no_regression.minimize.
      'FAIL  no regression of loss vs production (tolerance 0.01)',
    ]);
    expect(r.stdout).toMatch(/ok {4}metrics\.f1>=0\.8: f1 = 0\.83/);
    expect(r.stdout).toMatch(/ok {4}clean code/);
    const md = cli(dir, 'check', cand, '--format', 'md', '--no-policy', '--threshold', 'metrics.f1>=0.9');
    expect(md.code).toBe(1);
    expect(md.stdout).toContain(`### git-track check: \`${cand}\` ❌ 1 of 1 rules failed`);
    expect(md.stdout).toContain('| ❌ | `metrics.f1>=0.9` | f1 = 0.83 |');
    expect(cli(dir, 'check', prod, '--no-policy', '--threshold', 'metrics.f1>=0.8').code).toBe(0);
    expect(cli(dir, 'check', prod, '--threshold', 'f1 big').code).toBe(2);
  });

  it('refuses a malformed policy with one line naming the field', () => {
    const dir = makeRepo({ commit: true });
    writeFileSync(join(dir, '.git-track.yaml'), 'store: {anything: goes}\npolicy:\n  thresholds: ["f1 > x"]\n');
    const id = logRun(dir, '-m', 'f1=0.8');
    const r = cli(dir, 'check', id);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/^git-track: \.git-track\.yaml: policy\.thresholds\[0\]: must look like 'metrics\.f1 >= 0\.8'\n$/);
  });
});
