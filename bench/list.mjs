// Benchmark of `git-track list --filter` over 10,000 and 100,000 runs, beside its reference
// measured in the same run: `git ls-tree -r runs | git cat-file --batch` over the same
// manifests. Run after a build: node scripts/build.mjs --no-types && node bench/list.mjs
//
// The fixture repos are generated with `git fast-import` (canonical manifests written by a
// template of the encoder's output) and cached under .bench-tmp/.
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, rmSync } from 'node:fs';
import { join, resolve } from 'node:path';

const ROOT = resolve(import.meta.dirname, '..');
const BIN = join(ROOT, 'bin', 'git-track.js');
const TMP = join(ROOT, '.bench-tmp');
const FILTER = "metrics.f1 > 0.9 AND params.model = 'xgb' AND NOT status = 'failed'";
const sizes = process.argv.slice(2).map(Number).filter((n) => n > 0);
const SIZES = sizes.length ? sizes : [10_000, 100_000];

const env = { ...process.env, GIT_AUTHOR_NAME: 'Bench', GIT_AUTHOR_EMAIL: 'bench@example.com', GIT_COMMITTER_NAME: 'Bench', GIT_COMMITTER_EMAIL: 'bench@example.com', NO_COLOR: '1' };

/** Deterministic pseudo-random numbers (mulberry32). */
function rng(seed) {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = Math.imul(a ^ (a >>> 15), a | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const MODELS = ['xgb', 'rf', 'lr', 'mlp'];

/** A manifest in the canonical form encodeManifest writes: 20 params, 10 metrics, 3 artifacts. */
function manifest(i, r) {
  // A leading letter keeps every id a YAML string (an all-digit id would need quotes).
  const id = 'abcdef'[i % 6] + (i * 2654435761 % 2 ** 32).toString(16).padStart(8, '0').slice(1) + Math.floor(r() * 65536).toString(16).padStart(4, '0');
  const created = new Date(Date.UTC(2026, 0, 1) + i * 60_000).toISOString().replace('.000Z', 'Z');
  const hex = (n) => Array.from({ length: n }, () => Math.floor(r() * 16).toString(16)).join('');
  const params = { model: MODELS[i % 4], depth: 1 + (i % 12), lr: Number((r() / 10).toPrecision(3)), seed: i };
  for (let p = 0; params && Object.keys(params).length < 20; p++) params[`p${String(p).padStart(2, '0')}`] = p % 2 ? Number(r().toPrecision(4)) : `v${Math.floor(r() * 5)}`;
  const metrics = { f1: Number(r().toPrecision(4)), loss: Number((r() * 2).toPrecision(4)) };
  for (let m = 0; Object.keys(metrics).length < 10; m++) metrics[`m${m}`] = Number(r().toPrecision(4));
  const block = (name, obj) => [`${name}:`, ...Object.keys(obj).sort().map((k) => `  ${k}: ${obj[k]}`)];
  const lines = [
    'format: git-track/run@1',
    `id: ${id}`,
    `name: run-${i % 500}`,
    'experiment: churn',
    `status: ${i % 13 === 0 ? 'failed' : 'finished'}`,
    `created: ${created}`,
    'duration_s: 12.5',
    'author:',
    '  email: bench@example.com',
    '  name: Bench',
    'code:',
    '  branch: main',
    `  commit: ${hex(40)}`,
    '  dirty: false',
    'data:',
    '  - path: data/train.csv',
    '    kind: file',
    `    sha256: ${i % 100 === 0 ? hex(64) : 'a'.repeat(64)}`,
    '    size: 1048576',
    ...block('params', params),
    ...block('metrics', metrics),
    'artifacts:',
    ...['model.pkl', 'report.html', 'metrics.json'].flatMap((p) => [`  - path: out/${p}`, '    kind: file', `    sha256: ${hex(64)}`, '    size: 2048']),
    'env:',
    '  arch: x64',
    '  git_track: 0.1.0',
    '  hostname: bench',
    '  node: 20.20.2',
    '  os: linux',
    'tags:',
    `  team: ${i % 2 ? 'growth' : 'risk'}`,
  ];
  return { id, text: `${lines.join('\n')}\n` };
}

function fixture(n) {
  const dir = join(TMP, `runs-${n}`);
  if (existsSync(join(dir, '.git', 'refs', 'heads', 'runs')) || existsSync(join(dir, '.git', 'packed-refs'))) return dir;
  rmSync(dir, { recursive: true, force: true });
  mkdirSync(dir, { recursive: true });
  execFileSync('git', ['init', '-q', '-b', 'main', dir], { env });
  const r = rng(n);
  const chunks = ['commit refs/heads/runs\ncommitter Bench <bench@example.com> 1767225600 +0000\ndata 11\nbench runs\n'];
  const inline = (path, text) => `M 100644 inline ${path}\ndata ${Buffer.byteLength(text)}\n${text}\n`;
  chunks.push(inline('git-track.yaml', 'format: git-track/runs@1\n'), inline('README.md', '# runs\n'));
  for (let i = 0; i < n; i++) {
    const { id, text } = manifest(i, r);
    chunks.push(inline(`runs/${id.slice(0, 2)}/${id}/run.yaml`, text));
  }
  execFileSync('git', ['fast-import', '--quiet'], { cwd: dir, input: chunks.join(''), env, maxBuffer: 1 << 30 });
  execFileSync('git', ['gc', '-q'], { cwd: dir, env });
  return dir;
}

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
    out = spawnSync('/usr/bin/time', ['-f', '%M', process.execPath, BIN, ...args], { cwd: dir, env, encoding: 'utf8', maxBuffer: 1 << 30 });
  });
  if (out.status !== 0) throw new Error(`git-track ${args.join(' ')} failed: ${out.stderr}`);
  const rss = Number(out.stderr.trim().split('\n').at(-1)) / 1024;
  return { ms, rss, lines: out.stdout.split('\n').length - 1 };
}

