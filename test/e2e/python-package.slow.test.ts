/**
 * The Python package as users get it: the wheel and sdist the build makes, installed into a
 * fresh virtual environment; its API checked against MLflow's; steps visible while training;
 * artifacts made from figures and arrays. Real interpreters and libraries (CI installs Debian's
 * python3-sklearn, python3-matplotlib: .ci/run); each test skips with the reason when absent.
 */
import { spawn, spawnSync } from 'node:child_process';
import { copyFileSync, existsSync, readdirSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { BIN, cli, git, makeRepo, tempDir, testGitEnv } from '../helpers/repo.js';

const ROOT = resolve(import.meta.dirname, '..', '..');
const FIXTURES = join(ROOT, 'fixtures', 'python');
const WHEEL_DIR = join(ROOT, 'dist', 'python');
const PYTHON = '/usr/bin/python3';
const GIT_TRACK_BIN = `${process.execPath} ${BIN}`;

const can = (code: string) => existsSync(PYTHON) && spawnSync(PYTHON, ['-c', code]).status === 0;
const hasVenv = can('import venv, ensurepip');
const hasSklearn = can('import sklearn');
const hasMatplotlib = can('import matplotlib, numpy');
const wheel = existsSync(WHEEL_DIR) ? readdirSync(WHEEL_DIR).find((f) => f.endsWith('.whl')) : undefined;
const sdist = existsSync(WHEEL_DIR) ? readdirSync(WHEEL_DIR).find((f) => f.endsWith('.tar.gz')) : undefined;
if (!hasVenv) console.warn('python-package.slow.test: skipping venv tests: /usr/bin/python3 has no venv/ensurepip (apt-get install python3-venv)');
if (!wheel) console.warn('python-package.slow.test: skipping wheel tests: no dist/python/*.whl (npm run build with python3 present)');
if (!hasMatplotlib) console.warn('python-package.slow.test: skipping figure tests: no matplotlib (apt-get install python3-matplotlib)');

function venv(options: { systemSitePackages?: boolean } = {}): string {
  const dir = join(tempDir('gt-venv-'), 'venv');
  const r = spawnSync(PYTHON, ['-m', 'venv', ...(options.systemSitePackages ? ['--system-site-packages'] : []), dir], { encoding: 'utf8' });
  if (r.status !== 0) throw new Error(r.stderr);
  return dir;
}

function pip(env: string, ...args: string[]) {
  return spawnSync(join(env, 'bin', 'pip'), ['--disable-pip-version-check', '-q', ...args], { encoding: 'utf8', timeout: 300_000 });
}

/** Environment for a Python program: no checkout module on PYTHONPATH, the CLI as given. */
function pyEnv(extra: Record<string, string> = {}): NodeJS.ProcessEnv {
  const env = testGitEnv();
  delete env.PYTHONPATH;
  return { ...env, ...extra };
}

describe('the Python package', () => {
  it.skipIf(!hasVenv || !wheel || !hasSklearn)('installs from the wheel into a fresh venv and records a training with nested runs', () => {
    const env = venv({ systemSitePackages: true });
    const installed = pip(env, 'install', '--no-index', join(WHEEL_DIR, wheel!));
    expect(installed.status, installed.stderr).toBe(0);
    const dir = makeRepo({ commit: true });
    copyFileSync(join(FIXTURES, 'package', 'train_installed.py'), join(dir, 'train_installed.py'));
    const r = spawnSync(join(env, 'bin', 'python'), ['train_installed.py'], { cwd: dir, encoding: 'utf8', env: pyEnv({ GIT_TRACK_BIN }) });
    expect(r.status, r.stderr).toBe(0);
    const out = JSON.parse(r.stdout.trim().split('\n').pop()!);
    expect(out.module).toBe(join(env, 'lib', readdirSync(join(env, 'lib'))[0]!, 'site-packages', 'git_track'));
    expect(out.last).toBe(out.parent);
    const parent = JSON.parse(cli(dir, 'show', out.parent, '--json').stdout);
    expect(parent).toMatchObject({ name: 'installed', note: 'from the wheel', status: 'finished', command: [join(env, 'bin', 'python'), 'train_installed.py'] });
    const children = JSON.parse(cli(dir, 'list', '--filter', `parent = '${out.parent}'`, '--json').stdout);
    expect(children.map((c: { name: string }) => c.name).sort()).toEqual(['depth-2', 'depth-3']);
    const child = children.find((c: { id: string }) => c.id === out.child);
    expect(child).toMatchObject({ params: { max_depth: 3 }, parent: out.parent });
    expect(parent.metrics.best_acc).toBe(child.metrics.acc);
    // Nothing is left staged: each run was recorded when it ended.
    expect(readdirSync(join(dir, '.git', 'git-track', 'staging'))).toEqual([]);
    git(dir, 'fsck', '--strict');
  }, 180_000);

  it.skipIf(!hasVenv || !sdist)('installs offline from the checkout and from the sdist; python -m git_track forwards to the CLI or says how to install it', () => {
    for (const source of [join(ROOT, 'python'), join(WHEEL_DIR, sdist!)]) {
      const env = venv();
      const installed = pip(env, 'install', '--no-index', source);
      expect(installed.status, installed.stderr).toBe(0);
      const py = join(env, 'bin', 'python');
      const typed = spawnSync(py, ['-c', 'import git_track, os; print(os.path.exists(os.path.join(os.path.dirname(git_track.__file__), "py.typed")), git_track.__version__)'], { encoding: 'utf8', env: pyEnv() });
      expect(typed.stdout.trim()).toBe(`True ${JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')).version}`);
      const forwarded = spawnSync(py, ['-m', 'git_track', '--version'], { encoding: 'utf8', env: pyEnv({ GIT_TRACK_BIN }) });
      expect(forwarded.status, forwarded.stderr).toBe(0);
      expect(forwarded.stdout.trim()).toMatch(/^\d+\.\d+\.\d+/);
      const missing = spawnSync(py, ['-m', 'git_track', 'list'], { encoding: 'utf8', env: pyEnv({ PATH: '/usr/bin:/bin' }) });
      expect(missing.status).toBe(1);
      expect(missing.stderr).toBe('git-track: cannot find the git-track command: install it with `npm install -g git-track` (Node.js 20 or later), or set GIT_TRACK_BIN to the git-track executable\n');
      // start_run says so before any training, not when the run ends.
      const early = spawnSync(py, ['-c', 'import git_track; git_track.start_run()'], { cwd: makeRepo(), encoding: 'utf8', env: pyEnv({ PATH: '/usr/bin:/bin' }) });
      expect(early.status).toBe(1);
      expect(early.stderr).toMatch(/CliNotFoundError: cannot find the git-track command: install it with `npm install -g git-track`/);
    }
  }, 300_000);

  it.skipIf(!hasVenv)('matches MLflow\'s fluent API signatures name by name (mlflow-skinny 2.22.0 and lightgbm 4.5.0 from PyPI; skipped offline)', (ctx) => {
    const env = venv({ systemSitePackages: true });
    const installed = pip(env, 'install', 'mlflow-skinny==2.22.0', 'lightgbm==4.5.0');
    if (installed.status !== 0) {
      console.warn(`python-package.slow.test: skipping the MLflow signature check: cannot install mlflow-skinny: ${installed.stderr.trim().split('\n').pop()}`);
      ctx.skip();
    }
    const r = spawnSync(join(env, 'bin', 'python'), [join(FIXTURES, 'package', 'compare_signatures.py')], { encoding: 'utf8', env: pyEnv({ PYTHONPATH: join(ROOT, 'python') }) });
    expect(r.stdout, r.stderr).toMatch(/^mlflow 2\.22\.0$/m);
    expect(r.stdout).not.toMatch(/^FAIL/m);
    // The fluent functions, sklearn.autolog, lightgbm.autolog, and xgboost.autolog where xgboost is installed.
    expect(r.stdout).toMatch(/^ok lightgbm\.autolog$/m);
    expect(r.stdout.match(/^ok /gm)).toHaveLength(r.stdout.includes('skipped xgboost.autolog') ? 25 : 26);
    expect(r.status, r.stdout + r.stderr).toBe(0);
  }, 600_000);
});

describe('the Python client while a run trains', () => {
  it.skipIf(!existsSync(PYTHON))('flushes a logged step within 2 s, so list shows the running run\'s latest value', async () => {
    const dir = makeRepo({ commit: true });
    copyFileSync(join(FIXTURES, 'live_steps.py'), join(dir, 'live_steps.py'));
    const child = spawn(process.execPath, [BIN, 'run', '--', PYTHON, 'live_steps.py', '8'], { cwd: dir, env: testGitEnv() });
    const exited = new Promise<number | null>((done) => child.on('close', done));
    await new Promise<void>((done) => child.stdout.on('data', (chunk: Buffer) => chunk.toString().includes('logged') && done()));
    await new Promise((done) => setTimeout(done, 2500));
    const listed = JSON.parse(cli(dir, 'list', '--json').stdout);
    expect(listed).toHaveLength(1);
    expect(listed[0]).toMatchObject({ status: 'running', metrics: { loss: 0.25 } });
    child.kill('SIGTERM');
    expect(await exited).not.toBe(0);
  }, 30_000);

  it.skipIf(!hasMatplotlib)('keeps a matplotlib figure, numpy images, a table, a dict and text as artifacts', () => {
    const dir = makeRepo({ commit: true });
    copyFileSync(join(FIXTURES, 'artifacts_media.py'), join(dir, 'artifacts_media.py'));
    const r = cli(dir, 'run', '--', PYTHON, 'artifacts_media.py');
    expect(r.code, r.stderr).toBe(0);
    const id = /recorded run ([0-9a-f]{12})/.exec(r.stderr)![1]!;
    const m = JSON.parse(cli(dir, 'show', id, '--json').stdout);
    expect(m.artifacts.map((a: { path: string }) => a.path)).toEqual([
      'config.yaml', 'images/gradient.png', 'images/samples/step_000000.png', 'images/samples/step_000001.png',
      'images/samples/step_000002.png', 'notes/hello.txt', 'plots/loss.png', 'plots/loss.svg', 'tables/loss.json',
    ]);
    const out = tempDir('gt-get-');
    expect(cli(dir, 'get', id, '-o', out).code).toBe(0);
    const bytes = (p: string) => readFileSync(join(out, p));
    // PNGs that read back as the images logged: a signature, then IHDR width and height.
    for (const [path, width, height] of [['plots/loss.png', 640, 480], ['images/gradient.png', 16, 32], ['images/samples/step_000002.png', 8, 8]] as const) {
      const png = bytes(path);
      expect(png.subarray(0, 8).toString('hex')).toBe('89504e470d0a1a0a');
      expect([png.readUInt32BE(16), png.readUInt32BE(20)]).toEqual([width, height]);
    }
    const decoded = spawnSync(PYTHON, ['-c', 'import sys, matplotlib.image as i; a = i.imread(sys.argv[1]); print(a.shape, round(float(a[0, 0, 0]), 3), round(float(a[-1, -1, 2]), 3))', join(out, 'images/gradient.png')], { encoding: 'utf8' });
    expect(decoded.stdout.trim()).toBe('(32, 16, 3) 0.0 1.0');
    expect(bytes('plots/loss.svg').toString()).toMatch(/<svg/);
    expect(JSON.parse(bytes('tables/loss.json').toString())).toEqual({ columns: ['epoch', 'loss'], data: [[0, 1.0], [1, 0.5]] });
    expect(bytes('notes/hello.txt').toString()).toBe('hello\n');
    expect(bytes('config.yaml').toString()).toMatch(/model/);
  });
});

describe('LightGBM autolog (lightgbm 4.5.0 from PyPI into a venv; skipped offline)', () => {
  it.skipIf(!hasVenv || !hasSklearn)('records params, per-iteration series, the best iteration, feature importance and a model that predicts the same', (ctx) => {
    const env = venv({ systemSitePackages: true });
    const installed = pip(env, 'install', 'lightgbm==4.5.0');
    if (installed.status !== 0) {
      console.warn(`python-package.slow.test: skipping LightGBM: cannot install lightgbm: ${installed.stderr.trim().split('\n').pop()}`);
      ctx.skip();
    }
    const py = join(env, 'bin', 'python');
    const dir = makeRepo({ commit: true });
    copyFileSync(join(FIXTURES, 'lgb_train.py'), join(dir, 'lgb_train.py'));
    const r = cli(dir, 'run', '--no-system-metrics', '--', py, 'lgb_train.py');
    expect(r.code, r.stderr).toBe(0);
    const e = JSON.parse(readFileSync(join(dir, 'expected.json'), 'utf8'));
    const show = (id: string) => JSON.parse(cli(dir, 'show', id, '--json').stdout);
    const tsv = (id: string, name: string) => git(dir, 'show', `runs:runs/${id.slice(0, 2)}/${id}/series/${name}.tsv`).trim().split('\n').slice(1).map((l) => l.split('\t'));
    const booster = show(e.booster);
    expect(booster.params).toMatchObject({ objective: 'binary', learning_rate: 0.3, num_leaves: 7, num_boost_round: 300 });
    expect(booster.series).toEqual(['valid_0-binary_logloss']);
    expect(booster.metrics.best_iteration).toBe(e.best_iteration - 1);
    const points = tsv(e.booster, 'valid_0-binary_logloss');
    const stopped = booster.metrics.stopped_iteration;
    expect(stopped).toBe(e.best_iteration - 1 + 5); // early_stopping(5): five rounds without improvement
    expect(points.map((p) => Number(p[0]))).toEqual([...Array.from({ length: stopped + 1 }, (_, i) => i), stopped + 1]);
    expect(booster.metrics['valid_0-binary_logloss']).toBe(Number(points[e.best_iteration - 1]![1]));
    const clf = show(e.classifier);
    expect(clf).toMatchObject({ params: { n_estimators: 15, num_leaves: 5 }, tags: { estimator_name: 'LGBMClassifier' } });
    expect(tsv(e.classifier, 'valid_0-binary_logloss')).toHaveLength(15);
    for (const [m, load, key] of [[booster, 'b = lgb.Booster(model_file=sys.argv[1]); p = b.predict(X_val)', 'booster_pred'], [clf, 'b = lgb.Booster(model_file=sys.argv[1]); p = b.predict(X_val)', 'clf_pred']] as const) {
      expect(m.artifacts.map((a: { path: string }) => a.path)).toEqual(['feature_importance_gain.json', 'feature_importance_split.json', 'model/model.txt']);
      const cache = (a: { sha256: string }) => join(dir, '.git', 'git-track', 'objects', 'sha256', a.sha256.slice(0, 2), a.sha256.slice(2));
      expect(Object.keys(JSON.parse(readFileSync(cache(m.artifacts[1]), 'utf8')))).toHaveLength(30);
      const check = spawnSync(py, ['-c', `import json, sys
import numpy as np, lightgbm as lgb
from sklearn.datasets import load_breast_cancer
from sklearn.model_selection import train_test_split
X, y = load_breast_cancer(return_X_y=True)
_, X_val, _, _ = train_test_split(X, y, test_size=0.25, random_state=0)
${load}
print(np.allclose(p, json.load(open('expected.json'))['${key}']))`, cache(m.artifacts[2])], { cwd: dir, encoding: 'utf8', env: pyEnv() });
      expect(check.stdout.trim(), check.stderr).toBe('True');
    }
  }, 300_000);
});
