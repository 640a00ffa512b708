/**
 * Real end to end: a LightningModule trained by a real Lightning Trainer with GitTrackLogger,
 * under `git-track run` and standalone. Debian's python3-torch (.ci/run) with Lightning from
 * PyPI installed into a venv on top of it, `--no-deps` so no other torch is pulled: pinned
 * lightning 2.2.5 (the last release supporting torch 1.13, Debian's) and the pure-Python
 * packages it imports that Debian's python lacks. Skipped, saying why, without torch or venv,
 * or when PyPI cannot be reached; a failing install with PyPI reachable fails.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { BIN, cli, git, makeRepo, tempDir, testGitEnv } from '../helpers/repo.js';

const PYTHON = '/usr/bin/python3';
const HELPER_DIR = resolve(import.meta.dirname, '..', '..', 'python');
const GIT_TRACK_BIN = `${process.execPath} ${BIN}`;
const PINS = ['lightning==2.2.5', 'lightning-utilities==0.11.9', 'torchmetrics==1.4.3', 'fsspec==2024.6.1', 'tqdm==4.67.1'];

const hasTorch = existsSync(PYTHON) && spawnSync(PYTHON, ['-c', 'import torch, venv, ensurepip']).status === 0;
if (!hasTorch) console.warn('python-lightning.slow.test: skipping: /usr/bin/python3 cannot import torch and venv (apt-get install python3-torch python3-venv)');

/** The script: a two-layer net on random tensors, 4 batches an epoch, 3 epochs. */
const SCRIPT = `import json, sys
import torch
import lightning as L
from torch.utils.data import DataLoader, TensorDataset
import git_track
from git_track.lightning import GitTrackLogger


class Tiny(L.LightningModule):
    def __init__(self, lr=0.05, hidden=8, fail_at_epoch=-1, interrupt=False):
        super().__init__()
        self.save_hyperparameters()
        self.net = torch.nn.Sequential(torch.nn.Linear(4, hidden), torch.nn.ReLU(), torch.nn.Linear(hidden, 1))

    def _register_sharded_tensor_state_dict_hooks_if_available(self):
        pass  # Debian's torch 1.13 cannot import torch.distributed._shard on Python 3.11 (a dataclass error)

    def training_step(self, batch, _):
        if self.current_epoch == self.hparams.fail_at_epoch:
            raise KeyboardInterrupt() if self.hparams.interrupt else RuntimeError("diverged")
        x, y = batch
        loss = torch.nn.functional.mse_loss(self.net(x), y)
        self.log("train_loss", loss)
        return loss

    def validation_step(self, batch, _):
        x, y = batch
        self.log("val_loss", torch.nn.functional.mse_loss(self.net(x), y))

    def test_step(self, batch, _):
        x, y = batch
        self.log("test_loss", torch.nn.functional.mse_loss(self.net(x), y))

    def configure_optimizers(self):
        return torch.optim.SGD(self.parameters(), lr=self.hparams.lr)


torch.manual_seed(0)
data = TensorDataset(torch.randn(32, 4), torch.randn(32, 1))
train, val = DataLoader(data, batch_size=8), DataLoader(data, batch_size=16)


def trainer(logger):
    return L.Trainer(logger=logger, max_epochs=3, enable_checkpointing=False, log_every_n_steps=1,
                     enable_progress_bar=False, enable_model_summary=False, accelerator="cpu")


out = {}
logger = GitTrackLogger(run_name="tiny", experiment_name="lightning")
if sys.argv[1] == "fit":
    trainer(logger).fit(Tiny(), train, val)
    out["fit"] = logger.version
    trainer(logger).test(Tiny(), val)
    out["test"] = logger.version
elif sys.argv[1] == "fail":
    try:
        trainer(logger).fit(Tiny(fail_at_epoch=1), train, val)
    except RuntimeError as err:
        out["error"] = str(err)
    out["fit"] = logger.version
elif sys.argv[1] == "interrupt":  # Lightning stops the fit on Ctrl-C and returns
    trainer(logger).fit(Tiny(fail_at_epoch=2, interrupt=True), train, val)
    out["fit"] = logger.version
elif sys.argv[1] == "inside":
    with git_track.start_run(run_name="outer") as run:
        trainer(logger).fit(Tiny(lr=0.1), train, val)
        out["outer"], out["fit"] = run.info.run_id, logger.version
        git_track.log_metric("after_fit", 1.0)
print(json.dumps(out))
`;

/** The venv's interpreter; empty when Lightning could not be installed (each test then skips). */
let python = '';

beforeAll(() => {
  if (!hasTorch) return;
  const env = join(tempDir('gt-lightning-'), 'venv');
  const made = spawnSync(PYTHON, ['-m', 'venv', '--system-site-packages', env], { encoding: 'utf8' });
  if (made.status !== 0) throw new Error(made.stderr);
  const pip = spawnSync(join(env, 'bin', 'pip'), ['--disable-pip-version-check', '-q', 'install', '--no-deps', ...PINS], { encoding: 'utf8', timeout: 300_000 });
  if (pip.status !== 0) {
    const probe = spawnSync(PYTHON, ['-c', 'import urllib.request; urllib.request.urlopen("https://pypi.org/simple/lightning/", timeout=15)'], { encoding: 'utf8', timeout: 30_000 });
    if (probe.status === 0) throw new Error(`PyPI is reachable but installing ${PINS.join(' ')} failed: ${pip.stderr}`);
    console.warn(`python-lightning.slow.test: skipping: PyPI is unreachable (${probe.stderr.trim().split('\n').pop()})`);
    return;
  }
  python = join(env, 'bin', 'python');
}, 330_000);

