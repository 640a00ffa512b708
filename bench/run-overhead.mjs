// Overhead of capturing runs, measured side by side with the reference it adds to:
//   - `git-track run -- true` against `true` alone (and `node -e 0`, the floor of any Node CLI);
//   - logging 100,000 metric steps through the library (tracker.startRun) and through the
//     Python helper (inside a staging dir), plus recording those steps as a run.
// Needs a build (node scripts/build.mjs --no-types). Usage: node bench/run-overhead.mjs [steps]
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';

const ROOT = resolve(import.meta.dirname, '..');
const BIN = join(ROOT, 'bin', 'git-track.js');
const STEPS = Number(process.argv[2] ?? 100_000);
const env = {
  ...process.env,
  GIT_AUTHOR_NAME: 'Bench',
  GIT_AUTHOR_EMAIL: 'bench@example.com',
  GIT_COMMITTER_NAME: 'Bench',
  GIT_COMMITTER_EMAIL: 'bench@example.com',
};

const repo = mkdtempSync(join(tmpdir(), 'gt-bench-run-'));
execFileSync('git', ['init', '-q', '-b', 'main', repo]);
execFileSync('git', ['-C', repo, 'commit', '-q', '--allow-empty', '-m', 'init'], { env });

function time(fn) {
  const t = process.hrtime.bigint();
  fn();
  return Number(process.hrtime.bigint() - t) / 1e6;
}
function median(xs) {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)];
}
function bench(label, n, fn) {
  fn(); // warm-up: page cache, first-run branch creation
  const ms = median(Array.from({ length: n }, () => time(fn)));
  return { label, ms };
}
function run(cmd, args, options = {}) {
  const r = spawnSync(cmd, args, { cwd: repo, env, encoding: 'utf8', ...options });
  if (r.status !== 0) throw new Error(`${cmd} ${args.join(' ')} failed: ${r.stderr}`);
  return r;
}
function python() {
  for (const c of ['/usr/bin/python3', 'python3']) if (spawnSync(c, ['-c', '0']).status === 0) return c;
  return null;
}

const rows = [];
const trueAlone = bench('true (alone)', 20, () => run('true', []));
const nodeFloor = bench('node -e 0', 10, () => run(process.execPath, ['-e', '0']));
const gtRun = bench('git-track run -- true', 10, () => run(process.execPath, [BIN, 'run', '--', 'true']));
rows.push(trueAlone, nodeFloor, gtRun);

// The library, in a fresh process so nothing is warm but the file cache.
const apiScript = `
import { openTracker } from ${JSON.stringify(join(ROOT, 'dist', 'index.js'))};
const tracker = openTracker({ dir: ${JSON.stringify(repo)} });
const run = tracker.startRun({ name: 'bench' });
let t = process.hrtime.bigint();
for (let i = 0; i < ${STEPS}; i++) run.logMetric('loss', 1 / (i + 1), { step: i });
const logMs = Number(process.hrtime.bigint() - t) / 1e6;
t = process.hrtime.bigint();
await run.finish();
const finishMs = Number(process.hrtime.bigint() - t) / 1e6;
console.log(JSON.stringify({ logMs, finishMs }));`;
const api = JSON.parse(run(process.execPath, ['--input-type=module', '-e', apiScript]).stdout);

const py = python();
let pyInside = null;
let pyRun = null;
if (py) {
  const staging = mkdtempSync(join(tmpdir(), 'gt-bench-staging-'));
  const pyScript = `
import time, git_track
t = time.perf_counter()
for i in range(${STEPS}):
    git_track.log_metric("loss", 1.0 / (i + 1), step=i)
git_track.flush()
print((time.perf_counter() - t) * 1000)`;
  const pyEnv = { ...env, PYTHONPATH: join(ROOT, 'python') };
  pyInside = Number(run(py, ['-c', pyScript], { env: { ...pyEnv, GIT_TRACK_RUN_DIR: staging } }).stdout.trim().split('\n').at(-1));
  rmSync(staging, { recursive: true, force: true });
  const wall = time(() => run(process.execPath, [BIN, 'run', '--', py, '-c', pyScript]));
  pyRun = wall;
}

const fmt = (ms) => `${ms.toFixed(1).padStart(9)} ms`;
console.log(`git-track run overhead (median; ${STEPS.toLocaleString('en-US')} metric steps)`);
for (const r of rows) console.log(`  ${r.label.padEnd(44)}${fmt(r.ms)}`);
console.log(`  ${'overhead of git-track run over true'.padEnd(44)}${fmt(gtRun.ms - trueAlone.ms)}  (${(gtRun.ms / nodeFloor.ms).toFixed(2)}x node -e 0)`);
console.log(`  ${'library: log steps (in process)'.padEnd(44)}${fmt(api.logMs)}  (${((api.logMs * 1000) / STEPS).toFixed(3)} us/step)`);
console.log(`  ${'library: finish (record steps as a run)'.padEnd(44)}${fmt(api.finishMs)}`);
if (py) {
  console.log(`  ${'python helper: log steps (in process)'.padEnd(44)}${fmt(pyInside)}  (${((pyInside * 1000) / STEPS).toFixed(3)} us/step)`);
  console.log(`  ${'git-track run -- python (log + record, wall)'.padEnd(44)}${fmt(pyRun)}`);
} else {
  console.log('  python helper: skipped (no python3)');
}
rmSync(repo, { recursive: true, force: true });
