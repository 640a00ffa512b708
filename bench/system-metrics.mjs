// What sampling system metrics costs `git-track run`: the CPU time of `git-track run -- sleep S`
// with samples every 0.1 s, against the same run with --no-system-metrics (the reference), both
// measured as children's CPU time by bash's `times`. The difference per sample, at the default
// 10 s interval, is the overhead as a share of one core (budget: under 1%).
// Needs a build. Usage: node bench/system-metrics.mjs [seconds]
import { execFileSync } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';

const BIN = resolve(import.meta.dirname, '..', 'bin', 'git-track.js');
const SECONDS = Number(process.argv[2] ?? 5);
const INTERVAL = 0.1;
const env = { ...process.env, GIT_AUTHOR_NAME: 'Bench', GIT_AUTHOR_EMAIL: 'b@example.com', GIT_COMMITTER_NAME: 'Bench', GIT_COMMITTER_EMAIL: 'b@example.com' };
const repo = mkdtempSync(join(tmpdir(), 'gt-bench-sys-'));
execFileSync('git', ['init', '-q', repo]);
execFileSync('git', ['-C', repo, 'commit', '-q', '--allow-empty', '-m', 'init'], { env });

/** CPU seconds (user + sys) of the children of one bash running `git-track run ... -- sleep S`. */
function cpuSeconds(flags) {
  const out = execFileSync('bash', ['-c', `"${process.execPath}" "${BIN}" run ${flags} -- sleep ${SECONDS} >/dev/null 2>&1; times`], { cwd: repo, env, encoding: 'utf8' });
  const [, children] = out.trim().split('\n');
  return children.split(/\s+/).map((t) => { const m = /(\d+)m([\d.]+)s/.exec(t); return Number(m[1]) * 60 + Number(m[2]); }).reduce((a, b) => a + b, 0);
}

const median = (xs) => xs.sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const without = median([0, 1, 2].map(() => cpuSeconds('--no-system-metrics')));
const withSamples = median([0, 1, 2].map(() => cpuSeconds(`--system-metrics-interval ${INTERVAL}`)));
const samples = SECONDS / INTERVAL;
const perSampleMs = (Math.max(0, withSamples - without) / samples) * 1000;
console.log(`system metrics sampling (git-track run -- sleep ${SECONDS}, median of 3, CPU time of git-track and the command)`);
console.log(`  reference: --no-system-metrics            ${(without * 1000).toFixed(0).padStart(7)} ms CPU`);
console.log(`  sampling every ${INTERVAL} s (${samples} samples)     ${(withSamples * 1000).toFixed(0).padStart(7)} ms CPU`);
console.log(`  per sample                                ${perSampleMs.toFixed(2).padStart(7)} ms`);
console.log(`  overhead at the default 10 s interval     ${((perSampleMs / 10_000) * 100).toFixed(4).padStart(7)} % of one core (budget: < 1%)`);
