// Benchmark of the dashboard server (`git-track ui`) at 100,000 runs, printed beside the same
// figures at 1,000 runs (the reference, measured in the same run):
//   - server start (a new `git-track ui` process) to the first runs page served, with the
//     query index cold (fresh clone) and warm;
//   - a filtered page (a filter not asked before), and a page far down the same result
//     (scrolling a virtualised table);
//   - the server's peak RSS after those (budget: 250 MB at 100,000 runs), on an index already
//     up to date; beside it the RSS of `git-track list` bringing the index up to date after
//     new runs, which a server that is running when runs arrive pays the same way;
//   - a series request of 10 runs × 100,000 steps, LTTB-downsampled to 1,000 points a line.
// Run after a build: node scripts/build.mjs --no-types && node bench/ui-server.mjs [sizes…]
// Figures also go to test-output/bench/ui-server.json.
import { spawn, spawnSync } from 'node:child_process';
import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { fixtureRepo } from './fixture.mjs';

const ROOT = resolve(import.meta.dirname, '..');
const BIN = join(ROOT, 'bin', 'git-track.js');
const FILTER = "metrics.metric_0 > 0.9 AND params.param_00 = 'value-3' AND NOT status = 'failed'";
const sizes = process.argv.slice(2).map(Number).filter((n) => n > 0);
const SIZES = sizes.length ? sizes : [1_000, 100_000];
const STEPS = 100_000;
const SERIES_RUNS = 10;
const env = { ...process.env, GIT_AUTHOR_NAME: 'Bench', GIT_AUTHOR_EMAIL: 'bench@example.com', GIT_COMMITTER_NAME: 'Bench', GIT_COMMITTER_EMAIL: 'bench@example.com', NO_COLOR: '1' };

const now = () => Number(process.hrtime.bigint()) / 1e6;

/** Start `git-track ui` in `dir`; resolves with its URL and process once it printed it. */
function startUi(dir) {
  const child = spawn(process.execPath, [BIN, 'ui'], { cwd: dir, env, stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  return new Promise((done, fail) => {
    child.stdout.on('data', (d) => {
      out += d;
      const m = /(http:\/\/\S+\/)/.exec(out);
      if (m) done({ url: m[1], child });
    });
    child.once('exit', (code) => fail(new Error(`git-track ui exited ${code}`)));
  });
}

async function get(url) {
  const res = await fetch(url);
  const body = await res.json();
  if (res.status !== 200) throw new Error(`${url}: ${res.status} ${JSON.stringify(body).slice(0, 300)}`);
  return body;
}

/** Start to first page: a new server each time; returns ms and stops it. */
async function startToFirstPage(dir) {
  const t0 = now();
  const ui = await startUi(dir);
  const page = await get(`${ui.url}api/runs?limit=100`);
  const ms = now() - t0;
  ui.child.kill('SIGINT');
  await new Promise((r) => ui.child.once('exit', r));
  return { ms, total: page.total };
}

function peakRssMb(pid) {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  return Number(/VmHWM:\s+(\d+) kB/.exec(status)[1]) / 1024;
}

/** Log SERIES_RUNS runs with a STEPS-step series each; returns their ids. */
function logSeriesRuns(dir) {
  const rows = ['step,loss,timestamp'];
  const t0 = Date.UTC(2026, 0, 1) / 1000;
  for (let s = 0; s < STEPS; s++) rows.push(`${s},${(1 / (1 + s / 1000) + 0.01 * Math.sin(s)).toFixed(6)},${t0 + s}`);
  writeFileSync(join(dir, 'series.csv'), `${rows.join('\n')}\n`);
  const ids = [];
  for (let i = 0; i < SERIES_RUNS; i++) {
    const r = spawnSync(process.execPath, [BIN, 'log', '--name', `long-${i}`, '--series', 'series.csv'], { cwd: dir, env, encoding: 'utf8' });
    if (r.status !== 0) throw new Error(r.stderr);
    ids.push(r.stdout.trim());
  }
  return ids;
}

async function measure(n) {
  const dir = fixtureRepo(n);
  try {
    const cold = await startToFirstPage(dir);
    const warm = [];
    for (let i = 0; i < 3; i++) warm.push((await startToFirstPage(dir)).ms);
    const ids = logSeriesRuns(dir);
    // The first reader after new runs brings the query index up to date (a library cost that
    // `list` pays too): measured apart, with `list`, so the server's figure is its own.
    const update = spawnSync('/usr/bin/time', ['-f', '%M', process.execPath, BIN, 'list', '--limit', '1'], { cwd: dir, env, encoding: 'utf8' });
    const indexUpdateRssMb = Number(update.stderr.trim().split('\n').at(-1)) / 1024;
    const ui = await startUi(dir);
    await get(`${ui.url}api/runs?limit=100`);
    let t = now();
    const filtered = await get(`${ui.url}api/runs?limit=100&filter=${encodeURIComponent(FILTER)}`);
    const filterMs = now() - t;
    t = now();
    const sorted = await get(`${ui.url}api/runs?limit=100&sort=-metrics.metric_3`);
    const sortMs = now() - t;
    t = now();
    await get(`${ui.url}api/runs?limit=100&sort=-metrics.metric_3&offset=${Math.floor(sorted.total / 2)}`);
    const scrollMs = now() - t;
    const seriesMs = [];
    let lines;
    for (let i = 0; i < 3; i++) {
      t = now();
      lines = (await get(`${ui.url}api/series?runs=${ids.join(',')}&metrics=loss&points=1000`)).lines;
      seriesMs.push(now() - t);
    }
    if (lines.length !== SERIES_RUNS || lines[0].x.length !== 1000 || lines[0].total !== STEPS) throw new Error('unexpected series answer');
    const rss = peakRssMb(ui.child.pid);
    ui.child.kill('SIGINT');
    await new Promise((r) => ui.child.once('exit', r));
    const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
    return { runs: cold.total, coldStartMs: cold.ms, warmStartMs: median(warm), filterMs, filtered: filtered.total, sortMs, scrollMs, seriesMs: median(seriesMs), rssMb: rss, indexUpdateRssMb };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

const results = [];
for (const n of SIZES) results.push({ size: n, ...(await measure(n)) });

const rows = [
  ['start → first runs page, cold index (ms)', 'coldStartMs'],
  ['start → first runs page, warm index (ms)', 'warmStartMs'],
  ['filtered page, new filter (ms)', 'filterMs'],
  ['sorted page, new sort (ms)', 'sortMs'],
  ['page in the middle, same sort (ms)', 'scrollMs'],
  [`series ${SERIES_RUNS} runs × ${STEPS.toLocaleString('en-US')} steps → 1,000 pts (ms)`, 'seriesMs'],
  ['server peak RSS (MB; budget 250 at 100k)', 'rssMb'],
  ['`list` RSS updating the index after new runs (MB)', 'indexUpdateRssMb'],
];
const head = ['', ...results.map((r) => `${r.size.toLocaleString('en-US')} runs`)];
const table = [head, ...rows.map(([label, key]) => [label, ...results.map((r) => r[key].toFixed(key.endsWith('RssMb') || key === 'rssMb' ? 0 : 1))])];
const widths = head.map((_, c) => Math.max(...table.map((r) => r[c].length)));
for (const r of table) console.log(r.map((cell, c) => (c === 0 ? cell.padEnd(widths[c]) : cell.padStart(widths[c]))).join('  '));
mkdirSync(join(ROOT, 'test-output', 'bench'), { recursive: true });
writeFileSync(join(ROOT, 'test-output', 'bench', 'ui-server.json'), `${JSON.stringify(results, null, 2)}\n`);
