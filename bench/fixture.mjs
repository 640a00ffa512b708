// Benchmark fixtures: a repository whose `runs` branch already holds N runs, built in one go
// with `git fast-import` (writing N runs one by one would take longer than the benchmark).
// Cached under .bench-tmp/ and copied for each use, so a benchmark never measures a warm
// leftover of another.
import { execFileSync, spawnSync } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { encodeManifest } from '../dist/index.js';

const ROOT = resolve(import.meta.dirname, '..', '.bench-tmp');

/** A run manifest of the benchmark's shape: 20 params, 10 metrics, 3 artifacts. */
export function sampleManifest(i, id, commit) {
  const params = {};
  for (let p = 0; p < 20; p++) params[`param_${String(p).padStart(2, '0')}`] = p % 3 === 0 ? `value-${(i * 7 + p) % 13}` : ((i * 31 + p * 17) % 1000) / 10;
  const metrics = {};
  for (let m = 0; m < 10; m++) metrics[`metric_${m}`] = ((i * 7919 + m * 104729) % 100000) / 100000;
  const sha = (n) => (BigInt(i) * 1000003n + BigInt(n)).toString(16).padStart(64, '0').slice(-64);
  return {
    format: 'git-track/run@1',
    id,
    name: `run-${i}`,
    experiment: `exp-${i % 10}`,
    status: i % 17 === 0 ? 'failed' : 'finished',
    created: new Date(Date.UTC(2026, 0, 1) + i * 60_000).toISOString().replace('.000Z', 'Z'),
    duration_s: (i % 500) + 0.5,
    author: { name: 'Bench Author', email: 'bench@example.com' },
    code: { commit, branch: 'main', dirty: false },
    data: [{ path: 'data/train.csv', kind: 'file', sha256: sha(0), size: 1048576, label: `v${i % 5}` }],
    params,
    metrics,
    artifacts: [0, 1, 2].map((a) => ({ path: `models/part-${a}.bin`, kind: 'file', sha256: sha(a + 1), size: 4096 + a, role: a === 0 ? 'model' : 'aux' })),
    env: { os: 'linux', arch: 'x64', hostname: 'bench', node: '20.20.2', git_track: '0.1.0' },
    tags: { team: `team-${i % 4}` },
  };
}

/** Deterministic, evenly spread 12-hex ids. */
export function sampleId(i) {
  let x = (BigInt(i) * 0x9e3779b97f4a7c15n + 0x1234567n) & 0xffffffffffffn;
  x ^= x >> 21n;
  return x.toString(16).padStart(12, '0');
}

function git(cwd, ...args) {
  return execFileSync('git', args, { cwd, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
}

function buildFixture(dir, n) {
  mkdirSync(dir, { recursive: true });
  git(dir, 'init', '-q', '-b', 'main');
  git(dir, 'config', 'user.name', 'Bench Author');
  git(dir, 'config', 'user.email', 'bench@example.com');
  execFileSync('sh', ['-c', 'echo "print(1)" > train.py && git add train.py && git commit -qm init'], { cwd: dir });
  const head = git(dir, 'rev-parse', 'HEAD').trim();
  const chunks = [];
  const blob = (text) => {
    const buf = Buffer.from(text);
    chunks.push(Buffer.from(`data ${buf.length}\n`), buf, Buffer.from('\n'));
  };
  chunks.push(Buffer.from('commit refs/heads/runs\ncommitter Bench Author <bench@example.com> 1767225600 +0000\n'));
  blob(`Fixture with ${n} runs\n`);
  chunks.push(Buffer.from('M 100644 inline git-track.yaml\n'));
  blob('format: git-track/runs@1\n');
  chunks.push(Buffer.from('M 100644 inline README.md\n'));
  blob('# Experiment runs (git-track)\n');
  for (let i = 0; i < n; i++) {
    const id = sampleId(i);
    chunks.push(Buffer.from(`M 100644 inline runs/${id.slice(0, 2)}/${id}/run.yaml\n`));
    blob(encodeManifest(sampleManifest(i, id, head)));
  }
  const r = spawnSync('git', ['fast-import', '--quiet'], { cwd: dir, input: Buffer.concat(chunks), maxBuffer: 1 << 30 });
  if (r.status !== 0) throw new Error(`fast-import failed: ${r.stderr}`);
}

/**
 * A fresh copy of a repository with `n` runs on `runs`; the caller removes it.
 */
export function fixtureRepo(n) {
  const cached = join(ROOT, `fixture-${n}`);
  if (!existsSync(join(cached, '.git', 'refs', 'heads', 'runs'))) {
    rmSync(cached, { recursive: true, force: true });
    buildFixture(cached, n);
  }
  const copy = mkdtempSync(join(tmpdir(), `gt-bench-${n}-`));
  cpSync(cached, copy, { recursive: true });
  return copy;
}
