/**
 * `import mlflow PATH` on small file stores laid out as MLflow 2.22 writes them (the layout the
 * real client produces in import-file-store.slow.test.ts), for the cases the client does not
 * easily produce: a deleted experiment in `.trash`, a run still RUNNING, NaN metrics, keys
 * git-track names cannot hold, a code commit this repository has.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { cli, git, makeRepo, tempDir } from '../helpers/repo.js';
import { idsOf, showJson } from './import-fixture.js';

interface RunSpec {
  id: string;
  status?: number;
  params?: Record<string, string>;
  tags?: Record<string, string>;
  metrics?: Record<string, string>;
  endTime?: number | null;
}

const START = Date.parse('2026-02-01T08:00:00Z');

function experiment(store: string, dir: string, id: string, name: string, deleted = false): string {
  const path = join(store, dir);
  mkdirSync(path, { recursive: true });
  writeFileSync(join(path, 'meta.yaml'), `artifact_location: file://${path}\ncreation_time: ${START}\nexperiment_id: '${id}'\nlast_update_time: ${START}\nlifecycle_stage: ${deleted ? 'deleted' : 'active'}\nname: ${name}\n`);
  return path;
}

function run(experimentDir: string, experimentId: string, spec: RunSpec): void {
  const dir = join(experimentDir, spec.id);
  for (const sub of ['params', 'metrics', 'tags', 'artifacts']) mkdirSync(join(dir, sub), { recursive: true });
  const end = spec.endTime === undefined ? START + 60_000 : spec.endTime;
  writeFileSync(
    join(dir, 'meta.yaml'),
    `artifact_uri: file://${dir}/artifacts\nend_time: ${end ?? 'null'}\nentry_point_name: ''\nexperiment_id: '${experimentId}'\nlifecycle_stage: active\nrun_id: ${spec.id}\nrun_name: ${spec.id}\nrun_uuid: ${spec.id}\nsource_name: ''\nsource_type: 4\nsource_version: ''\nstart_time: ${START}\nstatus: ${spec.status ?? 3}\ntags: []\nuser_id: ada\n`,
  );
  const write = (folder: string, values: Record<string, string> = {}) => {
    for (const [key, value] of Object.entries(values)) {
      const path = join(dir, folder, ...key.split('/'));
      mkdirSync(join(path, '..'), { recursive: true });
      writeFileSync(path, value);
    }
  };
  write('params', spec.params);
  write('tags', spec.tags);
  write('metrics', spec.metrics);
}

describe('import mlflow PATH: the cases of a file store', () => {
  it('leaves out a deleted experiment (in .trash) and a RUNNING run, and says so; --include-deleted brings the experiment', () => {
    const store = tempDir('gt-mlruns-');
    run(experiment(store, '1', '1', 'churn'), '1', { id: 'a1' });
    run(experiment(store, '1', '1', 'churn'), '1', { id: 'a2', status: 1, endTime: null });
    run(experiment(store, '.trash/2', '2', 'old', true), '2', { id: 'b1' });
    const repo = makeRepo();
    const r = cli(repo, 'import', 'mlflow', store);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout.trim()).toBe(`Imported 1 run from ${store}; 1 run deleted in MLflow left out (--include-deleted imports them); 1 run still running in MLflow left out (import again once they finish)`);
    const all = cli(repo, 'import', 'mlflow', store, '--include-deleted', '--json');
    expect(all.code, all.stderr).toBe(0);
    const ids = idsOf(all.stdout);
    expect([...ids.keys()]).toEqual(['b1']);
    expect(showJson(repo, ids.get('b1')!).experiment).toBe('old');
  });

  it('NaN values leave the series with a warning; keys with spaces are percent-encoded; a param keeps its exact text unless it is a plain number', () => {
    const store = tempDir('gt-mlruns-');
    run(experiment(store, '0', '0', 'Default'), '0', {
      id: 'c1',
      params: { 'learning rate': '0.1', ratio: '1e-3', depth: '8', 'opt/name': 'adam' },
      metrics: { loss: `${START} 0.9 0\n${START + 1} nan 1\n${START + 2} 0.5 2\n`, diverged: `${START} inf 0\n` },
      tags: { 'my tag': 'x' },
    });
    const repo = makeRepo();
    const r = cli(repo, 'import', 'mlflow', store, '--json');
    expect(r.code, r.stderr).toBe(0);
    expect(r.stderr.trim()).toBe('warning: MLflow run c1: left out non-finite values (NaN, inf) of diverged, loss');
    const m = showJson(repo, idsOf(r.stdout).get('c1')!);
    expect(m.experiment).toBeUndefined();
    expect(m.params).toEqual({ 'learning%20rate': 0.1, ratio: '1e-3', depth: 8, 'opt/name': 'adam' });
    expect(m.tags['my%20tag']).toBe('x');
    expect(m.metrics).toEqual({ loss: 0.5 });
    expect(m.series).toEqual(['loss']);
  });

  it('a code commit this repository has becomes code.commit and the run commit\'s second parent; one it lacks stays a tag', () => {
    const repo = makeRepo({ commit: true });
    const head = git(repo, 'rev-parse', 'HEAD').trim();
    const store = tempDir('gt-mlruns-');
    const exp = experiment(store, '1', '1', 'churn');
    run(exp, '1', { id: 'd1', tags: { 'mlflow.source.git.commit': head } });
    run(exp, '1', { id: 'd2', tags: { 'mlflow.source.git.commit': 'f'.repeat(40) } });
    const r = cli(repo, 'import', 'mlflow', store, '--json');
    expect(r.code, r.stderr).toBe(0);
    const ids = idsOf(r.stdout);
    const known = showJson(repo, ids.get('d1')!);
    expect(known.code).toEqual({ commit: head, branch: null, dirty: false });
    const commit = git(repo, 'log', '--format=%H %P', '--grep', `Git-Track-Run: ${ids.get('d1')}`, 'runs').trim().split(' ');
    expect(commit[2]).toBe(head);
    const unknown = showJson(repo, ids.get('d2')!);
    expect(unknown.code).toBeUndefined();
    expect(unknown.tags['mlflow.source.git.commit']).toBe('f'.repeat(40));
    expect(git(repo, 'fsck', '--strict')).toBe('');
  });

  it('a run nested under a parent imported by an earlier import links to it', () => {
    const store = tempDir('gt-mlruns-');
    const exp = experiment(store, '1', '1', 'churn');
    run(exp, '1', { id: 'p1' });
    const repo = makeRepo();
    const first = cli(repo, 'import', 'mlflow', store, '--json');
    const parent = idsOf(first.stdout).get('p1')!;
    run(exp, '1', { id: 'k1', tags: { 'mlflow.parentRunId': 'p1' } });
    const second = cli(repo, 'import', 'mlflow', store, '--json');
    expect(second.code, second.stderr).toBe(0);
    expect(showJson(repo, idsOf(second.stdout).get('k1')!).parent).toBe(parent);
  });

  it('a folder that is not the mlruns folder: one line saying what to give, exit 1, nothing written', () => {
    const store = tempDir('gt-mlruns-');
    const exp = experiment(store, '1', '1', 'churn');
    run(exp, '1', { id: 'e1' });
    const repo = makeRepo();
    const deep = cli(repo, 'import', 'mlflow', exp);
    expect(deep.code).toBe(1);
    expect(deep.stderr.trim()).toBe(`git-track: ${exp}: an MLflow experiment or run folder; give the mlruns folder that holds the experiments`);
    const project = tempDir('gt-project-');
    mkdirSync(join(project, 'src'));
    const other = cli(repo, 'import', 'mlflow', project);
    expect(other.code).toBe(1);
    expect(other.stderr.trim()).toBe(`git-track: ${project}: no MLflow experiments in it (folders with a meta.yaml); is it the mlruns folder?`);
    expect(() => git(repo, 'rev-parse', '--verify', '-q', 'runs')).toThrow();
  });

  it('a value file over its limit is refused by its size, before it is read; the other runs are imported', () => {
    const store = tempDir('gt-mlruns-');
    const exp = experiment(store, '1', '1', 'churn');
    run(exp, '1', { id: 'f1', params: { huge: 'x'.repeat(100_000) } });
    run(exp, '1', { id: 'f2' });
    const repo = makeRepo();
    const r = cli(repo, 'import', 'mlflow', store, '--json');
    expect(r.code).toBe(1);
    expect(r.stderr.trim()).toBe(`warning: ${store}/1/f1/params/huge: 100000 bytes, over the limit of 24000; run not imported`);
    expect([...idsOf(r.stdout).keys()]).toEqual(['f2']);
  });
});
