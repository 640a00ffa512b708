/**
 * MLflow history written by the real MLflow client (the pinned mlflow-skinny), and what that
 * client reads back from it: the import tests compare git-track's runs against this view, field
 * by field, whether the history sits in a `mlruns/` file store or behind `mlflow server`.
 */
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { expect } from 'vitest';
import { cli, git } from '../helpers/repo.js';

/** One run as MlflowClient reads it back. */
export interface ClientRun {
  run_id: string;
  experiment: string;
  name: string;
  status: string;
  start_time: number;
  end_time: number | null;
  deleted: boolean;
  params: Record<string, string>;
  tags: Record<string, string>;
  history: Record<string, [number, number, number][]>;
  artifacts: Record<string, string>;
}

const SCRIPT = String.raw`
import hashlib, json, os, sys, tempfile
import mlflow
from mlflow.tracking import MlflowClient

out = sys.argv[1]
work = tempfile.mkdtemp()
def file(name, text):
    path = os.path.join(work, name)
    with open(path, 'w') as f: f.write(text)
    return path

mlflow.set_experiment('churn')
with mlflow.start_run(run_name='sweep') as parent:
    mlflow.log_param('lr', 0.01)
    mlflow.log_params({'depth': 8, 'opt/name': 'adam', 'note text': 'two words', 'ratio': '1e-3'})
    for step in range(5):
        mlflow.log_metric('loss', 1.0 / (step + 1), step=step)
    mlflow.log_metrics({'acc': 0.5, 'train/acc': 0.75}, step=4)
    mlflow.set_tags({'team': 'growth', 'mlflow.note.content': 'first sweep\nsecond line'})
    mlflow.log_artifact(file('model.txt', 'model bytes'))
    mlflow.log_artifact(file('weights.bin', 'w' * 3000), artifact_path='models/best')
    mlflow.log_dict({'depth': 8}, 'config.json')
    for fold in range(2):
        with mlflow.start_run(run_name='fold-%d' % fold, nested=True) as child:
            mlflow.log_param('fold', fold)
            for step in range(3):
                mlflow.log_metric('val_loss', 0.5 - 0.1 * step - fold / 10, step=step * 10)
            if fold == 0:
                with mlflow.start_run(run_name='inner', nested=True):
                    mlflow.log_metric('deep', 1.5)
try:
    with mlflow.start_run(run_name='crash'):
        mlflow.log_param('lr', 0.5)
        raise RuntimeError('diverged')
except RuntimeError:
    pass
with mlflow.start_run(run_name='discarded') as gone:
    mlflow.log_metric('loss', 9.0)
mlflow.delete_run(gone.info.run_id)
with mlflow.start_run(run_name='plain', experiment_id='0'):
    mlflow.log_metric('m', 1)

client = MlflowClient()
runs = []
experiments = {e.experiment_id: e.name for e in client.search_experiments(view_type=3)}
for run in client.search_runs(list(experiments), run_view_type=3):
    info = run.info
    artifacts = {}
    def walk(path):
        for f in client.list_artifacts(info.run_id, path):
            if f.is_dir: walk(f.path)
            else:
                local = client.download_artifacts(info.run_id, f.path, work)
                artifacts[f.path] = hashlib.sha256(open(local, 'rb').read()).hexdigest()
    walk(None)
    runs.append({
        'run_id': info.run_id, 'experiment': experiments[info.experiment_id], 'name': info.run_name,
        'status': info.status, 'start_time': info.start_time, 'end_time': info.end_time,
        'deleted': info.lifecycle_stage == 'deleted',
        'params': run.data.params, 'tags': run.data.tags,
        'history': {k: [[m.timestamp, m.value, m.step] for m in client.get_metric_history(info.run_id, k)] for k in run.data.metrics},
        'artifacts': artifacts,
    })
json.dump(runs, open(out, 'w'))
`;

/**
 * Log the fixture's runs with the real client into `trackingUri` and return the client's view.
 *
 * @example
 * const runs = writeMlflowHistory(python, dir, `file:${dir}/mlruns`);
 */
