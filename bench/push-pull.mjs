// Benchmark: `git-track push` / `git-track pull` of 1,000 new runs to / from a local bare
// remote, beside plain `git push` / `git fetch` of the same branch, measured in the same run:
// first to a fresh remote (the budget's case), then 1,000 more onto remotes and clones that
// already have the first 1,000. Budget: our time ≤ 1.5× plain git's.
//
//   node scripts/build.mjs --no-types && node bench/push-pull.mjs [--runs 1000] [--repeat 5]
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { BENCH_ENV } from './stats.mjs';

const root = fileURLToPath(new URL('..', import.meta.url));
const BIN = resolve(root, 'bin', 'git-track.js');
const arg = (name, fallback) => {
  const i = process.argv.indexOf(name);
  return i > 0 ? Number(process.argv[i + 1]) : fallback;
};
const RUNS = arg('--runs', 1000);
const REPEAT = arg('--repeat', 5);

const env = BENCH_ENV;
const git = (cwd, ...args) => execFileSync('git', args, { cwd, env, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
const gt = (cwd, ...args) => execFileSync(process.execPath, [BIN, ...args], { cwd, env, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
const time = (fn) => {
  const t = performance.now();
  fn();
  return performance.now() - t;
};
/** Run both measurements, in alternating order so neither side always gets a warmer page cache. */
const inTurn = (r, pair) => (r % 2 ? [...pair].reverse() : pair).forEach((f) => f());
const median = (v) => {
  const s = [...v].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
};

const work = mkdtempSync(join(tmpdir(), 'gt-bench-sync-'));
try {
  // The source repository: 1,000 runs (20 params, 10 metrics each), logged through the library.
  const src = join(work, 'src');
  git(work, 'init', '-q', '-b', 'main', src);
  writeFileSync(join(src, 'train.py'), 'print(1)\n');
  git(src, 'add', '.');
  git(src, 'commit', '-q', '-m', 'code');
  const head = git(src, 'rev-parse', 'HEAD').trim();
  const { openTracker, fixedEnv } = await import(resolve(root, 'dist', 'index.js'));
  const tracker = openTracker({ dir: src, env: { ...fixedEnv({ seed: 7 }), vars: env } });
  const t0 = performance.now();
  // Twice RUNS runs: the first half is what a remote already has in the incremental case.
  for (let i = 0; i < 2 * RUNS; i++) {
    if (i === RUNS) git(src, 'branch', 'half', 'runs');
    const params = Object.fromEntries(Array.from({ length: 20 }, (_, k) => [`p${k}`, i * k]));
    const metrics = Object.fromEntries(Array.from({ length: 10 }, (_, k) => [`m${k}`, (i + k) / 1000]));
    await tracker.log({ params, metrics, code: { commit: head, branch: 'main', dirty: false } });
  }
  console.log(`logged ${2 * RUNS} runs in ${((performance.now() - t0) / 1000).toFixed(1)} s (setup, not measured)`);
  git(src, 'gc', '-q'); // a realistic, packed source repository for both sides
  const full = git(src, 'rev-parse', 'runs').trim();
  // The fresh case pushes the first RUNS runs; the incremental case the next RUNS onto them.
  git(src, 'update-ref', 'refs/heads/runs', 'half');

  const rows = { push: [], gitPush: [], pull: [], gitFetch: [], libPush: [], libPull: [], incPush: [], incGitPush: [], incPull: [], incGitFetch: [] };
  // The same through the library, in this process: what the sync itself costs without the
  // start-up of a Node process (which the CLI numbers include, like git's include git's).
  const timeAsync = async (fn) => {
    const t = performance.now();
    await fn();
    return performance.now() - t;
  };
  for (let r = 0; r < REPEAT; r++) {
    const ours = join(work, `ours-${r}.git`);
    const theirs = join(work, `plain-${r}.git`);
    git(work, 'init', '-q', '--bare', ours);
    git(work, 'init', '-q', '--bare', theirs);
    inTurn(r, [
      () => rows.push.push(time(() => gt(src, 'push', ours))),
      () => rows.gitPush.push(time(() => git(src, 'push', '-q', theirs, 'refs/heads/runs:refs/heads/runs'))),
    ]);

    const a = join(work, `clone-ours-${r}`);
    const b = join(work, `clone-plain-${r}`);
    git(work, 'init', '-q', '-b', 'main', a);
    git(work, 'init', '-q', '-b', 'main', b);
    inTurn(r, [
      () => rows.pull.push(time(() => gt(a, 'pull', ours))),
      () => rows.gitFetch.push(time(() => git(b, 'fetch', '-q', theirs, 'refs/heads/runs:refs/heads/runs'))),
    ]);
    if (git(a, 'rev-parse', 'runs') !== git(b, 'rev-parse', 'runs')) throw new Error('pull and fetch disagree');

    const lib = join(work, `lib-${r}.git`);
    git(work, 'init', '-q', '--bare', lib);
    rows.libPush.push(await timeAsync(() => tracker.push({ remote: lib })));
    const c = join(work, `clone-lib-${r}`);
    git(work, 'init', '-q', '-b', 'main', c);
    const other = openTracker({ dir: c, env: { ...fixedEnv({ seed: r }), vars: env } });
    rows.libPull.push(await timeAsync(() => other.pull({ remote: lib })));
  }

  // Incremental: RUNS new runs onto remotes (and clones) that already have RUNS.
  git(src, 'update-ref', 'refs/heads/runs', full);
  for (let r = 0; r < REPEAT; r++) {
    const ours = join(work, `inc-ours-${r}.git`);
    const theirs = join(work, `inc-plain-${r}.git`);
    for (const bare of [ours, theirs]) {
      git(work, 'init', '-q', '--bare', bare);
      git(src, 'push', '-q', bare, 'half:refs/heads/runs');
    }
    const a = join(work, `inc-clone-ours-${r}`);
    const b = join(work, `inc-clone-plain-${r}`);
    for (const [clone, bare] of [[a, ours], [b, theirs]]) {
      git(work, 'init', '-q', '-b', 'main', clone);
      git(clone, 'fetch', '-q', bare, 'refs/heads/runs:refs/heads/runs');
    }
    gt(a, 'pull', ours); // a previous sync: git-track knows what this remote had
    inTurn(r, [
      () => rows.incPush.push(time(() => gt(src, 'push', ours))),
      () => rows.incGitPush.push(time(() => git(src, 'push', '-q', theirs, 'refs/heads/runs:refs/heads/runs'))),
    ]);
    inTurn(r, [
      () => rows.incPull.push(time(() => gt(a, 'pull', ours))),
      () => rows.incGitFetch.push(time(() => git(b, 'fetch', '-q', theirs, 'refs/heads/runs:refs/heads/runs'))),
    ]);
    if (git(a, 'rev-parse', 'runs') !== git(b, 'rev-parse', 'runs')) throw new Error('incremental pull and fetch disagree');
  }

  const line = (name, ms, ref, refName) =>
    `${name.padEnd(22)} ${median(ms).toFixed(0).padStart(6)} ms   ${refName.padEnd(12)} ${median(ref).toFixed(0).padStart(6)} ms   ratio ${(median(ms) / median(ref)).toFixed(2)}× (budget ≤ 1.50×)`;
  console.log(`\n${RUNS} new runs to/from a local bare remote, median of ${REPEAT}:`);
  console.log(line('git-track push', rows.push, rows.gitPush, 'git push'));
  console.log(line('git-track pull', rows.pull, rows.gitFetch, 'git fetch'));
  console.log(line('library push (in-proc)', rows.libPush, rows.gitPush, 'git push'));
  console.log(line('library pull (in-proc)', rows.libPull, rows.gitFetch, 'git fetch'));
  console.log(`\n${RUNS} new runs onto ${RUNS} the remote (or clone) already has, median of ${REPEAT}:`);
  console.log(line('git-track push', rows.incPush, rows.incGitPush, 'git push'));
  console.log(line('git-track pull', rows.incPull, rows.incGitFetch, 'git fetch'));
  const node = [];
  for (let i = 0; i < REPEAT; i++) node.push(time(() => execFileSync(process.execPath, ['-e', '0'])));
  console.log(`node -e 0 (process start-up, part of every CLI number): ${median(node).toFixed(0)} ms`);
} finally {
  rmSync(work, { recursive: true, force: true });
}
