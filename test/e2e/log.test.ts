import { describe, expect, it } from 'vitest';
import { writeFileSync, mkdirSync, readFileSync, existsSync } from 'node:fs';
import { join } from 'node:path';
import { createHash } from 'node:crypto';
import { cli, cliWith, git, makeRepo, repoState, tempDir } from '../helpers/repo.js';

describe('git-track init', () => {
  it('creates an orphan runs branch with a format marker and README, idempotently', () => {
    const dir = makeRepo({ commit: true });
    const before = repoState(dir);
    const first = cli(dir, 'init');
    expect(first.code).toBe(0);
    expect(first.stdout).toMatch(/Created branch 'runs'/);
    const tip = git(dir, 'rev-parse', 'runs').trim();
    expect(git(dir, 'rev-list', '--count', 'runs').trim()).toBe('1');
    expect(git(dir, 'show', 'runs:git-track.yaml')).toBe('format: git-track/runs@1\n');
    expect(git(dir, 'show', 'runs:README.md')).toMatch(/git-track/);
    expect(git(dir, 'log', '--format=%P', 'runs').trim()).toBe('');
    const second = cli(dir, 'init');
    expect(second.code).toBe(0);
    expect(second.stdout).toMatch(/already exists/);
    expect(git(dir, 'rev-parse', 'runs').trim()).toBe(tip);
    expect(repoState(dir)).toBe(before);
    git(dir, 'fsck', '--strict');
  });
});

