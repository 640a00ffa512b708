// `git-track server` against MLflow's own `mlflow server` (SQLite backend, mlflow==2.22.0 from
// test/requirements/), same machine, same client workload, one server at a time:
//
// 1. log: 16 Python processes (the MLflow client, mlflow-skinny 2.22.0) × 20 runs, each run
//    create_run + one log_batch (10 params, 5 metrics × 100 steps) + set_terminated. Timed from
//    the moment every process has imported MLflow to the last run ended.
// 2. search: MlflowClient.search_runs with a filter over 10,000 runs (the same runs in both:
//    bench/fixture.mjs's runs, written to `runs` by git fast-import and into MLflow's SQLite
//    tables by SQL), a selective and a broad filter and a top-100 by a metric, median of 5
//    after the first (cold) call; each also through the client's own HTTP session without its
//    parsing (the difference is the client's cost per answer, the same for both servers), and
//    as a bare HTTP request from Node.
//
// Prints throughput, search time and each server's RSS (the whole process tree) side by side.
// Goals (DESIGN.md): log ≥ 2× MLflow's throughput, search ≥ 10× faster.
//
//   npm run build && node bench/mlflow-server.mjs [--processes 16] [--runs 20] [--search-runs 10000] [--mlflow-workers 4] [--skip-log]
//
// The MLflow venvs are the tests' (test/helpers/mlflow-venv.ts, cached under .cache/test-tools/);
// the first run installs them.
import { execFileSync, spawn, spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { build } from 'esbuild';
import { fixtureRepo, sampleId, sampleManifest } from './fixture.mjs';
import { median, printTable } from './stats.mjs';

const ROOT = resolve(import.meta.dirname, '..');
const BIN = join(ROOT, 'bin', 'git-track.js');
const OUT = join(ROOT, 'test-output', 'bench');
const arg = (name, fallback) => {
  const i = process.argv.indexOf(`--${name}`);
  return i > 0 ? Number(process.argv[i + 1]) : fallback;
};
const PROCESSES = arg('processes', 16);
const RUNS = arg('runs', 20);
const SEARCH_RUNS = arg('search-runs', 10000);
const MLFLOW_WORKERS = arg('mlflow-workers', 4);
const SKIP_LOG = process.argv.includes('--skip-log');
// A selective query (about 40 of the 10,000 runs) and a broad one (about 400): the Python
// client's own parsing of the runs it receives grows with the answer and is the same for both
// servers, so the broad query shows less of the servers' difference. The third is what a
// dashboard asks: the best 100 finished runs by a metric.
const SEARCHES = {
  selective: { filter: "metrics.metric_0 > 0.95 and params.param_00 = 'value-3'", max_results: 1000 },
  broad: { filter: "metrics.metric_0 > 0.5 and params.param_00 = 'value-3'", max_results: 1000 },
  'top-100': { filter: "attributes.status = 'FINISHED'", order_by: ['metrics.metric_0 DESC'], max_results: 100 },
};

mkdirSync(OUT, { recursive: true });
// The venv helper is TypeScript: bundled next to this output so its repository root resolves.
await build({ entryPoints: [join(ROOT, 'test', 'helpers', 'mlflow-venv.ts')], outfile: join(OUT, 'mlflow-venv.mjs'), format: 'esm', platform: 'node', bundle: true, logLevel: 'error' });
const { mlflowPython, startMlflowServer } = await import(join(OUT, 'mlflow-venv.mjs'));
const clientPython = mlflowPython('client');
const serverPython = mlflowPython('server');
const work = mkdtempSync(join(tmpdir(), 'gt-bench-mlflow-'));

/** RSS in MB of a process and every process in its process group. */
function rssMb(pid) {
  let kb = 0;
  for (const name of readdirSync('/proc')) {
    if (!/^\d+$/.test(name)) continue;
    try {
      const stat = readFileSync(`/proc/${name}/stat`, 'utf8');
      const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      if (Number(name) !== pid && Number(fields[2]) !== pid) continue;
      const m = /VmRSS:\s+(\d+)/.exec(readFileSync(`/proc/${name}/status`, 'utf8'));
      if (m) kb += Number(m[1]);
    } catch {
      // exited meanwhile
    }
  }
  return kb / 1024;
}

/** Sample a server's RSS every 100 ms until stopped; returns the peak. */
function watchRss(pid) {
  let peak = rssMb(pid);
  const timer = setInterval(() => (peak = Math.max(peak, rssMb(pid))), 100);
  return () => {
    clearInterval(timer);
    return Math.max(peak, rssMb(pid));
  };
}

async function startGitTrack(dir) {
  const child = spawn(process.execPath, [BIN, 'server', '--port', '0'], { cwd: dir, detached: true, stdio: ['ignore', 'ignore', 'pipe'] });
  let err = '';
  const url = await new Promise((ok, fail) => {
    child.stderr.on('data', (d) => {
      err += d;
      const m = /API on (http:\/\/\S+?)[\s(]/.exec(err);
      if (m) ok(m[1]);
    });
    child.once('exit', () => fail(new Error(`git-track server exited: ${err}`)));
  });
  return {
    url,
    pid: child.pid,
    stop: () =>
      new Promise((ok) => {
        child.once('exit', ok);
        child.kill('SIGTERM');
      }),
  };
}

async function startMlflow(dir) {
  mkdirSync(dir, { recursive: true });
  const server = await startMlflowServer(dir, { workers: MLFLOW_WORKERS, timeoutMs: 180_000 });
  return { url: server.url, pid: server.process.pid, stop: () => server.stop() };
}

async function createExperiment(url, name) {
  const res = await fetch(`${url}/api/2.0/mlflow/experiments/create`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ name }) });
  const body = await res.json();
  if (!res.ok) throw new Error(`${url}: create experiment ${name}: ${JSON.stringify(body)}`);
  return body.experiment_id;
}