function reference(dir) {
  return time(() => {
    execFileSync('sh', ['-c', "git ls-tree -r runs | awk '$4 ~ /run.yaml$/ {print $3}' | git cat-file --batch > /dev/null"], { cwd: dir, env });
  });
}

const rows = [];
for (const n of SIZES) {
  const t0 = Date.now();
  const dir = fixture(n);
  const made = Date.now() - t0;
  const args = ['list', '--filter', FILTER, '--sort', '-metrics.f1', '--columns', 'id,name,params.model,metrics.f1'];
  rmSync(join(dir, '.git', 'git-track'), { recursive: true, force: true });
  const cold = runCli(dir, args);
  const warm = [1, 2, 3, 4, 5].map(() => runCli(dir, args));
  const ref = median([1, 2, 3].map(() => reference(dir)));
  const warmMs = median(warm.map((w) => w.ms));
  const rss = Math.max(...warm.map((w) => w.rss));
  const nodeMs = median([1, 2, 3].map(() => time(() => execFileSync(process.execPath, ['-e', '0']))));
  rows.push({ n, made, matched: warm[0].lines - 1, warmMs, ref, coldMs: cold.ms, coldRss: cold.rss, rss, nodeMs });
}

const f = (x) => x.toFixed(0).padStart(7);
console.log(`filter: ${FILTER}`);
console.log('   runs  matched  warm ms  ref ms  warm/ref  cold ms  node -e 0  max RSS MB (warm)  cold RSS MB  fixture ms');
for (const r of rows) {
  console.log(
    `${String(r.n).padStart(7)}  ${String(r.matched).padStart(7)}  ${f(r.warmMs)}  ${f(r.ref).slice(1)}  ${(r.warmMs / r.ref).toFixed(2).padStart(8)}  ${f(r.coldMs)}  ${f(r.nodeMs).padStart(9)}  ${r.rss.toFixed(0).padStart(17)}  ${r.coldRss.toFixed(0).padStart(11)}  ${String(r.made).padStart(10)}`,
  );
}
console.log('budgets: warm ≤ 1.5× ref at 10k; cold ≤ 3000 ms at 10k; warm ≤ 1000 ms and ≤ 200 MB at 100k');
