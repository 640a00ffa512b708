// Benchmark: `git-track log` as a new process beside `node -e 0` (budget ≤ 2.5×), and
// `git-track --version` (start-up alone).
// usage: node bench/log-e2e.mjs [--quick]
import { execFileSync } from 'node:child_process';
import { rmSync } from 'node:fs';
import { resolve } from 'node:path';
import { fixtureRepo } from './fixture.mjs';
import { fmt, median, printTable, timeEach } from './stats.mjs';

const N = process.argv.includes('--quick') ? 10 : 25;
const BIN = resolve(import.meta.dirname, '..', 'bin', 'git-track.js');
const dir = fixtureRepo(10_000);
const run = (args) => () => execFileSync(args[0], args.slice(1), { cwd: dir, stdio: 'ignore' });

// Interleave the three so that machine load affects them alike.
const samples = { node: [], version: [], log: [] };
for (let i = 0; i < N; i++) {
  samples.node.push(...(await timeEach(1, run([process.execPath, '-e', '0']), i === 0 ? 2 : 0)));
  samples.version.push(...(await timeEach(1, run([process.execPath, BIN, '--version']), i === 0 ? 2 : 0)));
  samples.log.push(...(await timeEach(1, run([process.execPath, BIN, 'log', '-p', `lr=0.0${i}`, '-p', 'depth=8', '-m', `f1=0.${i}`, '-t', 'team=a']), i === 0 ? 2 : 0)));
}
const base = median(samples.node);
console.log(`\ngit-track as a new process on a branch of 10,000 runs (median of ${N})`);
printTable(
  ['command', 'median', 'ratio to node -e 0', 'budget'],
  [
    ['node -e 0', fmt(base), '1.00×', ''],
    ['git-track --version', fmt(median(samples.version)), `${(median(samples.version) / base).toFixed(2)}×`, ''],
    ['git-track log …', fmt(median(samples.log)), `${(median(samples.log) / base).toFixed(2)}×`, '≤ 2.5×'],
  ],
);
rmSync(dir, { recursive: true, force: true });
