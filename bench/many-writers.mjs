// Benchmark: many training nodes pushing to one remote at the same moment. W clones (default
// 50) each log R runs (default 5), then all run `git-track push` at once, to a bare remote on
// this filesystem and to the same kind of remote behind git's smart HTTP (`git http-backend`).
// Reported: every run present exactly once (a fresh clone + `git-track pull` + `list`), the wall
// time from the first push started to the last one done, the pushes attempted (our own count,
// `attempts` in `push --json`, and for HTTP the server's count of receive-pack requests), and
// beside it, measured in the same run:
//   - one writer pushing all W×R runs alone (the budget's reference: ≤ 3×);
//   - W plain `git push`es of each clone's runs to a ref of its own, all at once (what W
//     concurrent pushes cost this machine with no contention at all: the floor).
//
// And where the time goes, from the kernel's accounting (Linux /proc): CPU seconds of the
// writers with every process they started (node, git push, pack-objects; over the filesystem
// also the remote's side, which runs in those processes), and over HTTP the CPU of the server
// side (git http-backend, receive-pack, index-pack / unpack-objects). W writers on 2 cores
// cannot finish before (their CPU / 2): the part of the ratio that is this machine simulating
// W nodes, not the protocol. Load averages are printed beside each figure.
//
//   node scripts/build.mjs --no-types && node bench/many-writers.mjs [--writers 50] [--runs 5]
//     [--transport file|http|both] [--json] [--root DIR: measure the build in DIR (another checkout)]
import { execFileSync, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { BENCH_ENV } from './stats.mjs';

const here = fileURLToPath(new URL('..', import.meta.url));
const arg = (name, fallback) => {
  const i = process.argv.indexOf(name);
  return i > 0 ? process.argv[i + 1] : fallback;
};
const root = resolve(arg('--root', here));
const BIN = resolve(root, 'bin', 'git-track.js');
const TICKS = Number(execFileSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).trim()) || 100;
/** CPU seconds of process `pid` itself and of its children it has reaped (utime, stime, cutime, cstime of /proc/<pid>/stat). */
function cpuOf(pid = 'self') {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  const n = (i) => Number(f[i - 3]);
  return { own: (n(14) + n(15)) / TICKS, children: (n(16) + n(17)) / TICKS };
}
const load = () => loadavg()[0].toFixed(1);
const CORES = (await import('node:os')).availableParallelism();
const WRITERS = Number(arg('--writers', 50));
const RUNS = Number(arg('--runs', 5));
const TRANSPORTS = arg('--transport', 'both') === 'both' ? ['file', 'http'] : [arg('--transport')];
const JSON_OUT = process.argv.includes('--json');
const SOLO_TIMES = 3;