describe('git-track log', () => {
  it('records a run as one commit whose second parent is HEAD, readable by plain git', () => {
    const dir = makeRepo({ commit: true });
    const before = repoState(dir);
    const head = git(dir, 'rev-parse', 'HEAD').trim();
    const r = cli(dir, 'log', '--name', 'baseline', '-p', 'lr=0.01', '-p', 'layers=[64, 32]', '-p', 'opt=adam', '-m', 'f1=0.842', '-t', 'team=growth');
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    const id = r.stdout.trim();
    expect(id).toMatch(/^[0-9a-f]{12}$/);
    const yaml = git(dir, 'show', `runs:runs/${id.slice(0, 2)}/${id}/run.yaml`);
    expect(yaml).toMatch(/^format: git-track\/run@1$/m);
    expect(yaml).toMatch(/^  lr: 0\.01$/m);
    expect(yaml).toMatch(/^  f1: 0\.842$/m);
    expect(yaml).toMatch(/^  team: growth$/m);
    expect(yaml).toContain(`commit: ${head}`);
    const parents = git(dir, 'log', '-1', '--format=%P', 'runs').trim().split(' ');
    expect(parents[1]).toBe(head);
    expect(git(dir, 'log', '--first-parent', '--oneline', 'runs')).toContain(`run ${id} baseline: f1=0.842`);
    expect(repoState(dir)).toBe(before);
    git(dir, 'fsck', '--strict');
  });

  it('keeps uncommitted tracked changes as a snapshot commit and a patch, without touching the index', () => {
    const dir = makeRepo({ commit: true });
    writeFileSync(join(dir, 'train.py'), 'print("tuned")\n');
    writeFileSync(join(dir, 'staged.txt'), 'staged\n');
    git(dir, 'add', 'staged.txt');
    const before = repoState(dir);
    const r = cli(dir, 'log', '-m', 'f1=0.9');
    expect(r.code).toBe(0);
    const id = r.stdout.trim();
    const yaml = git(dir, 'show', `runs:runs/${id.slice(0, 2)}/${id}/run.yaml`);
    expect(yaml).toMatch(/dirty: true/);
    const snapshot = /snapshot: ([0-9a-f]{40})/.exec(yaml)![1]!;
    expect(git(dir, 'log', '-1', '--format=%P', 'runs').trim().split(' ')[1]).toBe(snapshot);
    expect(git(dir, 'rev-parse', `${snapshot}^`).trim()).toBe(git(dir, 'rev-parse', 'HEAD').trim());
    expect(git(dir, 'show', `${snapshot}:train.py`)).toBe('print("tuned")\n');
    expect(git(dir, 'show', `${snapshot}:staged.txt`)).toBe('staged\n');
    const patch = git(dir, 'show', `runs:runs/${id.slice(0, 2)}/${id}/code.patch`);
    expect(patch).toContain('+print("tuned")');
    expect(repoState(dir)).toBe(before);
    git(dir, 'fsck', '--strict');
  });

  it('works in a repository with no commits yet', () => {
    const dir = makeRepo();
    const r = cli(dir, 'log', '-m', 'f1=0.5');
    expect(r.code).toBe(0);
    const id = r.stdout.trim();
    const yaml = git(dir, 'show', `runs:runs/${id.slice(0, 2)}/${id}/run.yaml`);
    expect(yaml).toMatch(/commit: null/);
    expect(git(dir, 'log', '-1', '--format=%P', 'runs').trim().split(' ')).toHaveLength(1);
    git(dir, 'fsck', '--strict');
  });

  it('works from a linked worktree, writing to the shared runs branch', () => {
    const dir = makeRepo({ commit: true });
    const wt = join(tempDir(), 'wt');
    git(dir, 'worktree', 'add', '-q', '-b', 'feature', wt);
    const r = cli(wt, 'log', '--name', 'from-worktree', '-m', 'f1=0.7');
    expect(r.code).toBe(0);
    const id = r.stdout.trim();
    expect(git(dir, 'show', `runs:runs/${id.slice(0, 2)}/${id}/run.yaml`)).toMatch(/branch: feature/);
    expect(cli(dir, 'show', 'from-worktree').stdout).toContain(id);
  });

  it('falls back to a clear author when git has no identity, saying so once', () => {
    const dir = makeRepo({ commit: true });
    git(dir, 'config', '--unset', 'user.name');
    git(dir, 'config', '--unset', 'user.email');
    const env = { HOME: tempDir(), GIT_AUTHOR_NAME: '', GIT_AUTHOR_EMAIL: '', GIT_COMMITTER_NAME: '', GIT_COMMITTER_EMAIL: '' };
    const first = cliWith(dir, env, 'log', '-m', 'f1=0.1');
    expect(first.code).toBe(0);
    expect(first.stderr).toMatch(/no user identity configured/);
    const second = cliWith(dir, env, 'log', '-m', 'f1=0.2');
    expect(second.code).toBe(0);
    expect(second.stderr).toBe('');
    git(dir, 'fsck', '--strict');
  });

  it('hashes data and artifacts, and caches artifact bytes under .git/git-track', () => {
    const dir = makeRepo({ commit: true });
    mkdirSync(join(dir, 'data', 'images'), { recursive: true });
    writeFileSync(join(dir, 'data', 'images', 'a.png'), 'aaa');
    writeFileSync(join(dir, 'data', 'images', 'b.png'), 'bbb');
    mkdirSync(join(dir, 'models'));
    writeFileSync(join(dir, 'models', 'm.pkl'), 'model-bytes');
    const r = cli(dir, 'log', '-d', 'data.csv@v1', '-d', 'data/images', '-a', 'models/m.pkl:model', '--json');
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    const m = JSON.parse(r.stdout);
    expect(m.data[0]).toMatchObject({ path: 'data.csv', label: 'v1', kind: 'file', size: 4 });
    expect(m.data[1]).toMatchObject({ path: 'data/images', kind: 'dir', files: 2, size: 6 });
    expect(m.artifacts[0]).toMatchObject({ path: 'models/m.pkl', role: 'model', size: 11 });
    const digest = m.artifacts[0].sha256 as string;
    const cached = join(dir, '.git', 'git-track', 'objects', 'sha256', digest.slice(0, 2), digest.slice(2));
    expect(digest).toBe(createHash('sha256').update('model-bytes').digest('hex'));
    expect(readFileSync(cached, 'utf8')).toBe('model-bytes');
  });

  it('--dry-run prints the manifest and writes nothing', () => {
    const dir = makeRepo({ commit: true });
    const r = cli(dir, 'log', '--dry-run', '-p', 'lr=0.1', '-m', 'f1=0.3');
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/^format: git-track\/run@1/);
    expect(r.stdout).toMatch(/lr: 0\.1/);
    expect(git(dir, 'for-each-ref', 'refs/heads/runs')).toBe('');
  });

  it('reads params and metrics files with nested keys as dotted names', () => {
    const dir = makeRepo({ commit: true });
    writeFileSync(join(dir, 'params.yaml'), 'model:\n  depth: 8\n  kind: gbm\nseed: 42\n');
    writeFileSync(join(dir, 'metrics.json'), '{"val": {"f1": 0.8, "auc": 0.91}}');
    const r = cli(dir, 'log', '--params', 'params.yaml', '--metrics', 'metrics.json', '-p', 'seed=7', '--json');
    expect(r.code).toBe(0);
    const m = JSON.parse(r.stdout);
    expect(m.params).toEqual({ 'model.depth': 8, 'model.kind': 'gbm', seed: 7 });
    expect(m.metrics).toEqual({ 'val.auc': 0.91, 'val.f1': 0.8 });
  });

  it('imports a JSON run record, keeping its commit, time and data version', () => {
    const dir = makeRepo({ commit: true });
    const head = git(dir, 'rev-parse', 'HEAD').trim();
    writeFileSync(join(dir, 'model.bin'), 'weights');
    writeFileSync(
      join(dir, 'record.json'),
      JSON.stringify({
        git_commit: head,
        data_version: '2026-05-30',
        created_at: '2026-05-30T10:15:02Z',
        params: { max_depth: 8 },
        metrics: { f1: 0.84 },
        artifacts: ['model.bin', 'gone.bin'],
        owner: 'ada',
      }),
    );
    const r = cli(dir, 'log', '--from', 'record.json', '--json');
    expect(r.code).toBe(0);
    expect(r.stderr).toMatch(/gone\.bin no longer exists/);
    expect(r.stderr).toMatch(/owner/);
    const m = JSON.parse(r.stdout);
    expect(m.created).toBe('2026-05-30T10:15:02Z');
    expect(m.code.commit).toBe(head);
    expect(m.tags['record.owner']).toBe('ada');
    expect(m.artifacts[1]).toMatchObject({ path: 'gone.bin', sha256: null });
    expect(JSON.stringify(m.data)).toContain('2026-05-30');
    expect(git(dir, 'log', '-1', '--format=%ad', '--date=iso-strict', 'runs').trim()).toBe('2026-05-30T10:15:02+00:00');
  });
});

