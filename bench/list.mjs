// Benchmark of `git-track list --filter` over 10,000 and 100,000 runs, beside its reference
// measured in the same run: `git ls-tree -r runs | git cat-file --batch` over the same
// manifests. Run after a build: node scripts/build.mjs --no-types && node bench/list.mjs
//
// The fixture repos (20 params, 10 metrics, 3 artifacts a run) come from bench/fixture.mjs:
// built once with `git fast-import`, cached under .bench-tmp/, copied for each size.
import { execFileSync, spawnSync } from 'node:child_process';
import { rmSync } from 'node:fs';
import { loadavg } from 'node:os';
import { join, resolve } from 'node:path';
import { fixtureRepo } from './fixture.mjs';

const ROOT = resolve(import.meta.dirname, '..');
const BIN = join(ROOT, 'bin', 'git-track.js');
const FILTER = "metrics.metric_0 > 0.9 AND params.param_00 = 'value-3' AND NOT status = 'failed'";
const sizes = process.argv.slice(2).map(Number).filter((n) => n > 0);
const SIZES = sizes.length ? sizes : [10_000, 100_000];

const env = { ...process.env, GIT_AUTHOR_NAME: 'Bench', GIT_AUTHOR_EMAIL: 'bench@example.com', GIT_COMMITTER_NAME: 'Bench', GIT_COMMITTER_EMAIL: 'bench@example.com', NO_COLOR: '1' };

function time(fn) {
  const t = process.hrtime.bigint();
  fn();
  return Number(process.hrtime.bigint() - t) / 1e6;
}

const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

/** Run the CLI under /usr/bin/time; returns wall ms and max RSS in MB. */
function runCli(dir, args) {
  let out;
  const ms = time(() => {
    out = spawnSync('/usr/bin/time', ['-f', '%M %U %S', process.execPath, BIN, ...args], { cwd: dir, env, encoding: 'utf8', maxBuffer: 1 << 30 });
  });
  if (out.status !== 0) throw new Error(`git-track ${args.join(' ')} failed: ${out.stderr}`);
  const [kb, user, sys] = out.stderr.trim().split('\n').at(-1).split(' ').map(Number);
  // CPU time (children included) beside wall time: on a loaded machine wall time is mostly waiting.
  return { ms, rss: kb / 1024, cpuMs: (user + sys) * 1000, lines: out.stdout.split('\n').length - 1 };
}

function reference(dir) {
  return time(() => {
    execFileSync('sh', ['-c', "git ls-tree -r runs | awk '$4 ~ /run.yaml$/ {print $3}' | git cat-file --batch > /dev/null"], { cwd: dir, env });
  });
}

const rows = [];
for (const n of SIZES) {
  const t0 = Date.now();
  const dir = fixtureRepo(n);
  const made = Date.now() - t0;
  const args = ['list', '--filter', FILTER, '--sort', '-metrics.metric_0', '--columns', 'id,name,params.param_00,metrics.metric_0'];
  rmSync(join(dir, '.git', 'git-track'), { recursive: true, force: true });
  const cold = runCli(dir, args);
  const warm = [1, 2, 3, 4, 5].map(() => runCli(dir, args));
  const ref = median([1, 2, 3].map(() => reference(dir)));
  const warmMs = median(warm.map((w) => w.ms));
  const rss = Math.max(...warm.map((w) => w.rss));
  const nodeMs = median([1, 2, 3].map(() => time(() => execFileSync(process.execPath, ['-e', '0']))));
  rmSync(dir, { recursive: true, force: true });
  rows.push({ n, made, matched: warm[0].lines - 1, warmMs, ref, coldMs: cold.ms, coldCpu: cold.cpuMs, warmCpu: median(warm.map((w) => w.cpuMs)), coldRss: cold.rss, rss, nodeMs });
}

const f = (x) => x.toFixed(0).padStart(7);
console.log(`filter: ${FILTER} (load average ${loadavg()[0].toFixed(1)})`);
console.log('   runs  matched  warm ms  ref ms  warm/ref  cold ms  cold CPU ms  warm CPU ms  node -e 0  max RSS MB (warm)  cold RSS MB  fixture+copy ms');
for (const r of rows) {
  console.log(
    `${String(r.n).padStart(7)}  ${String(r.matched).padStart(7)}  ${f(r.warmMs)}  ${f(r.ref).slice(1)}  ${(r.warmMs / r.ref).toFixed(2).padStart(8)}  ${f(r.coldMs)}  ${f(r.coldCpu).padStart(11)}  ${f(r.warmCpu).padStart(11)}  ${f(r.nodeMs).padStart(9)}  ${r.rss.toFixed(0).padStart(17)}  ${r.coldRss.toFixed(0).padStart(11)}  ${String(r.made).padStart(10)}`,
  );
}
console.log('budgets: warm ≤ 1.5× ref at 10k; cold ≤ 3000 ms at 10k; warm ≤ 1000 ms and ≤ 200 MB at 100k');
