/**
 * Real end to end: scikit-learn models trained under `git-track run` with the Python helper.
 * CI installs Debian's python3-sklearn (.ci/run); elsewhere these skip with the reason shown.
 */
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { copyFileSync, existsSync, readFileSync } from 'node:fs';
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
const anyPython = findPython('json');
if (!sklearnPython) console.warn('python.slow.test: skipping scikit-learn tests: no python3 can import sklearn (apt-get install python3-sklearn)');
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
    const r = cli(dir, 'run', '--', sklearnPython!, 'train_iris.py');
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
    const model = m.artifacts.find((a: { path: string }) => a.path === 'models/iris-sgd.pkl');
    expect(model).toMatchObject({ kind: 'file', sha256: sha256(join(dir, 'model.pkl')) });
    const cached = join(dir, '.git', 'git-track', 'objects', 'sha256', model.sha256.slice(0, 2), model.sha256.slice(2));
    expect(existsSync(cached)).toBe(true);
    // The cached bytes are a working model.
    const predict = spawnSync(sklearnPython!, ['-c', `import pickle,sys; from sklearn.datasets import load_iris; X,y=load_iris(return_X_y=True); print(pickle.load(open(sys.argv[1],'rb')).predict(X[:1])[0] in (0,1,2))`, cached], { encoding: 'utf8' });
    expect(predict.stdout.trim()).toBe('True');
    expect(runFile(dir, id, 'output.log')).toMatch(/epoch 0 val_acc/);
    git(dir, 'fsck', '--strict');
  });

  it.skipIf(!sklearnPython)('autologs estimator params, training score and the model, with per-fold metrics', () => {
    const dir = repoWith('cv_autolog.py');
    const r = cli(dir, 'run', '--', sklearnPython!, 'cv_autolog.py');
    expect(r.code, r.stderr).toBe(0);
    const m = show(dir, recordedId(r.stderr));
    expect(m).toMatchObject({ status: 'finished', params: { max_depth: 3, random_state: 0, criterion: 'gini' }, tags: { estimator: 'DecisionTreeClassifier' } });
    expect(m.series).toEqual(['cv_acc', 'training_score']);
    expect(m.metrics.cv_acc).toBeGreaterThan(0.8);
    expect(m.metrics.training_score).toBeGreaterThan(m.metrics.cv_acc - 0.2);
    expect(m.artifacts).toMatchObject([{ path: 'model.pkl', kind: 'file' }]);
  });

  it.skipIf(!anyPython)('records a failing script as failed, with what it logged', () => {
    const dir = repoWith('fails.py');
    const r = cli(dir, 'run', '--', anyPython!, 'fails.py');
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
    // Step series need `log --series`; without it the helper says so and keeps the last values.
    if (m.series) expect(m.series).toEqual(['loss']);
    else expect(r.stderr).toMatch(/no 'log --series'; step series of loss not kept/);
    expect(cliWith(dir, {}, 'list').stdout).toMatch(/outside/);
  });
});