describe('bad input writes nothing', () => {
  const cases: [string, string[], number, RegExp][] = [
    ['a -p without =', ['-p', 'lr'], 2, /--param expects KEY=VALUE/],
    ['a metric that is not a number', ['-m', 'f1=abc'], 1, /metric 'f1' must be a finite number/],
    ['a NaN metric', ['-m', 'loss=NaN'], 1, /metric 'loss' must be a finite number/],
    ['a missing artifact', ['-a', 'nope.pkl'], 1, /nope\.pkl/],
    ['a missing data path', ['-d', 'missing-dir'], 1, /missing-dir/],
    ['malformed YAML params', ['--params', 'bad.yaml'], 1, /bad\.yaml/],
    ['malformed JSON metrics', ['--metrics', 'bad.json'], 1, /bad\.json/],
    ['a missing params file', ['--params', 'none.yaml'], 1, /none\.yaml/],
    ['an unknown status', ['--status', 'great'], 2, /great/],
  ];
  for (const [what, args, code, message] of cases) {
    it(`refuses ${what}`, () => {
      const dir = makeRepo({ commit: true });
      writeFileSync(join(dir, 'bad.yaml'), 'a: [1, 2\nb: }\n');
      writeFileSync(join(dir, 'bad.json'), '{"f1": 0.8,}');
      cli(dir, 'init');
      const tip = git(dir, 'rev-parse', 'runs').trim();
      const r = cli(dir, 'log', ...args);
      expect(r.code).toBe(code);
      expect(r.stderr).toMatch(message);
      expect(r.stderr.trim().split('\n').length).toBeLessThanOrEqual(2);
      expect(r.stderr).not.toMatch(/\n\s+at /);
      expect(git(dir, 'rev-parse', 'runs').trim()).toBe(tip);
    });
  }

  it('refuses outside a git repository', () => {
    const dir = tempDir();
    const r = cli(dir, 'log', '-m', 'f1=1');
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/not a git repository/);
    expect(existsSync(join(dir, '.git'))).toBe(false);
  });
});
