/**
 * `git-track server` against the real MLflow Python client (mlflow-skinny 2.22.0, pinned in
 * test/requirements/): the fluent API, a failed run, nested runs, artifacts, search, metric
 * history and delete; scikit-learn's autologger; 16 processes logging at once. Each run is
 * then checked with `git-track show` and plain git.
 */
import { spawn } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { cli, git, makeRepo } from '../helpers/repo.js';
import { mlflowSkipReason } from '../helpers/mlflow-venv.js';
import { mlflowClientTests, startGitTrackServer } from './server-helpers.js';

const t = mlflowClientTests();

const show = (dir: string, id: string) => JSON.parse(cli(dir, 'show', id, '--json').stdout);

describe.skipIf(mlflowSkipReason())('git-track server with the real MLflow client', () => {
  it('searches by the datasets log_input recorded and orders by end time, through the client', async () => {
    const dir = makeRepo({ commit: true });
    t.server = await startGitTrackServer(dir);
    const out = t.runPython(
      dir,
      t.server.url,
      `
import json, time, mlflow
from mlflow import MlflowClient
from mlflow.data.meta_dataset import MetaDataset
from mlflow.data.http_dataset_source import HTTPDatasetSource
mlflow.set_experiment("ds")
for i, (name, ctx) in enumerate([("iris", "training"), ("wine", "eval"), ("iris", "eval")]):
    with mlflow.start_run(run_name=f"r{i}"):
        mlflow.log_input(MetaDataset(HTTPDatasetSource(f"http://example.com/{name}.csv"), name=name, digest=f"d{i}"), context=ctx)
    time.sleep(0.05)
c = MlflowClient()
e = c.get_experiment_by_name("ds").experiment_id
q = lambda f, **kw: [r.info.run_name for r in c.search_runs([e], f, **kw)]
print(json.dumps({
  "iris": q("datasets.name = 'iris'"),
  "eval": q("datasets.context = 'eval'"),
  "not_iris": q("datasets.name NOT IN ('iris')"),
  "digest": q("datasets.digest IN ('d0', 'd1')"),
  "end_asc": q("", order_by=["attributes.end_time ASC"]),
  "end_desc": q("", order_by=["attributes.end_time DESC"], max_results=2),
  "fluent": [r.info.run_name for r in mlflow.search_runs([e], "datasets.context = 'training'", output_format="list")],
  "inputs": [[d.dataset.name, d.dataset.digest, d.dataset.source_type, json.loads(d.dataset.source)["url"], [t.value for t in d.tags]]
             for d in c.get_run(c.search_runs([e], "attributes.run_name = 'r0'")[0].info.run_id).inputs.dataset_inputs],
}))
`,
    );
    expect(out).toEqual({
      iris: ['r2', 'r0'],
      eval: ['r2', 'r1'],
      not_iris: ['r1'],
      digest: ['r1', 'r0'],
      end_asc: ['r0', 'r1', 'r2'],
      end_desc: ['r2', 'r1'],
      fluent: ['r0'],
      inputs: [['iris', 'd0', 'http', 'http://example.com/iris.csv', ['training']]],
    });
    git(dir, 'fsck', '--strict');
  }, 300_000);

  it('records what the fluent API logs: params, stepped metrics, tags, artifacts, nested and failed runs', async () => {
    const dir = makeRepo({ commit: true });
    t.server = await startGitTrackServer(dir);
    const out = t.runPython(
      dir,
      t.server.url,
      `
import json, os, tempfile, mlflow
from mlflow import MlflowClient
mlflow.set_experiment("churn")
with mlflow.start_run(run_name="parent") as parent:
    mlflow.log_param("lr", 0.01)
    mlflow.log_params({"depth": 8, "model": "xgb", "layers": "[64, 32]"})
    for i in range(5):
        mlflow.log_metric("loss", 1.0 / (i + 1), step=i)
    mlflow.log_metrics({"f1": 0.8, "val/acc": 0.9})
    mlflow.set_tag("team", "growth")
    mlflow.set_tags({"data set": "v2"})
    d = tempfile.mkdtemp()
    p = os.path.join(d, "model.txt")
    open(p, "w").write("weights")
    mlflow.log_artifact(p)
    mlflow.log_artifact(p, artifact_path="models/best")
    mlflow.log_dict({"epochs": 5}, "conf/config.json")
    with mlflow.start_run(run_name="child", nested=True) as child:
        mlflow.log_metric("f1", 0.5)
        mlflow.log_param("lr", 0.02)
failed_id = None
try:
    with mlflow.start_run(run_name="bad") as bad:
        failed_id = bad.info.run_id
        mlflow.log_param("x", 1)
        raise ValueError("boom")
except ValueError:
    pass
try:
    with mlflow.start_run(run_name="changes-param"):
        mlflow.log_param("lr", 1)
        mlflow.log_param("lr", 2)
    changed = "accepted"
except Exception as e:
    changed = type(e).__name__ + ": " + str(e)
c = MlflowClient()
exp = c.get_experiment_by_name("churn")
found = c.search_runs([exp.experiment_id], "metrics.f1 > 0.1 and params.lr = '0.01'", order_by=["metrics.f1 DESC"])
ordered = c.search_runs([exp.experiment_id], "metrics.f1 > 0", order_by=["metrics.f1 ASC"])
history = c.get_metric_history(parent.info.run_id, "loss")
top = sorted(f.path for f in c.list_artifacts(parent.info.run_id))
deep = sorted(f.path for f in c.list_artifacts(parent.info.run_id, "models/best"))
config = json.load(open(mlflow.artifacts.download_artifacts(run_id=parent.info.run_id, artifact_path="conf/config.json")))
c.delete_run(child.info.run_id)
after_delete = [r.info.run_name for r in c.search_runs([exp.experiment_id])]
print(json.dumps({
  "experiment": exp.experiment_id,
  "parent": parent.info.run_id, "child": child.info.run_id, "failed": failed_id,
  "found": [r.info.run_name for r in found],
  "ordered": [r.info.run_name for r in ordered],
  "history": [[m.step, m.value] for m in history],
  "history_ts": all(m.timestamp > 1700000000000 for m in history),
  "top": top, "deep": deep, "config": config, "changed": changed,
  "after_delete": after_delete,
  "child_stage": c.get_run(child.info.run_id).info.lifecycle_stage,
  "failed_status": c.get_run(failed_id).info.status,
}))
`,
    );
    expect(out.found).toEqual(['parent']);
    expect(out.ordered).toEqual(['child', 'parent']);
    expect(out.history).toEqual([[0, 1], [1, 0.5], [2, 1 / 3], [3, 0.25], [4, 0.2]]);
    expect(out.history_ts).toBe(true);
    expect(out.top).toEqual(['conf', 'model.txt', 'models']);
    expect(out.deep).toEqual(['models/best/model.txt']);
    expect(out.config).toEqual({ epochs: 5 });
    expect(out.changed).toMatch(/MlflowException.*Changing param values is not allowed/);
    expect(out.after_delete).not.toContain('child');
    expect(out.child_stage).toBe('deleted');
    expect(out.failed_status).toBe('FAILED');

    const parent = show(dir, out.parent);
    expect(parent).toMatchObject({
      name: 'parent',
      experiment: 'churn',
      status: 'finished',
      params: { lr: 0.01, depth: 8, model: 'xgb', layers: '[64, 32]' },
      metrics: { loss: 0.2, f1: 0.8, 'val/acc': 0.9 },
      series: ['loss'],
      tags: { team: 'growth', 'data%20set': 'v2', 'mlflow.source.type': 'LOCAL' },
    });
    expect(parent.artifacts.map((a: { path: string }) => a.path).sort()).toEqual(['conf/config.json', 'model.txt', 'models/best/model.txt']);
    expect(parent.artifacts.every((a: { sha256: string }) => /^[0-9a-f]{64}$/.test(a.sha256))).toBe(true);
    expect(show(dir, out.child)).toMatchObject({ name: 'child', parent: out.parent, params: { lr: 0.02 }, metrics: { f1: 0.5 } });
    expect(show(dir, out.failed)).toMatchObject({ name: 'bad', status: 'failed', params: { x: 1 } });
    // The bytes are in the content-addressed cache: `get` restores them.
    const restored = cli(dir, 'get', out.parent, 'model.txt', '-o', join(dir, 'restored'));
    expect(restored.code, restored.stderr).toBe(0);

    // One commit per run on `runs`, plus the archive fact of the deleted child; git agrees.
    const subjects = git(dir, 'log', '--first-parent', '--format=%s', 'runs').trim().split('\n');
    for (const id of [out.parent, out.child, out.failed]) expect(subjects.filter((s) => s.startsWith(`run ${id}`))).toHaveLength(1);
    expect(subjects).toContain(`archive ${out.child}`);
    expect(git(dir, 'show', `runs:runs/${out.parent.slice(0, 2)}/${out.parent}/series/loss.tsv`).trim().split('\n')).toHaveLength(6);
    git(dir, 'fsck', '--strict');
    expect(cli(dir, 'list', '--json').stdout).not.toContain(out.child);
  }, 300_000);

  it('mlflow.sklearn.autolog(): a real scikit-learn fit lands on runs with params, training metrics and the model', async () => {
    const dir = makeRepo({ commit: true });
    t.server = await startGitTrackServer(dir);
    const out = t.runPython(
      dir,
      t.server.url,
      `
import json, mlflow
from sklearn.datasets import load_iris
from sklearn.linear_model import LogisticRegression
mlflow.set_experiment("iris")
mlflow.sklearn.autolog()
X, y = load_iris(return_X_y=True)
with mlflow.start_run() as run:
    LogisticRegression(max_iter=200, C=0.5).fit(X, y)
print(json.dumps({"id": run.info.run_id}))
`,
    );
    const run = show(dir, out.id);
    expect(run).toMatchObject({ experiment: 'iris', status: 'finished', params: { C: 0.5, max_iter: 200 } });
    expect(run.metrics.training_accuracy_score).toBeGreaterThan(0.9);
    expect(run.tags['estimator_class']).toBe('sklearn.linear_model._logistic.LogisticRegression');
    const paths = run.artifacts.map((a: { path: string }) => a.path);
    expect(paths).toEqual(expect.arrayContaining(['model/MLmodel', 'model/model.pkl']));
    git(dir, 'fsck', '--strict');
  }, 300_000);

  it('16 processes logging batches at once: every run recorded exactly once, nothing lost', async () => {
    const dir = makeRepo({ commit: true });
    t.server = await startGitTrackServer(dir);
    const script = join(dir, 'worker.py');
    writeFileSync(
      script,
      `
import json, sys, time, mlflow
from mlflow import MlflowClient
from mlflow.entities import Metric, Param
w = int(sys.argv[1])
c = MlflowClient()
ids = []
for r in range(5):
    run = c.create_run("0", run_name=f"w{w}-r{r}")
    rid = run.info.run_id
    now = int(time.time() * 1000)
    metrics = [Metric(f"m{k}", w + r + s / 100, now, s) for k in range(5) for s in range(100)]
    c.log_batch(rid, metrics=metrics, params=[Param(f"p{k}", str(w * 10 + k)) for k in range(10)])
    c.set_terminated(rid)
    ids.append(rid)
print(json.dumps(ids))
`,
    );
    const workers = await Promise.all(
      Array.from({ length: 16 }, (_, w) =>
        new Promise<string[]>((resolve, reject) => {
          const child = spawn(t.python, [script, String(w)], { cwd: dir, env: { ...process.env, MLFLOW_TRACKING_URI: t.server!.url } });
          let stdout = '';
          let stderr = '';
          child.stdout.on('data', (d: Buffer) => (stdout += d));
          child.stderr.on('data', (d: Buffer) => (stderr += d));
          child.on('exit', (code) => (code === 0 ? resolve(JSON.parse(stdout.trim().split('\n').pop()!)) : reject(new Error(stderr))));
        }),
      ),
    );
    const ids = workers.flat();
    expect(new Set(ids).size).toBe(80);
    const subjects = git(dir, 'log', '--first-parent', '--format=%s', 'runs').trim().split('\n');
    const runCommits = subjects.filter((s) => s.startsWith('run '));
    expect(runCommits).toHaveLength(80);
    const listed = JSON.parse(cli(dir, 'list', '--json', '--limit', '1000').stdout) as { id: string; params: Record<string, number>; series: string[] }[];
    expect(listed.map((r) => r.id).sort()).toEqual([...ids].sort());
    for (const r of listed) {
      expect(Object.keys(r.params)).toHaveLength(10);
      expect(r.series).toHaveLength(5);
    }
    const one = ids[37]!;
    expect(git(dir, 'show', `runs:runs/${one.slice(0, 2)}/${one}/series/m3.tsv`).trim().split('\n')).toHaveLength(101);
    git(dir, 'fsck', '--strict');
  }, 600_000);
});