const WORKER = `
import json, sys, time
from mlflow import MlflowClient
from mlflow.entities import Metric, Param
w, runs, exp = int(sys.argv[1]), int(sys.argv[2]), sys.argv[3]
c = MlflowClient()
print("ready", flush=True)
sys.stdin.readline()
for r in range(runs):
    run = c.create_run(exp, run_name=f"w{w}-r{r}")
    now = int(time.time() * 1000)
    metrics = [Metric(f"m{k}", (w * 1000 + r * 100 + s) / 10000, now + s, s) for k in range(5) for s in range(100)]
    c.log_batch(run.info.run_id, metrics=metrics, params=[Param(f"p{k}", str(w * 100 + r * 10 + k)) for k in range(10)])
    c.set_terminated(run.info.run_id)
print("done", flush=True)
`;

/** The log workload against `server`; returns seconds and the server's peak RSS. */
async function logWorkload(server) {
  const experiment = await createExperiment(server.url, 'bench-log');
  const script = join(work, 'worker.py');
  writeFileSync(script, WORKER);
  const workers = Array.from({ length: PROCESSES }, (_, w) =>
    spawn(clientPython, [script, String(w), String(RUNS), experiment], { env: { ...process.env, MLFLOW_TRACKING_URI: server.url }, stdio: ['pipe', 'pipe', 'pipe'] }),
  );
  const lines = workers.map((child) => {
    let out = '';
    let err = '';
    child.stderr.on('data', (d) => (err += d));
    const ready = new Promise((ok, fail) => {
      child.stdout.on('data', (d) => {
        out += d;
        if (out.includes('ready')) ok();
      });
      child.once('exit', (code) => fail(new Error(`worker exited ${code} before starting: ${err.slice(-2000)}`)));
    });
    const done = new Promise((ok, fail) => child.once('exit', (code) => (code === 0 ? ok() : fail(new Error(`worker failed (${code}): ${err.slice(-2000)}`)))));
    return { ready, done };
  });
  await Promise.all(lines.map((l) => l.ready));
  const peak = watchRss(server.pid);
  const t0 = performance.now();
  for (const child of workers) child.stdin.end('go\n');
  await Promise.all(lines.map((l) => l.done));
  const seconds = (performance.now() - t0) / 1000;
  return { seconds, rss: peak() };
}

// Each search through MlflowClient.search_runs, and the same request through a `requests`
// session like the client's own (keep-alive; no parsing into MLflow's objects): the difference is the
// client's own cost per answer (JSON and protobuf parsing), the same for both servers.
const SEARCH = `
import json, sys, time
from mlflow import MlflowClient
import requests
c = MlflowClient()
ids = [c.get_experiment_by_name(f"exp-{k}").experiment_id for k in range(10)]
session = requests.Session()
url = c.tracking_uri + "/api/2.0/mlflow/runs/search"
out = {"ids": ids}
for name, q in json.loads(sys.argv[1]).items():
    times, counts, raw = [], [], []
    for i in range(6):
        t = time.perf_counter()
        runs = c.search_runs(ids, q["filter"], max_results=q["max_results"], order_by=q.get("order_by"))
        times.append((time.perf_counter() - t) * 1000)
        counts.append(len(runs))
    for i in range(6):
        t = time.perf_counter()
        r = session.post(url, json={"experiment_ids": ids, **q})
        r.content
        raw.append((time.perf_counter() - t) * 1000)
    out[name] = {"times": times, "counts": counts, "raw": raw, "bytes": len(r.content)}
print(json.dumps(out))
`;

