/**
 * An oversized manifest pushed to a shared remote is refused from its object header: a
 * warning and milliseconds for the listing, one line for the commands that need the run,
 * never the seconds and gigabytes of inflating it.
 */
import { describe, expect, it } from 'vitest';
import { spawnSync } from 'node:child_process';
import { addRun, commitOnRef, makeTree, manifestText, placeAt, tipTree, treeOf } from '../helpers/hostile.js';
import { MAX_TREE_ENTRIES } from '../../src/limits.js';
import { cloneOf, logRun, makeBare, makeOrigin } from '../helpers/remotes.js';
import { BIN, cli, git, testGitEnv } from '../helpers/repo.js';

/** The CLI under /usr/bin/time: exit code, stderr, wall seconds, max RSS in MB. */
function measured(dir: string, ...args: string[]): { code: number; stderr: string; seconds: number; rssMb: number } {
  const t = process.hrtime.bigint();
  const r = spawnSync('/usr/bin/time', ['-f', 'RSS %M', process.execPath, BIN, ...args], { cwd: dir, env: testGitEnv(), encoding: 'utf8', maxBuffer: 1 << 28 });
  const seconds = Number(process.hrtime.bigint() - t) / 1e9;
  const lines = r.stderr.trimEnd().split('\n').filter((l) => !l.startsWith('Command exited with non-zero status'));
  const rssMb = Number(/RSS (\d+)/.exec(lines.at(-1) ?? '')?.[1] ?? 0) / 1024;
  const out = { code: r.status ?? -1, stderr: lines.slice(0, -1).join('\n'), seconds, rssMb };
  console.log(`${args.join(' ')}: ${seconds.toFixed(2)} s, ${rssMb.toFixed(0)} MB`);
  return out;
}

function setup(): { bare: string; victim: string; good: string } {
  const bare = makeBare();
  const honest = makeOrigin(bare);
  git(honest, 'push', '-q', 'origin', 'main');
  const good = logRun(honest, '-m', 'f1=0.8');
  expect(cli(honest, 'push').code).toBe(0);
  return { bare, victim: cloneOf(bare), good };
}

function pull(victim: string): void {
  const r = cli(victim, 'pull');
  expect(r.stderr).toBe('');
  expect(r.code).toBe(0);
}

const warnings = (stderr: string) => stderr.split('\n').filter(Boolean);

describe('a 100 MB manifest from a remote', () => {
  it('costs list a warning, and show one line, in bounded time and memory', { timeout: 300_000 }, () => {
    const bare = makeBare();
    const honest = makeOrigin(bare);
    git(honest, 'push', '-q', 'origin', 'main');
    const good = logRun(honest, '-m', 'f1=0.8');
    expect(cli(honest, 'push').code).toBe(0);
    const id = 'bbbbbbbbbbbb';
    const huge = `${manifestText({ id }).trimEnd()}\nnote: ${'x'.repeat(100 * 1024 * 1024)}\n`;
    addRun(bare, id, { 'run.yaml': { blob: huge } });
    // Packed, as after a gc or a fetch: the size comes from the pack entry header.
    git(bare, 'repack', '-adq');
    const victim = cloneOf(bare);
    const pulled = cli(victim, 'pull');
    expect(pulled.code).toBe(0);

    for (const args of [['list'], ['list', '--json'], ['list', '--filter', 'metrics.f1 > 0.5']]) {
      const r = measured(victim, ...args);
      expect(r.code, args.join(' ')).toBe(0);
      expect(r.stderr).toContain(`skipping run ${id}`);
      expect(r.stderr).toContain('over the limit');
      // Inflating 100 MB alone takes most of a second and its size in memory.
      expect(r.seconds, args.join(' ')).toBeLessThan(5);
      expect(r.rssMb, args.join(' ')).toBeLessThan(150);
    }
    expect(cli(victim, 'list').stdout).toContain(good);
    for (const args of [['show', id], ['get', id], ['checkout', id, 'out']]) {
      const r = measured(victim, ...args);
      expect(r.code, args.join(' ')).toBe(1);
      expect(r.stderr.split('\n'), r.stderr).toHaveLength(1);
      expect(r.stderr).toContain('over the limit');
      expect(r.seconds, args.join(' ')).toBeLessThan(5);
      expect(r.rssMb, args.join(' ')).toBeLessThan(150);
    }
    const verify = measured(victim, 'verify');
    expect(verify.code).toBe(1);
    expect(verify.rssMb).toBeLessThan(150);
  });
});

describe('an oversized tree from a remote', () => {
  it('costs the listing the runs of that shard, with a warning naming it', () => {
    const { bare, victim, good } = setup();
    const runTree = treeOf(bare, { 'run.yaml': { blob: manifestText({ id: good }) } });
    // A shard other than the good run's own (its id is random: 1 in 256 starts with 90).
    const shard = good.startsWith('90') ? '91' : '90';
    const entries = Array.from({ length: MAX_TREE_ENTRIES + 1 }, (_, i) => ({ mode: '040000', type: 'tree', oid: runTree, name: `${shard[0]}${i.toString(16).padStart(11, '0')}` }));
    const root = placeAt(bare, tipTree(bare, 'refs/heads/runs'), ['runs', shard], { tree: makeTree(bare, entries) });
    commitOnRef(bare, 'refs/heads/runs', root, 'huge shard');
    pull(victim);
    for (let i = 0; i < 2; i++) {
      const list = cli(victim, 'list', '--json');
      expect(list.code).toBe(0);
      expect((JSON.parse(list.stdout) as { id: string }[]).map((r) => r.id)).toEqual([good]);
      expect(warnings(list.stderr)).toEqual([`warning: skipping tree runs/${shard} has ${MAX_TREE_ENTRIES + 1} entries, over the limit of ${MAX_TREE_ENTRIES}`]);
    }
    const verify = cli(victim, 'verify');
    expect(verify.code).toBe(1);
    expect(verify.stdout + verify.stderr).toContain(`runs/${shard}`);
  });
});

describe('an oversized series file from a remote', () => {
  it('is refused by metrics with one line, before it is read', { timeout: 120_000 }, () => {
    const { bare, victim } = setup();
    const id = 'cccccccccccc';
    const text = manifestText({ id }).replace('artifacts: []\n', 'series:\n  - loss\nartifacts: []\n');
    const line = (i: number) => `${i}\t0.5\t2026-01-01T00:00:00Z\n`;
    const rows = (n: number) => `step\tvalue\ttimestamp\n${Array.from({ length: n }, (_, i) => line(i)).join('')}`;
    addRun(bare, id, { 'run.yaml': { blob: text }, 'series/loss.tsv': { blob: rows(1_300_000) } }); // ≈ 42 MB
    // Within the limit, a million steps still print (as a table, not a stack overflow).
    const ok = 'dddddddddddd';
    addRun(bare, ok, { 'run.yaml': { blob: manifestText({ id: ok }).replace('artifacts: []\n', 'series:\n  - loss\nartifacts: []\n') }, 'series/loss.tsv': { blob: rows(200_000) } });
    pull(victim);
    const within = measured(victim, 'metrics', ok, 'loss');
    expect(within.stderr).toBe('');
    expect(within.code).toBe(0);
    const r = measured(victim, 'metrics', id, 'loss');
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/^git-track: run cccccccccccc series\/loss\.tsv is [\d.]+ MB, over the limit of 32\.0 MB$/);
    expect(r.rssMb).toBeLessThan(150);
  });
});
