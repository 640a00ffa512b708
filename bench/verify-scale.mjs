// How long `verify` and `lineage` take on a branch of N runs, one commit per run (the real
// shape: verify walks every commit). Built with `git fast-import`. Usage:
//   node bench/verify-scale.mjs [N=10000]
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';

const N = Number(process.argv[2] ?? 10000);
const BIN = resolve(import.meta.dirname, '..', 'bin', 'git-track.js');
const dir = mkdtempSync(join(tmpdir(), 'gt-verify-bench-'));
const git = (...args) => execFileSync('git', args, { cwd: dir, encoding: 'utf8' });
git('init', '-q', '-b', 'main');
git('config', 'user.name', 'Bench');
git('config', 'user.email', 'bench@example.com');
execFileSync('sh', ['-c', 'echo x > train.py && git add . && git commit -qm init'], { cwd: dir });
const head = git('rev-parse', 'HEAD').trim();
const sha = (n) => n.toString(16).padStart(64, '0');
const id = (i) => {
  let x = (BigInt(i) * 0x9e3779b97f4a7c15n + 0x1234567n) & 0xffffffffffffn;
  x ^= x >> 21n;
  return x.toString(16).padStart(12, '0');
};
const parts = [];
const data = (text) => {
  const b = Buffer.from(text);
  parts.push(`data ${b.length}\n`, b, '\n');
};
parts.push('commit refs/heads/runs\nmark :1\ncommitter Bench <bench@example.com> 1767225600 +0000\n');
data('Start the runs branch');
parts.push('M 644 inline git-track.yaml\n');
data('format: git-track/runs@1\n');
for (let i = 0; i < N; i++) {
  const rid = id(i);
  // A chain: run i reads the artifact of run i-1, so lineage has depth.
  const yaml = [
    'format: git-track/run@1', `id: "${rid}"`, `name: run-${i}`, 'status: finished',
    `created: ${new Date(Date.UTC(2026, 0, 1) + i * 60000).toISOString().replace('.000Z', 'Z')}`,
    'author:', '  email: bench@example.com', '  name: Bench',
    'code:', '  branch: main', `  commit: ${head}`, '  dirty: false',
    'data:', '  - path: in.bin', '    kind: file', `    sha256: "${sha(i)}"`, '    size: 10',
    'params:', `  lr: ${(i % 100) / 1000}`, 'metrics:', `  f1: ${(i % 1000) / 1000}`,
    'artifacts:', '  - path: out.bin', '    kind: file', `    sha256: "${sha(i + 1)}"`, '    size: 10', '    role: model',
    'env:', '  arch: x64', '  git_track: 0.1.0', '  hostname: b', '  node: "20"', '  os: linux', 'tags: {}', '',
  ].join('\n');
  parts.push(`commit refs/heads/runs\ncommitter Bench <bench@example.com> ${1767225600 + i} +0000\n`);
  data(`run ${rid}\n\nGit-Track-Run: ${rid}\n`);
  parts.push(`M 644 inline runs/${rid.slice(0, 2)}/${rid}/run.yaml\n`);
  data(yaml);
}
execFileSync('git', ['fast-import', '--quiet'], { cwd: dir, input: Buffer.concat(parts.map((p) => (Buffer.isBuffer(p) ? p : Buffer.from(p)))) });
const time = (label, ...args) => {
  const t = process.hrtime.bigint();
  const r = spawnSync(process.execPath, [BIN, ...args], { cwd: dir, encoding: 'utf8' });
  const ms = Number(process.hrtime.bigint() - t) / 1e6;
  console.log(`${label.padEnd(28)} ${ms.toFixed(0).padStart(7)} ms  exit ${r.status}  ${r.stdout.split('\n')[0].slice(0, 90)}`);
};
console.log(`${N} runs, ${N + 1} commits on runs`);
time('verify', 'verify');
time('lineage (depth 20 shown)', 'lineage', `run-${N - 1}`, '--json');
execFileSync('git', ['gc', '-q'], { cwd: dir });
time('verify after git gc', 'verify');
if (process.env.KEEP) console.log(dir); else rmSync(dir, { recursive: true, force: true });
