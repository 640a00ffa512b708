import { spawn, spawnSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { BIN, cli, cliWith, git, makeRepo, testGitEnv } from '../helpers/repo.js';

/**
 * A stand-in for training: reports `acc` from its two arguments through $GIT_TRACK_RUN_DIR,
 * fails for depth 8 with lr 0.01 when FAIL is set, and sleeps SLEEP seconds.
 */
const TRAIN = `#!/bin/sh
lr=$1; depth=$2
sleep "\${SLEEP:-0}"
echo "training lr=$lr depth=$depth"
if [ -n "$FAIL" ] && [ "$depth" = 8 ] && [ "$lr" = 0.01 ]; then echo "diverged" >&2; exit 3; fi
acc=$(awk "BEGIN { print 1 - ($lr - 0.01)^2 - $depth / 100 }")
printf '{"acc": %s}\\n' "$acc" > "$GIT_TRACK_RUN_DIR/metrics.json"
`;

function sweepRepo(): string {
  const dir = makeRepo({ commit: true });
  writeFileSync(join(dir, 'train.sh'), TRAIN, { mode: 0o755 });
  git(dir, 'add', 'train.sh');
  git(dir, 'commit', '-qm', 'train');
  return dir;
}

interface Manifest {
  id: string;
  name?: string;
  parent?: string;
  status: string;
  params: Record<string, unknown>;
  metrics: Record<string, number>;
  tags: Record<string, string>;
  command?: string[];
  code?: { commit: string | null };
}

const show = (dir: string, id: string): Manifest => JSON.parse(cli(dir, 'show', id, '--json').stdout);
const allRuns = (dir: string): Manifest[] => JSON.parse(cli(dir, 'list', '--json').stdout);
const sweepArgs = ['--grid', 'lr=0.1,0.01,0.001', '--grid', 'depth=4,8'];

function sweepOf(runs: Manifest[]): { parent: Manifest; children: Manifest[] } {
  const parent = runs.find((r) => r.params['grid.lr'] !== undefined)!;
  return { parent, children: runs.filter((r) => r.parent === parent.id) };
}

describe('git-track sweep', () => {
  it('records one parent and one child per combination, the failed one too, and picks the best child', () => {
    const dir = sweepRepo();
    const head = git(dir, 'rev-parse', 'HEAD').trim();
    const r = cliWith(dir, { FAIL: '1' }, 'sweep', ...sweepArgs, '-j', '2', '--metric', 'acc', '--name', 'grid1', '--', './train.sh', '{lr}', '{depth}');
    expect(r.code, r.stderr).toBe(1);
    // Piped: no progress on stderr.
    expect(r.stderr).toBe('');
    const runs = allRuns(dir);
    expect(runs).toHaveLength(7);
    const { parent, children } = sweepOf(runs);
    expect(parent).toMatchObject({
      name: 'grid1',
      status: 'failed',
      params: { 'grid.lr': [0.1, 0.01, 0.001], 'grid.depth': [4, 8] },
      command: ['./train.sh', '{lr}', '{depth}'],
      tags: { 'sweep.metric': 'acc', 'sweep.goal': 'max' },
    });
    expect(parent.parent).toBeUndefined();
    expect(children).toHaveLength(6);
    const byName = new Map(children.map((c) => [c.name, c]));
    for (const depth of [4, 8]) {
      for (const lr of [0.1, 0.01, 0.001]) {
        const c = byName.get(`depth=${depth},lr=${lr}`)!;
        expect(c, `depth=${depth},lr=${lr}`).toBeDefined();
        expect(c.params).toEqual({ depth, lr });
        expect(c.command).toEqual(['./train.sh', String(lr), String(depth)]);
        expect(c.code?.commit).toBe(head);
        const failing = depth === 8 && lr === 0.01;
        expect(c.status).toBe(failing ? 'failed' : 'finished');
        expect(c.tags.exit_code).toBe(failing ? '3' : '0');
        if (!failing) expect(c.metrics.acc).toBeCloseTo(1 - (lr - 0.01) ** 2 - depth / 100, 10);
        // The output is kept with the run, as under `git-track run`.
        expect(git(dir, 'show', `runs:runs/${c.id.slice(0, 2)}/${c.id}/output.log`)).toContain(`training lr=${lr} depth=${depth}`);
      }
    }
    const best = byName.get('depth=4,lr=0.01')!;
    expect(parent.tags['sweep.best']).toBe(best.id);
    // The summary: the children compared, the best one marked.
    expect(r.stdout).toMatch(new RegExp(`^sweep ${parent.id} grid1: 5 finished, 1 failed$`, 'm'));
    expect(r.stdout).toContain(`${best.id.slice(0, 7)} depth=4,lr=0.01 (best)`);
    expect(r.stdout).toMatch(new RegExp(`^best: ${best.id} depth=4,lr=0.01 \\(acc = 0.96, max\\)$`, 'm'));
    git(dir, 'fsck', '--strict');
    // No staging dir is left behind.
    expect(readdirSync(join(dir, '.git', 'git-track', 'staging'))).toEqual([]);
  });

  it('--fail-fast starts nothing after the first failure', () => {
    const dir = sweepRepo();
    const r = cliWith(dir, { FAIL: '1' }, 'sweep', '--grid', 'depth=8', '--grid', 'lr=0.01,0.1,0.001', '--fail-fast', '--', './train.sh', '{lr}', '{depth}');
    expect(r.code).toBe(1);
    const { parent, children } = sweepOf(allRuns(dir));
    // Unnamed, a sweep is named after what it varies.
    expect(parent.name).toBe('sweep depth,lr');
    expect(children.map((c) => [c.name, c.status])).toEqual([['depth=8,lr=0.01', 'failed']]);
    expect(parent.status).toBe('failed');
    expect(r.stdout).toContain('(stopped before every combination ran)');
  });

  it('--resume runs only the combinations without a finished child, under the same parent', () => {
    const dir = sweepRepo();
    const first = cliWith(dir, { FAIL: '1' }, 'sweep', ...sweepArgs, '-j', '3', '--metric', 'acc', '--', './train.sh', '{lr}', '{depth}');
    expect(first.code).toBe(1);
    const { parent } = sweepOf(allRuns(dir));
    const again = cliWith(dir, {}, 'sweep', '--resume', parent.id.slice(0, 6), '-j', '2');
    expect(again.code, again.stderr).toBe(0);
    const runs = allRuns(dir);
    expect(runs).toHaveLength(8);
    const { children } = sweepOf(runs);
    const retried = children.filter((c) => c.name === 'depth=8,lr=0.01');
    expect(retried.map((c) => c.status).sort()).toEqual(['failed', 'finished']);
    // Nothing else ran twice.
    expect(new Set(children.map((c) => c.name)).size).toBe(6);
    // Resuming a finished sweep runs nothing; its summary leaves archived children out unless --all.
    const failedOne = retried.find((c) => c.status === 'failed')!;
    expect(cli(dir, 'archive', failedOne.id).code).toBe(0);
    const nothing = cliWith(dir, {}, 'sweep', '--resume', parent.id);
    expect(nothing.code).toBe(0);
    expect(allRuns(dir)).toHaveLength(7);
    expect(cli(dir, 'list', '--all', '--json').stdout).toContain(failedOne.id);
    expect(nothing.stdout).not.toContain(failedOne.id.slice(0, 7));
    expect(cliWith(dir, {}, 'sweep', '--resume', parent.id, '--all').stdout).toContain(failedOne.id.slice(0, 7));
  });

  it('--random N --seed S draws the same combinations every time, and records how', () => {
    const dir = sweepRepo();
    const args = ['sweep', '--grid', 'lr=1,2,3,4,5', '--grid', 'depth=1,2,3,4', '--random', '3', '--seed', '7', '--', './train.sh', '{lr}', '{depth}'];
    expect(cliWith(dir, {}, ...args).code).toBe(0);
    expect(cliWith(dir, {}, ...args).code).toBe(0);
    const runs = allRuns(dir);
    const parents = runs.filter((r) => r.params['grid.lr'] !== undefined);
    expect(parents).toHaveLength(2);
    const names = parents.map((p) => runs.filter((r) => r.parent === p.id).map((r) => r.name).sort());
    expect(names[0]).toHaveLength(3);
    expect(names[1]).toEqual(names[0]);
    expect(parents[0]!.params).toMatchObject({ 'sweep.random': 3, 'sweep.seed': 7 });
  });

  it('Ctrl-C stops the sweep: running children are recorded as killed, the parent too, nothing else starts', async () => {
    const dir = sweepRepo();
    const child = spawn(process.execPath, [BIN, 'sweep', ...sweepArgs, '-j', '2', '--', './train.sh', '{lr}', '{depth}'], {
      cwd: dir,
      env: testGitEnv({ SLEEP: '30' }),
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    child.stdout.on('data', (d) => (stdout += d));
    const staging = join(dir, '.git', 'git-track', 'staging');
    // The parent and two children are in progress.
    const deadline = Date.now() + 20_000;
    while (!(existsSync(staging) && readdirSync(staging).length >= 3) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
    await new Promise((r) => setTimeout(r, 300));
    // Resuming a sweep that is still running is refused.
    const parentDir = readdirSync(staging).find((d) => !JSON.parse(readFileSync(join(staging, d, 'run.json'), 'utf8')).input.parent)!;
    const early = cli(dir, 'sweep', '--resume', parentDir);
    expect(early.code).toBe(1);
    expect(early.stderr).toMatch(new RegExp(`^git-track: sweep ${parentDir} is still running`));
    const started = Date.now();
    child.kill('SIGINT');
    const code = await new Promise<number | null>((done) => child.on('close', done));
    expect(Date.now() - started).toBeLessThan(10_000);
    expect(code).toBe(130);
    const { parent, children } = sweepOf(allRuns(dir));
    expect(parent.status).toBe('killed');
    expect(children.map((c) => c.status)).toEqual(['killed', 'killed']);
    expect(stdout).toMatch(/2 killed \(stopped before every combination ran\)/);
    expect(readdirSync(staging)).toEqual([]);
    git(dir, 'fsck', '--strict');
  }, 30_000);

  it.skipIf(spawnSync('script', ['--version']).status !== 0)('shows a progress line per finished child on a terminal', () => {
    const dir = sweepRepo();
    // `script` gives the sweep a terminal, as a user's shell would.
    const r = spawnSync('script', ['-qec', `${process.execPath} ${BIN} sweep --grid lr=0.1,0.01 --grid depth=4 -- ./train.sh {lr} {depth}`, '/dev/null'], {
      cwd: dir,
      env: testGitEnv({ TERM: 'dumb', NO_COLOR: '1' }),
      encoding: 'utf8',
    });
    const out = r.stdout.replace(/\x1b\[[0-9;]*m/g, '').replace(/\r/g, '');
    expect(out).toMatch(/^git-track: sweep [0-9a-f]{12}: 2 run\(s\) to go, 1 at a time$/m);
    expect(out).toMatch(/^\[1\/2\] [0-9a-f]{12} finished depth=4,lr=0\.1 acc=0\.9519 \(\d+\.\d s\)$/m);
    expect(out).toMatch(/^\[2\/2\] [0-9a-f]{12} finished depth=4,lr=0\.01 acc=0\.96 \(\d+\.\d s\)$/m);
  });

  it('refuses bad usage with one line and records nothing', () => {
    const dir = sweepRepo();
    const cases: [string[], RegExp][] = [
      [['sweep', '--', './train.sh'], /needs at least one --grid/],
      [['sweep', '--grid', 'lr=1'], /expects a command after --/],
      [['sweep', '--grid', 'lr', '--', './train.sh'], /--grid expects KEY=V1,V2/],
      [['sweep', '--grid', 'lr=1', '--grid', 'lr=2', '--', './train.sh'], /'lr' is given twice/],
      [['sweep', '--grid', 'lr=1,1', '--', './train.sh'], /listed twice/],
      [['sweep', '--grid', 'lr=1', '-j', '0', '--', './train.sh'], /-j\/--jobs expects a whole number from 1/],
      [['sweep', '--grid', 'lr=1', '--metric', 'speed', '--', './train.sh', '{lr}'], /--goal min or --goal max/],
      [['sweep', '--resume', 'x', '--grid', 'lr=1'], /drop --grid/],
    ];
    for (const [args, message] of cases) {
      const r = cli(dir, ...args);
      expect(r.code, args.join(' ')).toBe(2);
      expect(r.stderr.split('\n').filter((l) => l.startsWith('git-track: '))).toHaveLength(1);
      expect(r.stderr).toMatch(message);
    }
    const missing = cli(dir, 'sweep', '--grid', 'lr=1', '--', 'no-such-program', '{lr}');
    expect(missing.code).toBe(127);
    expect(missing.stderr).toMatch(/command not found: no-such-program/);
    const notSweep = cli(dir, 'log', '--name', 'plain', '-m', 'f1=1');
    expect(cli(dir, 'sweep', '--resume', notSweep.stdout.trim()).stderr).toMatch(/is not a sweep/);
    expect(allRuns(dir)).toHaveLength(1);
  });
});