/**
 * The searches through the Python client (first call, then the median of 5), and the same
 * requests bare from Node (the server's time plus the transfer, without the Python client's
 * own cost, which is the same for both servers and grows with the answer).
 */
async function searchWorkload(server) {
  const script = join(work, 'search.py');
  writeFileSync(script, SEARCH);
  const peak = watchRss(server.pid);
  const r = spawnSync(clientPython, [script, JSON.stringify(SEARCHES)], { env: { ...process.env, MLFLOW_TRACKING_URI: server.url }, encoding: 'utf8', timeout: 1_800_000 });
  if (r.status !== 0) throw new Error(`search failed: ${r.stderr.slice(-2000)}`);
  const parsed = JSON.parse(r.stdout.trim().split('\n').pop());
  const out = { rss: 0 };
  for (const name of Object.keys(SEARCHES)) {
    const { times, counts, raw, bytes } = parsed[name];
    out[name] = { first: times[0], median: median(times.slice(1)), count: counts[0], raw: median(raw.slice(1)), bytes };
  }
  for (const name of Object.keys(SEARCHES)) {
    const http = [];
    for (let i = 0; i < 6; i++) {
      const t = performance.now();
      const res = await fetch(`${server.url}/api/2.0/mlflow/runs/search`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ experiment_ids: parsed.ids, ...SEARCHES[name] }) });
      await res.json();
      http.push(performance.now() - t);
    }
    out[name].http = median(http.slice(1));
  }
  out.rss = peak();
  return out;
}

/** The fixture's runs as MLflow rows, inserted by SQL into the server's SQLite database. */
function populateMlflow(dir, url, experimentIds) {
  const rows = [];
  for (let i = 0; i < SEARCH_RUNS; i++) {
    const m = sampleManifest(i, sampleId(i), '0'.repeat(40));
    const start = Date.parse(m.created);
    rows.push({
      id: sampleId(i).padStart(32, '0'),
      name: m.name,
      experiment: Number(experimentIds[m.experiment]),
      status: m.status.toUpperCase(),
      start,
      end: start + Math.round(m.duration_s * 1000),
      params: Object.entries(m.params).map(([k, v]) => [k, String(v)]),
      metrics: Object.entries(m.metrics),
      tags: [...Object.entries(m.tags), ['mlflow.runName', m.name], ['mlflow.user', m.author.name]],
    });
  }
  const file = join(work, 'runs.json');
  writeFileSync(file, JSON.stringify(rows));
  const script = `
import json, sqlite3, sys
rows = json.load(open(sys.argv[2]))
db = sqlite3.connect(sys.argv[1])
with db:
    for r in rows:
        db.execute("insert into runs (run_uuid, name, source_type, source_name, entry_point_name, user_id, status, start_time, end_time, source_version, lifecycle_stage, artifact_uri, experiment_id) values (?,?,?,?,?,?,?,?,?,?,?,?,?)",
            (r["id"], r["name"], "LOCAL", "", "", "Bench Author", r["status"], r["start"], r["end"], "", "active", "mlflow-artifacts:/%d/%s/artifacts" % (r["experiment"], r["id"]), r["experiment"]))
        db.executemany("insert into params (key, value, run_uuid) values (?,?,?)", [(k, v, r["id"]) for k, v in r["params"]])
        db.executemany("insert into metrics (key, value, timestamp, run_uuid, step, is_nan) values (?,?,?,?,0,0)", [(k, v, r["end"], r["id"]) for k, v in r["metrics"]])
        db.executemany("insert into latest_metrics (key, value, timestamp, step, is_nan, run_uuid) values (?,?,?,0,0,?)", [(k, v, r["end"], r["id"]) for k, v in r["metrics"]])
        db.executemany("insert into tags (key, value, run_uuid) values (?,?,?)", [(k, v, r["id"]) for k, v in r["tags"]])
`;
  writeFileSync(join(work, 'populate.py'), script);
  execFileSync(serverPython, [join(work, 'populate.py'), join(dir, 'mlflow.db'), file], { stdio: 'inherit' });
}