const env = BENCH_ENV;
const git = (cwd, ...args) => execFileSync('git', args, { cwd, env, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
const gt = (cwd, ...args) => execFileSync(process.execPath, [BIN, ...args], { cwd, env, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
/** Start a process; resolves with its exit code and output. */
const run = (cwd, cmd, args) =>
  new Promise((res) => {
    const child = spawn(cmd, args, { cwd, env, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d) => (stdout += d));
    child.stderr.on('data', (d) => (stderr += d));
    child.on('close', (code) => res({ code, stdout, stderr }));
  });
const say = (line) => !JSON_OUT && console.log(line);

const { openTracker, defaultEnv } = await import(resolve(root, 'dist', 'index.js'));
const libEnv = () => defaultEnv({ vars: env, random: (n) => randomBytes(n) });

/** Log `count` runs (20 params, 10 metrics) in the clone at `dir`, through the library. */
async function logRuns(dir, count, base) {
  const tracker = openTracker({ dir, env: libEnv() });
  const head = git(dir, 'rev-parse', 'HEAD').trim();
  for (let i = 0; i < count; i++) {
    const params = Object.fromEntries(Array.from({ length: 20 }, (_, k) => [`p${k}`, (base + i) * k]));
    const metrics = Object.fromEntries(Array.from({ length: 10 }, (_, k) => [`m${k}`, (base + i + k) / 1000]));
    await tracker.log({ params, metrics, code: { commit: head, branch: 'main', dirty: false } });
  }
}

/** Start git's smart-HTTP server over `dir`, logging its requests to `log`. */
async function httpServer(dir, log) {
  const child = spawn(process.execPath, [join(here, 'test', 'helpers', 'git-http-server.mjs'), dir], {
    env: { ...env, GIT_HTTP_LOG: log },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  const port = await new Promise((res) => child.stdout.once('data', (d) => res(d.toString().trim())));
  return { url: `http://127.0.0.1:${port}`, pid: child.pid, stop: () => child.kill('SIGTERM') };
}

/** Pushes a server saw since `from` lines: receive-pack advertisements (each `git push` asks one). */
function serverPushes(log, from = 0) {
  let lines = [];
  try {
    lines = readFileSync(log, 'utf8').split('\n').filter(Boolean);
  } catch {}
  const rest = lines.slice(from);
  return {
    lines: lines.length,
    advertised: rest.filter((l) => l.startsWith('GET ') && l.includes('service=git-receive-pack')).length,
    posted: rest.filter((l) => l.startsWith('POST ') && l.endsWith('/git-receive-pack')).length,
  };
}

/** A bare remote with code on main and one run on `runs`, as a team's remote would be. */
function makeRemote(work, name, seed) {
  const bare = join(work, `${name}.git`);
  git(work, 'init', '-q', '--bare', '-b', 'main', bare);
  git(bare, 'config', 'http.receivepack', 'true');
  git(seed, 'push', '-q', bare, 'main', 'runs');
  return bare;
}

async function measure(transport) {
  const work = mkdtempSync(join(tmpdir(), `gt-bench-writers-${transport}-`));
  const log = join(work, 'http.log');
  const server = transport === 'http' ? await httpServer(work, log) : null;
  const urlOf = (bare) => (server ? `${server.url}/${bare.slice(work.length + 1)}` : bare);
  try {
    const seed = join(work, 'seed');
    git(work, 'init', '-q', '-b', 'main', seed);
    writeFileSync(join(seed, 'train.py'), 'print(1)\n');
    git(seed, 'add', '.');
    git(seed, 'commit', '-q', '-m', 'code');
    await logRuns(seed, 1, 0);
    const shared = makeRemote(work, 'shared', seed);
    // The reference is noisy on a shared machine: pushed to SOLO_TIMES remotes of its own, median taken.
    const alones = Array.from({ length: SOLO_TIMES }, (_, k) => makeRemote(work, `alone-${k}`, seed));
    const alone = alones[0];
    const floor = makeRemote(work, 'floor', seed);

    // W nodes: each a clone that has pulled (so it knows the remote), then trains and logs.
    const clones = [];
    for (let w = 0; w < WRITERS; w++) {
      const dir = join(work, `node-${w}`);
      git(work, 'clone', '-q', shared, dir);
      git(dir, 'remote', 'set-url', 'origin', urlOf(shared));
      git(dir, 'remote', 'add', 'floor', urlOf(floor));
      await openTracker({ dir, env: libEnv() }).pull({ remote: 'origin' });
      await logRuns(dir, RUNS, 1 + w * RUNS);
      clones.push(dir);
    }
    const solo = join(work, 'solo');
    git(work, 'clone', '-q', alone, solo);
    git(solo, 'remote', 'set-url', 'origin', urlOf(alone));
    await openTracker({ dir: solo, env: libEnv() }).pull({ remote: 'origin' });
    await logRuns(solo, WRITERS * RUNS, 1);
    say(`${transport}: ${WRITERS} clones with ${RUNS} new runs each, and one with ${WRITERS * RUNS}, ready`);

    /** Run `phase`, with its wall time, the CPU seconds of the processes it started and of the server, and the load average before and after. */
    const measured = async (phase) => {
      const c0 = cpuOf();
      const s0 = server ? cpuOf(server.pid) : null;
      const l0 = load();
      const t0 = performance.now();
      const value = await phase();
      const ms = performance.now() - t0;
      const c1 = cpuOf();
      const s1 = server ? cpuOf(server.pid) : null;
      const cpu = { clientCpuS: Number((c1.children - c0.children).toFixed(2)), serverCpuS: s0 ? Number((s1.own + s1.children - s0.own - s0.children).toFixed(2)) : null };
      return { value, ms, ...cpu, load: `${l0}→${load()}` };
    };

    // One writer, all runs, alone (the first push of them to each remote of its own; the median).
    const solos = [];
    for (const bare of alones) {
      const phase = await measured(() => run(solo, process.execPath, [BIN, 'push', '--json', urlOf(bare)]));
      if (phase.value.code !== 0) throw new Error(`solo push failed: ${phase.value.stderr}`);
      solos.push(phase);
    }
    const soloPhase = [...solos].sort((a, b) => a.ms - b.ms)[Math.floor(solos.length / 2)];
    const soloMs = soloPhase.ms;

    // The floor: W plain pushes, each to a ref of its own, at once.
    const floorPhase = await measured(() => Promise.all(clones.map((dir, w) => run(dir, 'git', ['push', '-q', 'floor', `runs:refs/heads/node-${w}`]))));
    const floorMs = floorPhase.ms;
    const plain = floorPhase.value;
    if (plain.some((p) => p.code !== 0)) throw new Error(`plain push failed: ${plain.find((p) => p.code !== 0).stderr}`);

    // W writers at once.
    const before = serverPushes(log);
    const manyPhase = await measured(() => Promise.all(clones.map((dir) => run(dir, process.execPath, [BIN, 'push', '--json', 'origin']))));
    const manyMs = manyPhase.ms;
    const results = manyPhase.value;
    const failed = results.filter((r) => r.code !== 0);
    const attempts = results.filter((r) => r.code === 0).map((r) => JSON.parse(r.stdout).attempts);
    const requests = serverPushes(log, before.lines);

    // What a newcomer sees: git clone + git-track pull + list.
    const check = join(work, 'check');
    git(work, 'clone', '-q', urlOf(shared), check);
    gt(check, 'pull');
    const ids = JSON.parse(gt(check, 'list', '--json', '--all', '--limit', '100000')).map((r) => r.id);
    const unique = new Set(ids).size;
    const fsck = execFileSync('git', ['fsck', '--strict', '--no-progress', '--no-dangling'], { cwd: shared, env, encoding: 'utf8' }).trim();
    const merges = Number(git(shared, 'rev-list', '--count', '--merges', '--first-parent', 'runs').trim());
    return {
      transport,
      writers: WRITERS,
      runsEach: RUNS,
      expectedRuns: 1 + WRITERS * RUNS,
      runsListed: ids.length,
      runsUnique: unique,
      failedPushes: failed.length,
      firstFailure: failed[0]?.stderr.trim().split('\n')[0] ?? null,
      manyMs: Math.round(manyMs),
      soloMs: Math.round(soloMs),
      soloMsAll: solos.map((p) => Math.round(p.ms)),
      floorMs: Math.round(floorMs),
      ratio: Number((manyMs / soloMs).toFixed(2)),
      attemptsTotal: attempts.reduce((a, b) => a + b, 0),
      attemptsMax: Math.max(0, ...attempts),
      serverPushesAdvertised: transport === 'http' ? requests.advertised : null,
      serverPushesPosted: transport === 'http' ? requests.posted : null,
      firstParentMerges: merges,
      fsckClean: fsck === '',
      // CPU seconds (client: the pushing processes and all they started; server: git http-backend and its children).
      manyClientCpuS: manyPhase.clientCpuS,
      manyServerCpuS: manyPhase.serverCpuS,
      soloClientCpuS: soloPhase.clientCpuS,
      soloServerCpuS: soloPhase.serverCpuS,
      floorClientCpuS: floorPhase.clientCpuS,
      floorServerCpuS: floorPhase.serverCpuS,
      // W writers' CPU spread over this machine's cores: the least wall time they could take here.
      manyCpuBoundMs: Math.round(((manyPhase.clientCpuS + (manyPhase.serverCpuS ?? 0)) / CORES) * 1000),
      load: { solo: soloPhase.load, floor: floorPhase.load, many: manyPhase.load },
    };
  } finally {
    server?.stop();
    rmSync(work, { recursive: true, force: true });
  }
}

const out = [];
for (const transport of TRANSPORTS) {
  const r = await measure(transport);
  out.push(r);
  say(`\n${r.writers} writers × ${r.runsEach} runs pushing at once over ${transport}:`);
  say(`  runs listed by a fresh clone after pull: ${r.runsListed} (${r.runsUnique} distinct, expected ${r.expectedRuns})${r.fsckClean ? ', fsck --strict clean' : ', FSCK NOT CLEAN'}`);
  say(`  wall time ${r.manyMs} ms; one writer pushing all ${r.writers * r.runsEach} runs alone ${r.soloMs} ms: ratio ${r.ratio}× (budget ≤ 3×)`);
  say(`  ${r.writers} plain git pushes to refs of their own, at once (the floor): ${r.floorMs} ms`);
  say(`  push attempts: ${r.attemptsTotal} in all, at most ${r.attemptsMax} by one writer${r.failedPushes ? `; ${r.failedPushes} FAILED: ${r.firstFailure}` : ''}`);
  if (transport === 'http') say(`  server saw ${r.serverPushesAdvertised} receive-pack advertisements, ${r.serverPushesPosted} receive-pack posts`);
  say(`  merge commits on the first-parent history of runs: ${r.firstParentMerges}`);
  const server = (v) => (v === null ? '' : `, server ${v} s`);
  say(`  CPU: ${r.writers} writers client ${r.manyClientCpuS} s${server(r.manyServerCpuS)} (on ${CORES} cores: at least ${r.manyCpuBoundMs} ms of wall time); one writer alone client ${r.soloClientCpuS} s${server(r.soloServerCpuS)}; floor client ${r.floorClientCpuS} s${server(r.floorServerCpuS)}`);
  say(`  load average (1 min) solo ${r.load.solo}, floor ${r.load.floor}, ${r.writers} writers ${r.load.many}`);
}
if (JSON_OUT) console.log(JSON.stringify(out, null, 2));
