/**
 * Experiments created through `git-track server` are records on `runs` (plain fetch following
 * MLflow's proto): shared by push and pull, agreed on by servers writing at once, moved from
 * the earlier per-repository file, and a bad record from a remote costs a warning.
 */
import { execFileSync } from 'node:child_process';
import { mkdirSync, writeFileSync, existsSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { experimentIdOf } from '../../src/mlflow/mapping.js';
import { cli, git, makeRepo, testGitEnv } from '../helpers/repo.js';
import { cloneOf, makeBare, makeOrigin } from '../helpers/remotes.js';
import { api, startGitTrackServer, type TestServer } from './server-helpers.js';

const servers: TestServer[] = [];
afterEach(async () => {
  for (const s of servers.splice(0)) await s.stop();
});

async function serve(dir: string): Promise<string> {
  const s = await startGitTrackServer(dir);
  servers.push(s);
  return s.url;
}

type Shown = { id: string; name: string; stage: string; tags: Record<string, string> };
async function experiments(url: string): Promise<Shown[]> {
  const r = await api(url, 'experiments/search', { view_type: 'ALL', max_results: 1000, order_by: ['name ASC'] });
  return r.json.experiments.map((e: { experiment_id: string; name: string; lifecycle_stage: string; tags?: { key: string; value: string }[] }) => ({
    id: e.experiment_id,
    name: e.name,
    stage: e.lifecycle_stage,
    tags: Object.fromEntries((e.tags ?? []).map((t) => [t.key, t.value])),
  }));
}

describe('MLflow experiments on runs', () => {
  it('two servers creating experiments at once on one repository: none lost, none twice, the same ids', async () => {
    const dir = makeRepo({ commit: true });
    const [a, b] = [await serve(dir), await serve(dir)];
    const names = Array.from({ length: 12 }, (_, i) => `exp-${i}`);
    // Each server creates every name (half of them first); the other gets RESOURCE_ALREADY_EXISTS or wins.
    const results = await Promise.all([
      ...names.map((name) => api(a, 'experiments/create', { name, tags: [{ key: 'by', value: 'a' }] })),
      ...[...names].reverse().map((name) => api(b, 'experiments/create', { name, tags: [{ key: 'from', value: 'b' }] })),
    ]);
    for (const r of results) {
      if (r.status === 200) expect(names.map(experimentIdOf)).toContain(r.json.experiment_id);
      else expect(r.json.error_code).toBe('RESOURCE_ALREADY_EXISTS');
    }
    // A tag every clone's reader would refuse is refused here, before anything is written.
    const tip = git(dir, 'rev-parse', 'runs');
    const long = await api(a, 'experiments/set-experiment-tag', { experiment_id: experimentIdOf('exp-0'), key: 'k', value: 'x'.repeat(9000) });
    expect(long.status).toBe(400);
    expect(long.json.error_code).toBe('INVALID_PARAMETER_VALUE');
    expect(git(dir, 'rev-parse', 'runs')).toBe(tip);
    for (const url of [a, b]) {
      const seen = (await experiments(url)).filter((e) => e.name !== 'Default');
      expect(seen.map((e) => e.name).sort()).toEqual([...names].sort());
      for (const e of seen) expect(e.id).toBe(experimentIdOf(e.name));
    }
    expect(git(dir, 'ls-tree', '--name-only', 'runs', 'mlflow/experiments/').trim().split('\n').sort()).toEqual(names.map((n) => `mlflow/experiments/${experimentIdOf(n)}`).sort());
    git(dir, 'fsck', '--strict');
  });

  it('clones that created the same experiment, then pulled each other, fold it into one with both tags', async () => {
    const bare = makeBare();
    const first = makeOrigin(bare);
    git(first, 'push', '-q', 'origin', 'main');
    const second = cloneOf(bare);
    const [u1, u2] = [await serve(first), await serve(second)];
    expect((await api(u1, 'experiments/create', { name: 'churn', tags: [{ key: 'team', value: 'growth' }] })).status).toBe(200);
    expect((await api(u2, 'experiments/create', { name: 'churn', tags: [{ key: 'owner', value: 'ada' }] })).status).toBe(200);
    await api(u2, 'experiments/create', { name: 'only-second' });
    for (const s of servers.splice(0)) await s.stop();
    for (const [dir, args] of [[first, ['push']], [second, ['pull']], [second, ['push']], [first, ['pull']]] as const) {
      const r = cli(dir, ...args);
      expect(r.code, r.stderr).toBe(0);
    }
    const want = [
      { id: '0', name: 'Default', stage: 'active', tags: {} },
      { id: experimentIdOf('churn'), name: 'churn', stage: 'active', tags: { team: 'growth', owner: 'ada' } },
      { id: experimentIdOf('only-second'), name: 'only-second', stage: 'active', tags: {} },
    ];
    for (const dir of [first, second]) expect(await experiments(await serve(dir))).toEqual(want);
    git(first, 'fsck', '--strict');
  });

  it("moves an earlier server's experiments file onto runs once, renames and deletions kept", async () => {
    const dir = makeRepo({ commit: true });
    const state = join(dir, '.git', 'git-track');
    mkdirSync(state, { recursive: true });
    const file = join(state, 'mlflow-experiments.json');
    const t = Date.parse('2026-03-01T10:00:00Z');
    writeFileSync(
      file,
      JSON.stringify({
        experiments: [
          { id: experimentIdOf('old-name'), name: 'new-name', aliases: ['old-name'], lifecycle: 'active', created: t, updated: t + 5000, tags: { owner: 'ada' } },
          { id: experimentIdOf('gone'), name: 'gone', aliases: [], lifecycle: 'deleted', created: t, updated: t + 1000, tags: {} },
          { id: '123', name: 'no-derivable-id', aliases: [], lifecycle: 'active', created: t, updated: t, tags: {} },
        ],
      }),
    );
    const s = await startGitTrackServer(dir);
    servers.push(s);
    expect(s.stderr()).toContain('mlflow-experiments.json: experiment 123 (no-derivable-id) has no name its id derives from; left out');
    expect(await experiments(s.url)).toEqual([
      { id: '0', name: 'Default', stage: 'active', tags: {} },
      { id: experimentIdOf('gone'), name: 'gone', stage: 'deleted', tags: {} },
      { id: experimentIdOf('old-name'), name: 'new-name', stage: 'active', tags: { owner: 'ada' } },
    ]);
    const created = (await api(s.url, 'experiments/get-by-name', { experiment_name: 'new-name' }, { method: 'GET' })).json.experiment;
    expect(created.creation_time).toBe(t);
    expect(existsSync(file)).toBe(false);
    expect(existsSync(`${file}.migrated`)).toBe(true);
    const tip = git(dir, 'rev-parse', 'runs');
    await s.stop();
    await serve(dir);
    expect(git(dir, 'rev-parse', 'runs')).toBe(tip);
    expect(git(dir, 'log', '--format=%s', 'runs')).toContain('mlflow: record 2 experiments of mlflow-experiments.json');
  });

  it('a bad experiment record from a remote is skipped with one warning; the others stand', async () => {
    const dir = makeRepo({ commit: true });
    let url = await serve(dir);
    await api(url, 'experiments/create', { name: 'good' });
    for (const s of servers.splice(0)) await s.stop();
    // A record claiming an id its name does not derive from, committed with plain git.
    const bad = `format: git-track/mlflow-experiment@1\nexperiment: "42"\nat: 2026-03-01T10:00:00.000Z\nby: { name: x, email: x@example.com }\ncreated: true\nname: evil\n`;
    const sh = (args: string[], input?: string) =>
      execFileSync('git', args, { cwd: dir, env: testGitEnv({ GIT_INDEX_FILE: join(dir, '.git', 'bad-index') }), encoding: 'utf8', ...(input ? { input } : {}) }).trim();
    const blob = sh(['hash-object', '-w', '--stdin'], bad);
    sh(['read-tree', 'runs']);
    sh(['update-index', '--add', '--cacheinfo', `100644,${blob},mlflow/experiments/42/20260301T100000000Z-abc123.yaml`]);
    const commit = sh(['commit-tree', sh(['write-tree']), '-p', 'runs', '-m', 'hostile']);
    git(dir, 'update-ref', 'refs/heads/runs', commit);
    const s = await startGitTrackServer(dir);
    servers.push(s);
    url = s.url;
    expect((await experiments(url)).map((e) => e.name)).toEqual(['Default', 'good']);
    expect(s.stderr()).toMatch(/skipping runs:mlflow\/experiments\/42\/20260301T100000000Z-abc123\.yaml: record: a created record needs the name its experiment id derives from/);
    const verified = cli(dir, 'verify');
    expect(verified.code).toBe(1);
    expect(verified.stdout + verified.stderr).toContain('runs:mlflow/experiments/42/20260301T100000000Z-abc123.yaml: record: a created record needs the name its experiment id derives from');
  });

  it('two clones renaming different experiments to one name agree which holds it: the one created first', async () => {
    const bare = makeBare();
    const first = makeOrigin(bare);
    git(first, 'push', '-q', 'origin', 'main');
    let url = await serve(first);
    const older = (await api(url, 'experiments/create', { name: 'older' })).json.experiment_id;
    const newer = (await api(url, 'experiments/create', { name: 'newer' })).json.experiment_id;
    for (const s of servers.splice(0)) await s.stop();
    expect(cli(first, 'push').code).toBe(0);
    const second = cloneOf(bare);
    expect(cli(second, 'pull').code).toBe(0);
    url = await serve(first);
    expect((await api(url, 'experiments/update', { experiment_id: newer, new_name: 'final' })).status).toBe(200);
    url = await serve(second);
    expect((await api(url, 'experiments/update', { experiment_id: older, new_name: 'final' })).status).toBe(200);
    for (const s of servers.splice(0)) await s.stop();
    for (const [dir, args] of [[first, ['push']], [second, ['pull']], [second, ['push']], [first, ['pull']]] as const) {
      const r = cli(dir, ...args);
      expect(r.code, r.stderr).toBe(0);
    }
    for (const dir of [first, second]) {
      const u = await serve(dir);
      expect((await api(u, 'experiments/get-by-name', { experiment_name: 'final' }, { method: 'GET' })).json.experiment.experiment_id).toBe(older);
    }
  });
});
