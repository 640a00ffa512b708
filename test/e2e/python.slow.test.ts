/**
 * Real end to end: scikit-learn models trained under `git-track run` with the Python helper.
 * CI installs Debian's python3-sklearn (.ci/run); elsewhere these skip with the reason shown.
 * Runs go without system metrics: a slow machine would add `system/...` series to the exact
 * lists asserted here (system metrics have their own test, system-metrics.test.ts).
 */
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { copyFileSync, existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { BIN, cli, cliWith, git, makeRepo, testGitEnv } from '../helpers/repo.js';

const FIXTURES = resolve(import.meta.dirname, '..', '..', 'fixtures', 'python');
const HELPER_DIR = resolve(import.meta.dirname, '..', '..', 'python');

/** The first interpreter that can import the module; Debian's own first (pyenv's cannot see its packages). */
function findPython(module: string): string | null {
  for (const candidate of ['/usr/bin/python3', 'python3', 'python']) {
    const r = spawnSync(candidate, ['-c', `import ${module}`], { encoding: 'utf8' });
    if (r.status === 0) return candidate;
  }
  return null;
}

const sklearnPython = findPython('sklearn');
const xgboostPython = findPython('xgboost, sklearn');
const torchPython = findPython('torch');
const anyPython = findPython('json');
if (!sklearnPython) console.warn('python.slow.test: skipping scikit-learn tests: no python3 can import sklearn (apt-get install python3-sklearn)');
if (!xgboostPython) console.warn('python.slow.test: skipping XGBoost tests: no python3 can import xgboost and sklearn (apt-get install python3-xgboost)');
if (!torchPython) console.warn('python.slow.test: skipping PyTorch tests: no python3 can import torch (apt-get install python3-torch)');
if (!anyPython) console.warn('python.slow.test: skipping Python helper tests: no python3 found');

function repoWith(...scripts: string[]): string {
  const dir = makeRepo({ commit: true });
  for (const s of scripts) copyFileSync(join(FIXTURES, s), join(dir, s));
  return dir;
}

function recordedId(stderr: string): string {
  const m = /recorded run ([0-9a-f]{12})/.exec(stderr);
  if (!m) throw new Error(`no run recorded: ${stderr}`);
  return m[1]!;
}

const show = (dir: string, id: string) => JSON.parse(cli(dir, 'show', id, '--json').stdout);
const runFile = (dir: string, id: string, file: string) => git(dir, 'show', `runs:runs/${id.slice(0, 2)}/${id}/${file}`);
const sha256 = (path: string) => createHash('sha256').update(readFileSync(path)).digest('hex');

describe('scikit-learn under git-track run', () => {
  it.skipIf(!sklearnPython)('records params, per-epoch metrics, the pickled model and the status of a real training', () => {
    const dir = repoWith('train_iris.py');
    const r = cli(dir, 'run', '--no-system-metrics', '--', sklearnPython!, 'train_iris.py');
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toMatch(/^epoch 7 val_acc /m);
    const id = recordedId(r.stderr);
    const m = show(dir, id);
    const expected = JSON.parse(readFileSync(join(dir, 'expected.json'), 'utf8'));
    expect(m).toMatchObject({
      name: 'iris-sgd',
      experiment: 'iris',
      status: 'finished',
      command: [sklearnPython, 'train_iris.py'],
      params: { alpha: 0.0001, epochs: 8, loss: 'log_loss', random_state: 0 },
      metrics: { val_acc: expected.val_acc },
      series: ['train_acc', 'val_acc'],
      tags: { dataset: 'iris', exit_code: '0' },
    });
    expect(m.metrics.val_acc).toBeGreaterThan(0.5);
    const series = runFile(dir, id, 'series/val_acc.tsv').trim().split('\n');
    expect(series[0]).toBe('step\tvalue\ttimestamp');
    expect(series.slice(1).map((l) => l.split('\t')[0])).toEqual(['0', '1', '2', '3', '4', '5', '6', '7']);
    expect(Number(series[8]!.split('\t')[1])).toBe(expected.val_acc);
    // log_artifact keeps the file's folder in the work tree, so `get` restores it where it was.
    const model = m.artifacts.find((a: { path: string }) => a.path === 'models/iris-sgd.pkl');
    expect(model).toMatchObject({ kind: 'file', sha256: sha256(join(dir, 'models', 'iris-sgd.pkl')) });
    // The interpreter that ran and the libraries it imported, not the python3 first on PATH.
    const ran = spawnSync(sklearnPython!, ['-c', 'import platform, sklearn, numpy; print(platform.python_version(), sklearn.__version__, numpy.__version__)'], { encoding: 'utf8' }).stdout.trim().split(' ');
    expect(m.env.python).toBe(ran[0]);
    expect(m.env.packages).toContain(`scikit-learn ${ran[1]}`);
    expect(m.env.packages).toContain(`numpy ${ran[2]}`);
    const cached = join(dir, '.git', 'git-track', 'objects', 'sha256', model.sha256.slice(0, 2), model.sha256.slice(2));
    expect(existsSync(cached)).toBe(true);
    // The cached bytes are a working model.
    const predict = spawnSync(sklearnPython!, ['-c', `import pickle,sys; from sklearn.datasets import load_iris; X,y=load_iris(return_X_y=True); print(pickle.load(open(sys.argv[1],'rb')).predict(X[:1])[0] in (0,1,2))`, cached], { encoding: 'utf8' });
    expect(predict.stdout.trim()).toBe('True');
    expect(runFile(dir, id, 'output.log')).toMatch(/epoch 0 val_acc/);
    git(dir, 'fsck', '--strict');
  });

  it.skipIf(!sklearnPython)('autologs estimator params, training metrics and the model, with per-fold metrics', () => {
    const dir = repoWith('cv_autolog.py');
    const r = cli(dir, 'run', '--no-system-metrics', '--', sklearnPython!, 'cv_autolog.py');
    expect(r.code, r.stderr).toBe(0);
    const m = show(dir, recordedId(r.stderr));
    expect(m).toMatchObject({ status: 'finished', params: { max_depth: 3, random_state: 0, criterion: 'gini' }, tags: { estimator_name: 'DecisionTreeClassifier' } });
    // cross_val_score's own fits are not the user's: only cv_acc is a series.
    expect(m.series).toEqual(['cv_acc']);
    expect(m.metrics.cv_acc).toBeGreaterThan(0.8);
    expect(Object.keys(m.metrics).sort()).toEqual(['cv_acc', 'training_accuracy_score', 'training_f1_score', 'training_log_loss', 'training_precision_score', 'training_recall_score', 'training_roc_auc', 'training_score']);
    expect(m.metrics.training_score).toBe(m.metrics.training_accuracy_score);
    expect(m.artifacts).toMatchObject([{ path: 'model/model.pkl', kind: 'file' }]);
  });

  it.skipIf(!sklearnPython)('autolog keeps the user\'s model when metric functions fit a LabelEncoder after training', () => {
    const dir = repoWith('autolog_metrics.py');
    const r = cli(dir, 'run', '--no-system-metrics', '--', sklearnPython!, 'autolog_metrics.py');
    expect(r.code, r.stderr).toBe(0);
    const id = recordedId(r.stderr);
    // One run: the metric functions' internal fits start no run and log nothing.
    expect(r.stderr.match(/recorded run/g)).toHaveLength(1);
    const m = show(dir, id);
    const expected = JSON.parse(readFileSync(join(dir, 'expected.json'), 'utf8'));
    expect(m.tags).toMatchObject({ estimator_name: 'LogisticRegression', estimator_class: 'sklearn.linear_model._logistic.LogisticRegression' });
    expect(m.params).toMatchObject({ C: 0.5, max_iter: 500 });
    expect(m.metrics.training_accuracy_score).toBe(expected.train_acc);
    expect(m.metrics.training_score).toBe(expected.train_acc);
    expect(m.metrics.test_f1).toBeGreaterThan(0.8);
    // Metrics computed after training on the model's predictions, named by the dataset, as MLflow.
    expect(m.metrics.f1_score_X_test).toBe(m.metrics.test_f1);
    expect(m.metrics['f1_score-2_X_test']).toBe(expected.f1_weighted);
    expect(m.metrics.precision_score_X_test).toBeGreaterThan(0.8);
    expect(m.metrics.log_loss_X_test).toBeGreaterThan(0);
    expect(Object.keys(m.metrics).filter((k) => k.endsWith('_X_train'))).toEqual([]);
    const model = m.artifacts.find((a: { path: string }) => a.path === 'model/model.pkl');
    const cached = join(dir, '.git', 'git-track', 'objects', 'sha256', model.sha256.slice(0, 2), model.sha256.slice(2));
    const check = spawnSync(sklearnPython!, ['-c', `import json, pickle, sys
from sklearn.datasets import load_iris
from sklearn.model_selection import train_test_split
m = pickle.load(open(sys.argv[1], 'rb'))
X, y = load_iris(return_X_y=True)
names = load_iris().target_names[y]
_, X_test, _, _ = train_test_split(X, names, test_size=0.3, random_state=0, stratify=names)
print(type(m).__name__, list(m.predict(X_test)) == json.load(open('expected.json'))['pred'])`, cached], { cwd: dir, encoding: 'utf8' });
    expect(check.stdout.trim(), check.stderr).toBe('LogisticRegression True');
  });

  it.skipIf(!sklearnPython)('GridSearchCV: the run holds the best params and score, the top 5 candidates are child runs', () => {
    const dir = repoWith('grid_search.py');
    const r = cli(dir, 'run', '--no-system-metrics', '--', sklearnPython!, 'grid_search.py');
    expect(r.code, r.stderr).toBe(0);
    const id = recordedId(r.stderr);
    const best = /best \{'max_depth': (\d), 'min_samples_leaf': (\d)\} ([0-9.]+)/.exec(r.stdout)!;
    const m = show(dir, id);
    expect(m).toMatchObject({ name: 'grid', params: { best_max_depth: Number(best[1]), best_min_samples_leaf: Number(best[2]) }, tags: { estimator_name: 'GridSearchCV' } });
    expect(m.metrics.best_cv_score).toBeCloseTo(Number(best[3]), 12);
    const children = JSON.parse(cli(dir, 'list', '--filter', `parent = '${id}'`, '--json').stdout);
    expect(children).toHaveLength(5);
    const ranks = children.map((c: { metrics: { rank_test_score: number } }) => c.metrics.rank_test_score).sort();
    expect(ranks[0]).toBe(1);
    expect(ranks.every((rank: number) => rank <= 5)).toBe(true);
    for (const c of children) {
      expect(Object.keys(c.params).sort()).toEqual(['max_depth', 'min_samples_leaf']);
      expect(c.metrics.mean_test_score).toBeGreaterThan(0.8);
    }
    const top = children.find((c: { metrics: { rank_test_score: number } }) => c.metrics.rank_test_score === 1);
    expect(top.params).toEqual({ max_depth: Number(best[1]), min_samples_leaf: Number(best[2]) });
  });

  it.skipIf(!sklearnPython)('a script looping start_run over three learning rates records three runs, each with its nested run', () => {
    const dir = repoWith('loop_lrs.py');
    const r = cli(dir, 'run', '--no-system-metrics', '--name', 'ignored-by-later-runs', '--', sklearnPython!, 'loop_lrs.py');
    expect(r.code, r.stderr).toBe(0);
    const runs = JSON.parse(readFileSync(join(dir, 'runs.json'), 'utf8'));
    // The first block is the process's run (the id `git-track run` reports), the others runs of their own.
    expect(recordedId(r.stderr)).toBe(runs[0].id);
    expect(r.stderr.match(/recorded run/g)).toHaveLength(6);
    const commit = show(dir, runs[0].id).code.commit;
    for (const [i, expected] of runs.entries()) {
      const m = show(dir, expected.id);
      expect(m).toMatchObject({ status: 'finished', params: { lr: expected.lr }, metrics: { r2: expected.r2 }, series: ['r2'], command: [sklearnPython, 'loop_lrs.py'] });
      expect(m.parent).toBeUndefined();
      expect(m.name).toBe(i === 0 ? 'ignored-by-later-runs' : `sgd-lr-${expected.lr}`);
      expect(m.code.commit).toBe(commit);
      expect(runFile(dir, expected.id, 'series/r2.tsv').trim().split('\n')).toHaveLength(6);
      const child = show(dir, expected.child);
      expect(child).toMatchObject({ name: `eval-lr-${expected.lr}`, parent: expected.id, metrics: { final_r2: expected.r2 } });
    }
    // Nothing logged into one run shows up in another.
    expect(new Set(runs.map((x: { r2: number }) => x.r2)).size).toBe(3);
    git(dir, 'fsck', '--strict');
  });

  it.skipIf(!anyPython)('a sweep child whose script starts two runs records both when the child ends', () => {
    const dir = makeRepo({ commit: true });
    writeFileSync(join(dir, 'two_runs.py'), `import sys, git_track
lr = float(sys.argv[1])
with git_track.start_run():
    git_track.log_metric("loss", lr)
with git_track.start_run(run_name="extra-%g" % lr):
    git_track.log_metric("extra_loss", lr * 2)
`);
    const r = cli(dir, 'sweep', '--grid', 'lr=0.5,0.25', '--', anyPython!, 'two_runs.py', '{lr}');
    expect(r.code, r.stderr).toBe(0);
    // Recorded by the sweep itself: nothing is left for a later command to recover.
    const stagingDir = join(dir, '.git', 'git-track', 'staging');
    expect(existsSync(stagingDir) ? readdirSync(stagingDir) : []).toEqual([]);
    const runs = JSON.parse(cli(dir, 'list', '--json', '--flat').stdout) as { id: string; name?: string; parent?: string; metrics: Record<string, number>; params: Record<string, unknown> }[];
    const extras = runs.filter((m) => m.name?.startsWith('extra-'));
    expect(extras.map((m) => m.metrics.extra_loss).sort()).toEqual([0.5, 1]);
    const children = runs.filter((m) => m.metrics.loss !== undefined);
    expect(children.map((m) => m.params.lr).sort()).toEqual([0.25, 0.5]);
    git(dir, 'fsck', '--strict');
  });

  it.skipIf(!sklearnPython)('a run that raises is failed, the runs before it keep their status, and the process run keeps the exit code', () => {
    const dir = makeRepo({ commit: true });
    writeFileSync(join(dir, 'third_fails.py'), `import git_track
for lr in (0.1, 0.01, 0.001):
    with git_track.start_run(run_name="lr-%g" % lr):
        git_track.log_param("lr", lr)
        git_track.log_metric("loss", lr)
        if lr == 0.001:
            raise ValueError("diverged")
`);
    const r = cli(dir, 'run', '--no-system-metrics', '--', anyPython!, 'third_fails.py');
    expect(r.code).toBe(1);
    const statuses = JSON.parse(cli(dir, 'list', '--json').stdout).map((m: { params: { lr: number }; status: string; tags: Record<string, string> }) => [m.params.lr, m.status, m.tags.exit_code]);
    expect(statuses.sort()).toEqual([[0.001, 'failed', '1'], [0.01, 'finished', '1'], [0.1, 'finished', '1']]);
  });

  it.skipIf(!anyPython)('records a failing script as failed, with what it logged', () => {
    const dir = repoWith('fails.py');
    const r = cli(dir, 'run', '--no-system-metrics', '--', anyPython!, 'fails.py');
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/ValueError: diverged/);
    const id = recordedId(r.stderr);
    expect(show(dir, id)).toMatchObject({ status: 'failed', metrics: { loss: 0.5 }, series: ['loss'], tags: { exit_code: '1' } });
    expect(runFile(dir, id, 'output.log')).toMatch(/ValueError: diverged/);
  });

  it.skipIf(!anyPython)('records a run from Python outside git-track run through git-track log', () => {
    const dir = repoWith('outside.py');
    const r = spawnSync(anyPython!, ['outside.py'], {
      cwd: dir,
      encoding: 'utf8',
      env: testGitEnv({ PYTHONPATH: HELPER_DIR, GIT_TRACK_BIN: `${process.execPath} ${BIN}` }),
    });
    expect(r.status, r.stderr).toBe(0);
    expect(r.stdout).toMatch(/^refused: metric 'acc' must be a finite number, got nan$/m);
    expect(r.stderr).toBe('');
    const id = /^id: ([0-9a-f]{12})$/m.exec(r.stdout)![1]!;
    const m = show(dir, id);
    expect(m).toMatchObject({
      name: 'outside',
      status: 'finished',
      params: { lr: 0.01, layers: [64, 32] },
      metrics: { f1: 0.84, loss: 1 / 3 },
      tags: { who: 'py' },
      artifacts: [{ path: 'weights.bin', sha256: sha256(join(dir, 'weights.bin')) }],
    });
    expect(m.series).toEqual(['loss']);
    expect(cliWith(dir, {}, 'list').stdout).toMatch(/outside/);
  });

  it.skipIf(!xgboostPython)('XGBoost autolog: params, per-iteration series, best iteration, feature importance and a model that loads and predicts the same', () => {
    const dir = repoWith('xgb_train.py');
    const r = cli(dir, 'run', '--no-system-metrics', '--', xgboostPython!, 'xgb_train.py');
    expect(r.code, r.stderr).toBe(0);
    const e = JSON.parse(readFileSync(join(dir, 'expected.json'), 'utf8'));
    const booster = show(dir, e.booster);
    expect(booster.params).toMatchObject({ objective: 'binary:logistic', max_depth: 3, eta: 0.3, num_boost_round: 200, early_stopping_rounds: 5 });
    expect(booster.series).toEqual(['train-error', 'train-logloss', 'validation-error', 'validation-logloss']);
    expect(booster.metrics).toMatchObject({ best_iteration: e.best_iteration, stopped_iteration: e.rounds - 1 });
    // One point per boosting round, then the best iteration's value one step past the last.
    const series = runFile(dir, e.booster, 'series/validation-logloss.tsv').trim().split('\n').slice(1).map((l) => l.split('\t'));
    expect(series.map((p) => Number(p[0]))).toEqual([...Array.from({ length: e.rounds }, (_, i) => i), e.rounds]);
    expect(series[e.rounds]![1]).toBe(series[e.best_iteration]![1]);
    expect(booster.metrics['validation-logloss']).toBe(Number(series[e.best_iteration]![1]));
    const clf = show(dir, e.classifier);
    expect(clf).toMatchObject({ params: { n_estimators: 12, max_depth: 2, learning_rate: 0.5 }, tags: { estimator_name: 'XGBClassifier' } });
    expect(runFile(dir, e.classifier, 'series/validation_0-logloss.tsv').trim().split('\n')).toHaveLength(13);
    for (const [m, load] of [[booster, 'b = xgb.Booster(); b.load_model(sys.argv[1]); p = b.predict(xgb.DMatrix(X_val))'], [clf, 'c = xgb.XGBClassifier(); c.load_model(sys.argv[1]); p = c.predict_proba(X_val)[:, 1]']] as const) {
      expect(m.artifacts.map((a: { path: string }) => a.path)).toEqual(['feature_importance_weight.json', 'model/model.json']);
      const model = m.artifacts[1];
      const importance = m.artifacts[0];
      const cache = (a: { sha256: string }) => join(dir, '.git', 'git-track', 'objects', 'sha256', a.sha256.slice(0, 2), a.sha256.slice(2));
      expect(Object.keys(JSON.parse(readFileSync(cache(importance), 'utf8'))).length).toBeGreaterThan(3);
      const check = spawnSync(xgboostPython!, ['-c', `import json, sys
import numpy as np, xgboost as xgb
from sklearn.datasets import load_breast_cancer
from sklearn.model_selection import train_test_split
X, y = load_breast_cancer(return_X_y=True)
_, X_val, _, _ = train_test_split(X, y, test_size=0.25, random_state=0)
${load}
e = json.load(open('expected.json'))
print(np.allclose(p, e['booster_pred' if 'Booster()' in ${JSON.stringify(load)} else 'clf_pred']))`, cache(model)], { cwd: dir, encoding: 'utf8' });
      expect(check.stdout.trim(), check.stderr).toBe('True');
    }
  });

  it.skipIf(!torchPython)('PyTorch: a training loop\'s series and a model kept by log_model that loads and predicts the same', () => {
    const dir = repoWith('torch_train.py');
    const r = cli(dir, 'run', '--no-system-metrics', '--', torchPython!, 'torch_train.py');
    expect(r.code, r.stderr).toBe(0);
    const e = JSON.parse(readFileSync(join(dir, 'expected.json'), 'utf8'));
    const m = show(dir, e.id);
    expect(m).toMatchObject({ name: 'linear', params: { lr: 0.1, epochs: 20 }, series: ['loss'] });
    expect(runFile(dir, e.id, 'series/loss.tsv').trim().split('\n')).toHaveLength(21);
    expect(m.artifacts.map((a: { path: string }) => a.path)).toEqual(['model/model.json', 'model/state_dict.pth']);
    expect(m.env.packages).toMatch(/\btorch \d/);
    const out = join(dir, 'restored');
    expect(cli(dir, 'get', e.id, 'model', '-o', out).code).toBe(0);
    expect(JSON.parse(readFileSync(join(out, 'model', 'model.json'), 'utf8'))).toMatchObject({ class: 'Linear', module: 'torch.nn.modules.linear', parameters: 4 });
    const check = spawnSync(torchPython!, ['-c', `import json, sys, torch, git_track.pytorch
m = git_track.pytorch.load_model(sys.argv[1], torch.nn.Linear(3, 1))
print(abs(m(torch.tensor([[1.0, 2.0, 3.0]])).item() - json.load(open('expected.json'))['prediction']) < 1e-6)`, join(out, 'model')], { cwd: dir, encoding: 'utf8', env: testGitEnv({ PYTHONPATH: HELPER_DIR }) });
    expect(check.stdout.trim(), check.stderr).toBe('True');
  });
});
