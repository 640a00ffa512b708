// Benchmark: `git-track log` as a new process beside `node -e 0` (budget ≤ 2.5×), and
// `git-track --version` (start-up alone). Wall time is the budget; CPU time (user + system,
// children included) is printed beside it because on a shared, loaded machine the wall ratio
// mostly measures the scheduler. The load average is printed with the figures.
// usage: node bench/log-e2e.mjs [--quick]
import { spawnSync } from 'node:child_process';
import { rmSync } from 'node:fs';
import { loadavg } from 'node:os';
import { resolve } from 'node:path';
import { fixtureRepo } from './fixture.mjs';
import { fmt, median, printTable } from './stats.mjs';

const N = process.argv.includes('--quick') ? 10 : 25;
const BIN = resolve(import.meta.dirname, '..', 'bin', 'git-track.js');
const dir = fixtureRepo(10_000);

/** Wall and CPU milliseconds of one run of `args` (CPU from /usr/bin/time, children included). */
function measure(args) {
  const t = performance.now();
  const r = spawnSync('/usr/bin/time', ['-f', '%U %S', ...args], { cwd: dir, encoding: 'utf8' });
  const wall = performance.now() - t;
  if (r.status !== 0) throw new Error(`${args.join(' ')} failed: ${r.stderr}`);
  const [user, sys] = r.stderr.trim().split('\n').at(-1).split(' ').map(Number);
  return { wall, cpu: (user + sys) * 1000 };
}

const commands = {
  node: () => [process.execPath, '-e', '0'],
  version: () => [process.execPath, BIN, '--version'],
  log: (i) => [process.execPath, BIN, 'log', '-p', `lr=0.0${i}`, '-p', 'depth=8', '-m', `f1=0.${i}`, '-t', 'team=a'],
};
// Interleave the three so that machine load affects them alike.
const samples = { node: [], version: [], log: [] };
const loadBefore = loadavg()[0];
for (let i = -2; i < N; i++) {
  for (const [name, args] of Object.entries(commands)) {
    const m = measure(args(i + 2));
    if (i >= 0) samples[name].push(m);
  }
}
const loadAfter = loadavg()[0];
const wall = (name) => median(samples[name].map((m) => m.wall));
// /usr/bin/time counts CPU in 10 ms ticks: a median of ticks moves in 10 ms steps, the mean
// of N runs resolves far finer.
const cpu = (name) => samples[name].reduce((sum, m) => sum + m.cpu, 0) / samples[name].length;
const ratio = (name, of) => `${(of(name) / of('node')).toFixed(2)}×`;
console.log(`\ngit-track as a new process on a branch of 10,000 runs (wall: median of ${N}, CPU: mean; load average ${loadBefore.toFixed(1)} → ${loadAfter.toFixed(1)})`);
printTable(
  ['command', 'wall', 'wall ratio', 'CPU', 'CPU ratio', 'budget (wall)'],
  [
    ['node -e 0', fmt(wall('node')), '1.00×', fmt(cpu('node')), '1.00×', ''],
    ['git-track --version', fmt(wall('version')), ratio('version', wall), fmt(cpu('version')), ratio('version', cpu), ''],
    ['git-track log …', fmt(wall('log')), ratio('log', wall), fmt(cpu('log')), ratio('log', cpu), '≤ 2.5×'],
  ],
);
rmSync(dir, { recursive: true, force: true });
