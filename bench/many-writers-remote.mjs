// Benchmark: `git-track log --remote URL` (a node without a clone writing one run straight to
// the remote) against a remote whose `runs` already holds N runs (default 10,000), over git's
// smart HTTP (`git http-backend`). Reported per case, median of K runs (default 3): wall time of
// the whole command (fetch, write, push) and the bytes of the packs the node received (git's
// own count: GIT_TRACE_PACKFILE, appended by every fetch, the promisor fetch of a shard
// included). Cases, measured in the same run, taken in turn (one run of each, K times):
//   - the build under test, server allowing filters (`uploadpack.allowFilter`, as GitHub and
//     GitLab do): only the top of the tip tree, then the one shard the run goes into;
//   - the same build, server without filters (git's default): the whole tip tree, as before;
//   - the same build, server allowing filters but answering in protocol v0 without
//     `uploadpack.allowReachableSHA1InWant` (it sends no object by id): every shard tree;
//   - with --baseline DIR, the build in DIR (another checkout, e.g. before this change) against
//     the server allowing filters.
// After all of them: the remote's `git fsck --strict` and every logged run present on `runs`.
//
//   node scripts/build.mjs --no-types && node bench/many-writers-remote.mjs [--runs 10000]
//     [--times 3] [--baseline DIR] [--json]
import { execFileSync, spawn } from 'node:child_process';
import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { fixtureRepo } from './fixture.mjs';
import { BENCH_ENV, median } from './stats.mjs';

const here = fileURLToPath(new URL('..', import.meta.url));
const arg = (name, fallback) => {
  const i = process.argv.indexOf(name);
  return i > 0 ? process.argv[i + 1] : fallback;
};
const RUNS = Number(arg('--runs', 10000));
const TIMES = Number(arg('--times', 3));
const BASELINE = arg('--baseline', null);
const JSON_OUT = process.argv.includes('--json');
const say = (line) => !JSON_OUT && console.log(line);

const env = BENCH_ENV;
const git = (cwd, ...args) => execFileSync('git', args, { cwd, env, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });

/** Start git's smart-HTTP server over `dir` (`v0`: answering in protocol v0 only). */
async function httpServer(dir, v0 = false) {
  const child = spawn(process.execPath, [join(here, 'test', 'helpers', 'git-http-server.mjs'), dir], {
    env: v0 ? { ...env, GIT_HTTP_PROTOCOL_V0: '1' } : env,
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  const port = await new Promise((res) => child.stdout.once('data', (d) => res(d.toString().trim())));
  return { url: `http://127.0.0.1:${port}`, stop: () => child.kill('SIGTERM') };
}

const work = mkdtempSync(join(tmpdir(), 'gt-bench-log-remote-'));
const fixture = fixtureRepo(RUNS);
const server = await httpServer(work);
const serverV0 = await httpServer(work, true);
try {
  const code = git(fixture, 'rev-parse', 'HEAD').trim();
  const remoteOf = (name, filters, via = server) => {
    const bare = join(work, `${name}.git`);
    git(work, 'clone', '-q', '--bare', '--no-local', fixture, bare);
    git(bare, 'config', 'http.receivepack', 'true');
    if (filters) git(bare, 'config', 'uploadpack.allowFilter', 'true');
    return { bare, url: `${via.url}/${name}.git` };
  };
  const filtered = remoteOf('filters', true);
  const plain = remoteOf('plain', false);
  const v0 = remoteOf('filters-v0', true, serverV0);
  const cases = [
    { name: 'this build, server allowing filters', root: here, remote: filtered },
    { name: 'this build, server without filters', root: here, remote: plain },
    { name: 'this build, v0 server allowing filters, no objects by id', root: here, remote: v0 },
    ...(BASELINE ? [{ name: `baseline ${BASELINE}, server allowing filters`, root: resolve(BASELINE), remote: filtered }] : []),
  ];
  const node = mkdtempSync(join(tmpdir(), 'gt-bench-node-'));
  const logged = new Map([[filtered.bare, []], [plain.bare, []], [v0.bare, []]]);
  // Round-robin over the cases, so that a change of load on this shared machine falls on all of them alike.
  const samples = cases.map(() => ({ times: [], bytes: [], load: [loadavg()[0].toFixed(1)] }));
  for (let k = 0; k < TIMES; k++) {
    cases.forEach((c, i) => {
      const trace = join(work, `pack-${i}-${k}`);
      const t = performance.now();
      const id = execFileSync(process.execPath, [join(c.root, 'bin', 'git-track.js'), 'log', '--remote', c.remote.url, '--code-commit', code, '-m', `f1=0.${k}`], {
        cwd: node,
        env: { ...env, GIT_TRACE_PACKFILE: trace },
        encoding: 'utf8',
        stdio: ['ignore', 'pipe', 'pipe'],
      }).trim();
      samples[i].times.push(performance.now() - t);
      let size = 0;
      try {
        size = statSync(trace).size;
      } catch {}
      samples[i].bytes.push(size);
      logged.get(c.remote.bare).push(id);
    });
  }
  const out = cases.map((c, i) => {
    const { times, bytes, load } = samples[i];
    load.push(loadavg()[0].toFixed(1));
    return { case: c.name, runsOnRemote: RUNS, ms: Math.round(median(times)), bytesFetched: median(bytes), load: load.join('→') };
  });
  const checks = [...logged].map(([bare, ids]) => {
    const fsck = execFileSync('git', ['fsck', '--strict', '--no-progress', '--no-dangling'], { cwd: bare, env, encoding: 'utf8' }).trim();
    const missing = ids.filter((id) => {
      try {
        git(bare, 'cat-file', '-e', `runs:runs/${id.slice(0, 2)}/${id}/run.yaml`);
        return false;
      } catch {
        return true;
      }
    });
    return { remote: bare.slice(work.length + 1), fsckClean: fsck === '', runsLogged: ids.length, missing: missing.length, runsOnRemote: Number(git(bare, 'rev-list', '--count', '--first-parent', 'runs').trim()) };
  });
  rmSync(node, { recursive: true, force: true });
  if (JSON_OUT) console.log(JSON.stringify({ cases: out, checks }, null, 2));
  else {
    say(`git-track log --remote over smart HTTP, remote with ${RUNS} runs (median of ${TIMES}):`);
    for (const r of out) say(`  ${r.case}: ${r.ms} ms, ${r.bytesFetched} bytes fetched (load ${r.load})`);
    for (const c of checks) say(`  ${c.remote}: fsck --strict ${c.fsckClean ? 'clean' : 'NOT CLEAN'}, ${c.runsLogged - c.missing}/${c.runsLogged} logged runs on runs`);
  }
} finally {
  server.stop();
  serverV0.stop();
  rmSync(work, { recursive: true, force: true });
  rmSync(fixture, { recursive: true, force: true });
}
