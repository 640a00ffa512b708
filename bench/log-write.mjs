// Benchmark: in-process write of one run (20 params, 10 metrics, 3 small artifacts) on a
// branch that already holds 10,000 and 100,000 runs, beside a git plumbing script doing the
// same writes. Budget: median ≤ 5 ms at 10k; ≤ 1.3× that at 100k.
// usage: node bench/log-write.mjs [--quick]
import { execFileSync } from 'node:child_process';
import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { openTracker } from '../dist/index.js';
import { fixtureRepo, sampleId, sampleManifest } from './fixture.mjs';
import { fmt, median, printTable, timeEach } from './stats.mjs';

const quick = process.argv.includes('--quick');
const sizes = quick ? [10_000] : [10_000, 100_000];
const N = quick ? 30 : 60;
const PLUMBING = resolve(import.meta.dirname, 'plumbing-log.sh');

function runInput(i) {
  const m = sampleManifest(i, sampleId(i), null);
  return { name: `bench-${i}`, params: m.params, metrics: m.metrics, tags: m.tags };
}

function writeArtifacts(dir, i) {
  mkdirSync(join(dir, 'models'), { recursive: true });
  return [0, 1, 2].map((a) => {
    const path = join(dir, 'models', `part-${a}.bin`);
    writeFileSync(path, `weights ${i} ${a} `.repeat(200));
    return path;
  });
}

const rows = [];
let base10k;
for (const size of sizes) {
  const dir = fixtureRepo(size);
  const head = execFileSync('git', ['rev-parse', 'HEAD'], { cwd: dir, encoding: 'utf8' }).trim();
  const tracker = openTracker({ dir });
  const code = { commit: head, branch: 'main', dirty: false };
  const ours = await timeEach(N, async (i) => {
    const artifacts = writeArtifacts(dir, 1e6 + i).map((path, a) => ({ path, role: a === 0 ? 'model' : 'aux' }));
    await tracker.log({ ...runInput(1e6 + i), artifacts, code });
  });
  const captured = await timeEach(Math.ceil(N / 3), async (i) => {
    const artifacts = writeArtifacts(dir, 2e6 + i).map((path) => ({ path }));
    await tracker.log({ ...runInput(2e6 + i), artifacts });
  });
  const plumbing = await timeEach(Math.ceil(N / 3), async (i) => {
    const id = sampleId(3e6 + i + 10);
    const manifestFile = join(dir, '.git', 'bench-manifest.yaml');
    writeFileSync(manifestFile, JSON.stringify(runInput(3e6 + i)));
    execFileSync(PLUMBING, [dir, id, manifestFile, ...writeArtifacts(dir, 3e6 + i)]);
  });
  const m = median(ours);
  if (size === 10_000) base10k = m;
  rows.push([`${size.toLocaleString('en')} runs`, fmt(m), fmt(median(captured)), fmt(median(plumbing)), size === 10_000 ? 'budget ≤ 5 ms' : `${(m / base10k).toFixed(2)}× the 10k figure (budget ≤ 1.3×)`]);
  rmSync(dir, { recursive: true, force: true });
}
console.log('\nlog one run in-process (median): ours, ours with code capture (git status), git plumbing reference');
printTable(['branch', 'git-track', 'with code capture', 'git plumbing', 'check'], rows);