export function writeMlflowHistory(python: string, dir: string, trackingUri: string, env: Record<string, string> = {}): ClientRun[] {
  writeFileSync(join(dir, 'log_runs.py'), SCRIPT);
  const r = spawnSync(python, [join(dir, 'log_runs.py'), join(dir, 'client-view.json')], {
    cwd: dir,
    encoding: 'utf8',
    env: { ...process.env, MLFLOW_TRACKING_URI: trackingUri, GIT_PYTHON_REFRESH: 'quiet', ...env },
    timeout: 300_000,
  });
  if (r.status !== 0) throw new Error(`the MLflow client failed: ${r.stderr}`);
  const runs = JSON.parse(readFileSync(join(dir, 'client-view.json'), 'utf8')) as ClientRun[];
  expect(runs.map((x) => x.name).sort()).toEqual(['crash', 'discarded', 'fold-0', 'fold-1', 'inner', 'plain', 'sweep']);
  return runs;
}

/** `git-track show --json` of a run. */
export function showJson(repo: string, id: string): Record<string, any> {
  const r = cli(repo, 'show', id, '--json');
  expect(r.code, r.stderr).toBe(0);
  return JSON.parse(r.stdout);
}

/**
 * Every imported run against the client's view, field by field: name, experiment, status,
 * times, params, tags, note, parent, last metric values, the full history (read with plain
 * git from the series files: step, value, timestamp), and artifact bytes by sha256.
 */
export function expectImported(repo: string, runs: ClientRun[], ids: Map<string, string>): void {
  for (const run of runs) {
    const id = ids.get(run.run_id);
    expect(id, `${run.name} imported`).toBeDefined();
    const m = showJson(repo, id!);
    expect(m.name).toBe(run.name);
    expect(m.experiment ?? 'Default').toBe(run.experiment);
    expect(m.status).toBe({ FINISHED: 'finished', FAILED: 'failed', KILLED: 'killed' }[run.status]);
    expect(Date.parse(m.created)).toBe(run.start_time);
    expect(Math.round(m.duration_s * 1000)).toBe(run.end_time! - run.start_time);
    expect(m.tags['mlflow.runId']).toBe(run.run_id);
    expect(m.author.name).toBe(run.tags['mlflow.user']);
    const parent = run.tags['mlflow.parentRunId'];
    expect(m.parent).toBe(parent ? ids.get(parent) : undefined);
    expect(m.note).toBe(run.tags['mlflow.note.content']);
    for (const [key, value] of Object.entries(run.tags)) {
      if (['mlflow.runName', 'mlflow.note.content', 'mlflow.parentRunId', 'mlflow.user'].includes(key)) continue;
      expect(m.tags[key], `tag ${key}`).toBe(value);
    }
    const params = Object.fromEntries(Object.entries(m.params).map(([k, v]) => [decodeURIComponent(k), String(v)]));
    expect(params).toEqual(run.params);
    expect(Object.keys(m.metrics).sort()).toEqual(Object.keys(run.history).sort());
    for (const [key, points] of Object.entries(run.history)) {
      const last = [...points].sort((a, b) => a[2] - b[2] || a[0] - b[0]).at(-1)!;
      expect(m.metrics[key], `metric ${key}`).toBe(last[1]);
      const tsv = git(repo, 'show', `runs:runs/${id!.slice(0, 2)}/${id}/series/${key}.tsv`).trim().split('\n');
      expect(tsv[0]).toBe('step\tvalue\ttimestamp');
      expect(tsv.slice(1).map((line) => line.split('\t'))).toEqual(points.map(([ts, value, step]) => [String(step), String(value), new Date(ts).toISOString()]));
    }
    const artifacts = Object.fromEntries((m.artifacts as { path: string; sha256: string }[]).map((a) => [a.path, a.sha256]));
    expect(artifacts).toEqual(run.artifacts);
  }
}

/** MLflow run id → git-track id, from `import --json`. */
export function idsOf(json: string): Map<string, string> {
  const result = JSON.parse(json) as { imported: { mlflowRunId: string; id: string }[] };
  return new Map(result.imported.map((r) => [r.mlflowRunId, r.id]));
}

/** sha256 of a file's bytes. */
export function sha256Of(path: string): string {
  return createHash('sha256').update(readFileSync(path)).digest('hex');
}
