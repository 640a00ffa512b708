// Benchmark: `git-track import mlflow` of a file store of N runs (10 params, 5 metrics × 100
// steps, 3 tags, one small artifact each), laid out as MLflow 2.22's file store writes it.
// Reference, measured in the same run: `git-track log` of one run with the same params and
// metrics as a new process, times N (what a script looping over the runs would cost).
// usage: node bench/import-mlflow.mjs [--runs 1000]
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { fmt, printTable } from './stats.mjs';

const at = process.argv.indexOf('--runs');
const N = at > 0 ? Number(process.argv[at + 1]) : 1000;
const BIN = resolve(import.meta.dirname, '..', 'bin', 'git-track.js');
const root = mkdtempSync(join(tmpdir(), 'gt-bench-import-'));
const store = join(root, 'mlruns');
const env = { ...process.env, GIT_AUTHOR_NAME: 'Bench', GIT_AUTHOR_EMAIL: 'bench@example.com', GIT_COMMITTER_NAME: 'Bench', GIT_COMMITTER_EMAIL: 'bench@example.com' };

function writeStore() {
  const exp = join(store, '1');
  mkdirSync(exp, { recursive: true });
  writeFileSync(join(exp, 'meta.yaml'), `artifact_location: file://${exp}\ncreation_time: 1700000000000\nexperiment_id: '1'\nlast_update_time: 1700000000000\nlifecycle_stage: active\nname: bench\n`);
  for (let i = 0; i < N; i++) {
    const id = i.toString(16).padStart(32, '0');
    const dir = join(exp, id);
    for (const sub of ['params', 'metrics', 'tags', 'artifacts']) mkdirSync(join(dir, sub), { recursive: true });
    const start = 1700000000000 + i * 60_000;
    writeFileSync(join(dir, 'meta.yaml'), `artifact_uri: file://${dir}/artifacts\nend_time: ${start + 30_000}\nentry_point_name: ''\nexperiment_id: '1'\nlifecycle_stage: active\nrun_id: ${id}\nrun_name: run-${i}\nrun_uuid: ${id}\nsource_name: ''\nsource_type: 4\nsource_version: ''\nstart_time: ${start}\nstatus: 3\ntags: []\nuser_id: bench\n`);
    for (let p = 0; p < 10; p++) writeFileSync(join(dir, 'params', `p${p}`), String(p * i));
    for (let m = 0; m < 5; m++) {
      let text = '';
      for (let s = 0; s < 100; s++) text += `${start + s * 100} ${Math.sin(s + m + i)} ${s}\n`;
      writeFileSync(join(dir, 'metrics', `m${m}`), text);
    }
    writeFileSync(join(dir, 'tags', 'mlflow.runName'), `run-${i}`);
    writeFileSync(join(dir, 'tags', 'mlflow.user'), 'bench');
    writeFileSync(join(dir, 'tags', 'team'), 'growth');
    writeFileSync(join(dir, 'artifacts', 'model.txt'), `model ${i}`);
  }
}

function repo() {
  const dir = mkdtempSync(join(root, 'repo-'));
  execFileSync('git', ['init', '-q', '-b', 'main'], { cwd: dir });
  return dir;
}

function time(fn) {
  const start = process.hrtime.bigint();
  fn();
  return Number(process.hrtime.bigint() - start) / 1e6;
}

writeStore();
const target = repo();
const imported = time(() => execFileSync(process.execPath, [BIN, 'import', 'mlflow', store], { cwd: target, env, stdio: ['ignore', 'ignore', 'inherit'] }));
const again = time(() => execFileSync(process.execPath, [BIN, 'import', 'mlflow', store], { cwd: target, env, stdio: 'ignore' }));
const count = execFileSync('git', ['rev-list', '--count', '--first-parent', 'runs'], { cwd: target, encoding: 'utf8' }).trim();
execFileSync('git', ['fsck', '--strict'], { cwd: target, stdio: 'ignore' });

// Reference: one `git-track log` process per run, 20 runs, scaled to N.
const ref = repo();
const params = Array.from({ length: 10 }, (_, p) => ['-p', `p${p}=${p}`]).flat();
const metrics = Array.from({ length: 5 }, (_, m) => ['-m', `m${m}=0.5`]).flat();
const SAMPLE = 20;
const logged = time(() => {
  for (let i = 0; i < SAMPLE; i++) execFileSync(process.execPath, [BIN, 'log', ...params, ...metrics, '-t', 'team=growth'], { cwd: ref, env, stdio: 'ignore' });
});

console.log(`\nimport mlflow of a file store of ${N} runs (10 params, 5 metrics × 100 steps, 1 artifact each); ${Number(count) - 1} runs on the branch after, fsck clean`);
printTable(
  ['what', 'total', 'per run'],
  [
    ['git-track import mlflow', fmt(imported), fmt(imported / N)],
    ['import again (all skipped)', fmt(again), fmt(again / N)],
    [`reference: git-track log per run (${SAMPLE} runs, scaled)`, fmt((logged / SAMPLE) * N), fmt(logged / SAMPLE)],
  ],
);
rmSync(root, { recursive: true, force: true });