const results = {};
try {
  // 1. Log throughput, one server at a time.
  const repo = join(work, 'repo');
  mkdirSync(repo);
  execFileSync('sh', ['-c', 'git init -q -b main && git -c user.name=Bench -c user.email=b@example.com commit -q --allow-empty -m init && git config user.name Bench && git config user.email b@example.com'], { cwd: repo });
  let gt;
  let mf;
  if (!SKIP_LOG) {
    gt = await startGitTrack(repo);
    results.gitTrackLog = await logWorkload(gt);
    await gt.stop();
    const recorded = execFileSync('git', ['log', '--first-parent', '--format=%s', 'runs'], { cwd: repo, encoding: 'utf8' }).split('\n').filter((s) => s.startsWith('run ')).length;
    if (recorded !== PROCESSES * RUNS) throw new Error(`git-track recorded ${recorded} runs, expected ${PROCESSES * RUNS}`);

    mf = await startMlflow(join(work, 'mlflow-log'));
    results.mlflowLog = await logWorkload(mf);
    await mf.stop();
  }

  // 2. Search over the same 10,000 runs.
  const fixture = fixtureRepo(SEARCH_RUNS);
  gt = await startGitTrack(fixture);
  results.gitTrackSearch = await searchWorkload(gt);
  await gt.stop();
  rmSync(fixture, { recursive: true, force: true });

  mf = await startMlflow(join(work, 'mlflow-search'));
  const ids = {};
  for (let k = 0; k < 10; k++) ids[`exp-${k}`] = await createExperiment(mf.url, `exp-${k}`);
  populateMlflow(join(work, 'mlflow-search'), mf.url, ids);
  results.mlflowSearch = await searchWorkload(mf);
  await mf.stop();
} finally {
  rmSync(work, { recursive: true, force: true });
}

const mb = (x) => `${x.toFixed(0)} MB`;
const ms = (x) => `${x.toFixed(1)} ms`;
const g = results.gitTrackSearch;
const m = results.mlflowSearch;
const faster = (a, b) => `${(b / a).toFixed(1)}× faster`;
const rows = [];
if (!SKIP_LOG) {
  const total = PROCESSES * RUNS;
  const gRate = total / results.gitTrackLog.seconds;
  const mRate = total / results.mlflowLog.seconds;
  rows.push(
    ['log throughput (runs/s)', gRate.toFixed(1), mRate.toFixed(1), `${(gRate / mRate).toFixed(2)}× (goal ≥ 2×)`],
    ['log wall time', `${results.gitTrackLog.seconds.toFixed(1)} s`, `${results.mlflowLog.seconds.toFixed(1)} s`, ''],
    ['server RSS during log (peak)', mb(results.gitTrackLog.rss), mb(results.mlflowLog.rss), ''],
  );
}
for (const name of Object.keys(SEARCHES)) {
  const clientCost = (x) => Math.max(0, x.median - x.raw);
  rows.push(
    [`search, ${name} (${g[name].count} runs): median`, ms(g[name].median), ms(m[name].median), `${faster(g[name].median, m[name].median)} (goal ≥ 10×)`],
    [`search, ${name}: first call`, ms(g[name].first), ms(m[name].first), faster(g[name].first, m[name].first)],
    [`search, ${name}: same request by the client's HTTP session`, ms(g[name].raw), ms(m[name].raw), faster(g[name].raw, m[name].raw)],
    [`search, ${name}: client's own parsing (difference)`, ms(clientCost(g[name])), ms(clientCost(m[name])), ''],
    [`search, ${name}: bare HTTP (Node fetch), median`, ms(g[name].http), ms(m[name].http), faster(g[name].http, m[name].http)],
    [`search, ${name}: response size`, `${(g[name].bytes / 1024).toFixed(0)} KB`, `${(m[name].bytes / 1024).toFixed(0)} KB`, ''],
  );
  if (g[name].count !== m[name].count) rows.push([`search, ${name}: runs found`, g[name].count, m[name].count, 'DIFFERENT']);
}
rows.push(['server RSS during search (peak)', mb(g.rss), mb(m.rss), '']);
console.log(`\nlog: ${PROCESSES} processes × ${RUNS} runs (10 params, 5 metrics × 100 steps by log-batch); search over ${SEARCH_RUNS} runs:`);
for (const [name, q] of Object.entries(SEARCHES)) console.log(`  ${name}: ${JSON.stringify(q)}`);
console.log(`mlflow server: SQLite, ${MLFLOW_WORKERS} workers; load average at the end: ${readFileSync('/proc/loadavg', 'utf8').split(' ').slice(0, 3).join(' ')}\n`);
printTable(['', 'git-track server', 'mlflow server', 'ratio'], rows);
writeFileSync(join(OUT, 'mlflow-server.json'), `${JSON.stringify({ processes: PROCESSES, runs: RUNS, searchRuns: SEARCH_RUNS, mlflowWorkers: MLFLOW_WORKERS, ...results }, null, 2)}\n`);