const show = (dir: string, id: string) => JSON.parse(cli(dir, 'show', id, '--json').stdout);
/** A series' rows as [step, value] (git's view of what was recorded). */
const rows = (dir: string, id: string, name: string) =>
  git(dir, 'show', `runs:runs/${id.slice(0, 2)}/${id}/series/${name}.tsv`).trim().split('\n').slice(1).map((l) => l.split('\t').slice(0, 2).map(Number));

function script(): string {
  const dir = makeRepo({ commit: true });
  writeFileSync(join(dir, 'train_lightning.py'), SCRIPT);
  return dir;
}

function standalone(dir: string, mode: string) {
  const r = spawnSync(python, ['train_lightning.py', mode], { cwd: dir, encoding: 'utf8', env: testGitEnv({ PYTHONPATH: HELPER_DIR, GIT_TRACK_BIN }) });
  expect(r.status, r.stderr).toBe(0);
  return JSON.parse(r.stdout.trim().split('\n').pop()!);
}

describe.skipIf(!hasTorch)('GitTrackLogger with a real Lightning Trainer (lightning 2.2.5 from PyPI)', () => {
  it('under git-track run: the process\'s run holds the hyperparams, a row per logged step and the fit\'s status; test after fit is its child', (ctx) => {
    if (!python) return ctx.skip();
    const dir = script();
    const r = cli(dir, 'run', '--no-system-metrics', '--', python, 'train_lightning.py', 'fit');
    expect(r.code, r.stderr).toBe(0);
    const out = JSON.parse(r.stdout.trim().split('\n').pop()!);
    expect(r.stderr).toContain(`recorded run ${out.fit} (finished`);
    const fit = show(dir, out.fit);
    expect(fit).toMatchObject({ name: 'tiny', experiment: 'lightning', status: 'finished', params: { lr: 0.05, hidden: 8, fail_at_epoch: -1 } });
    expect(fit.command).toEqual([python, 'train_lightning.py', 'fit']);
    expect(fit.series).toEqual(['epoch', 'train_loss', 'val_loss']);
    // 3 epochs of 4 batches, every step logged (log_every_n_steps=1); validation once an epoch.
    expect(rows(dir, out.fit, 'train_loss').map(([step]) => step)).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11]);
    expect(rows(dir, out.fit, 'val_loss').map(([step]) => step)).toEqual([3, 7, 11]);
    expect(fit.metrics.train_loss).toBe(rows(dir, out.fit, 'train_loss')[11]![1]);
    const test = show(dir, out.test);
    expect(test).toMatchObject({ parent: out.fit, status: 'finished' });
    expect(test.series ?? []).toEqual([]); // one value each: metrics, not series
    expect(Object.keys(test.metrics).sort()).toEqual(['epoch', 'test_loss']);
    expect(git(dir, 'fsck', '--strict').trim()).toBe('');
  }, 120_000);

  it('standalone: a fit is recorded when it ends, a failing fit as failed, an interrupted one as killed, and inside start_run the logger joins that run', (ctx) => {
    if (!python) return ctx.skip();
    const dir = script();
    const ok = standalone(dir, 'fit');
    expect(show(dir, ok.fit)).toMatchObject({ name: 'tiny', status: 'finished', params: { lr: 0.05 } });
    expect(rows(dir, ok.fit, 'train_loss')).toHaveLength(12);

    const failed = standalone(dir, 'fail');
    expect(failed.error).toBe('diverged');
    const f = show(dir, failed.fit);
    expect(f).toMatchObject({ name: 'tiny', status: 'failed', params: { fail_at_epoch: 1 } });
    expect(rows(dir, failed.fit, 'train_loss').map(([step]) => step)).toEqual([0, 1, 2, 3]); // epoch 0 only
    expect(f.series).toEqual(['epoch', 'train_loss']); // one validation, so val_loss is a metric
    expect(typeof f.metrics.val_loss).toBe('number');

    const interrupted = standalone(dir, 'interrupt');
    expect(show(dir, interrupted.fit)).toMatchObject({ status: 'killed', params: { interrupt: true } });
    expect(rows(dir, interrupted.fit, 'train_loss')).toHaveLength(8);

    const inside = standalone(dir, 'inside');
    expect(inside.fit).toBe(inside.outer);
    const joined = show(dir, inside.outer);
    expect(joined).toMatchObject({ name: 'outer', status: 'finished', params: { lr: 0.1 }, metrics: { after_fit: 1 } });
    expect(rows(dir, inside.outer, 'val_loss')).toHaveLength(3);
    expect(cli(dir, 'list', '--json').code).toBe(0);
  }, 180_000);

  it('import git_track loads neither torch nor Lightning; git_track.pytorch.GitTrackLogger is a Lightning Logger', (ctx) => {
    if (!python) return ctx.skip();
    const r = spawnSync(python, ['-c', `import sys, git_track, git_track.pytorch
print(sorted(m for m in ("torch", "lightning") if m in sys.modules))
from lightning.pytorch.loggers import Logger
from git_track.lightning import GitTrackLogger
print(git_track.pytorch.GitTrackLogger is GitTrackLogger and issubclass(GitTrackLogger, Logger))`], { encoding: 'utf8', env: testGitEnv({ PYTHONPATH: HELPER_DIR }) });
    expect(r.stdout.trim().split('\n'), r.stderr).toEqual(['[]', 'True']);
  });
});
