/**
 * Bad runs and records pulled from a shared remote: each costs one warning naming it (and a
 * `verify` problem), never the listing; only the commands that need that run fail.
 */
import { describe, expect, it } from 'vitest';
import { addRun, commitOnRef, makeTree, manifestText, placeAt, tipTree, treeOf, writeBlob } from '../helpers/hostile.js';
import { cloneOf, logRun, makeBare, makeOrigin } from '../helpers/remotes.js';
import { cli, git } from '../helpers/repo.js';

function setup(): { bare: string; victim: string; honest: string; good: string } {
  const bare = makeBare();
  const honest = makeOrigin(bare);
  git(honest, 'push', '-q', 'origin', 'main');
  const good = logRun(honest, '-m', 'f1=0.8', '--name', 'honest');
  expect(cli(honest, 'push').code).toBe(0);
  return { bare, victim: cloneOf(bare), honest, good };
}

function pull(victim: string): void {
  const r = cli(victim, 'pull');
  expect(r.stderr).toBe('');
  expect(r.code).toBe(0);
}

const warnings = (stderr: string) => stderr.split('\n').filter(Boolean);

describe('bad runs from a remote', () => {
  it('are skipped by list and list --json with one warning each, and reported by verify', () => {
    const { bare, victim, good } = setup();
    const big = `${manifestText({ id: 'bbbbbbbbbbbb' }).trimEnd()}\nnote: ${'x'.repeat(2 * 1024 * 1024)}\n`;
    addRun(bare, 'aaaaaaaaaaaa', { 'run.yaml': { link: manifestText({ id: 'aaaaaaaaaaaa' }) } }); // symlink whose target text is a manifest
    addRun(bare, 'bbbbbbbbbbbb', { 'run.yaml': { blob: big } });
    addRun(bare, 'cccccccccccc', { 'run.yaml': { blob: 'format: [\n' } });
    addRun(bare, 'dddddddddddd', { 'run.yaml': { blob: manifestText({ id: good }) } }); // a copy filed under another id
    addRun(bare, 'eeeeeeeeeeee', { 'run.yaml': { blob: manifestText({ id: 'eeeeeeeeeeee', artifacts: [{ path: '../x', bytes: 'x' }] }) } });
    addRun(bare, 'ffffffffffff', { 'notes.txt': { blob: 'no manifest\n' } });
    pull(victim);

    const list = cli(victim, 'list', '--json');
    expect(list.code).toBe(0);
    const ids = (JSON.parse(list.stdout) as { id: string }[]).map((r) => r.id);
    expect(ids).toEqual([good]);
    const w = warnings(list.stderr);
    for (const id of ['aaaaaaaaaaaa', 'bbbbbbbbbbbb', 'cccccccccccc', 'dddddddddddd', 'eeeeeeeeeeee']) {
      expect(w.filter((l) => l.includes(id)), id).toHaveLength(1);
    }
    expect(w.find((l) => l.includes('aaaaaaaaaaaa'))).toContain('symlink');
    expect(w.find((l) => l.includes('bbbbbbbbbbbb'))).toContain('over the limit of 1.0 MB');
    expect(w.find((l) => l.includes('dddddddddddd'))).toContain(`holds the manifest of run ${good}`);

    // Warm index: the same runs are named again, still without failing.
    const table = cli(victim, 'list');
    expect(table.code).toBe(0);
    expect(table.stdout).toContain(good);
    expect(table.stdout).not.toContain('dddddddddddd');
    expect(table.stdout).not.toContain('eeeeeeeeeeee');
    for (const id of ['aaaaaaaaaaaa', 'bbbbbbbbbbbb', 'cccccccccccc', 'dddddddddddd']) expect(table.stderr).toContain(id);
    expect(cli(victim, 'list', '--filter', 'metrics.f1 > 0.1', '--json').code).toBe(0);

    // Only what needs the run fails, with one line.
    const show = cli(victim, 'show', 'aaaaaaaaaaaa');
    expect(show.code).toBe(1);
    expect(show.stderr).toMatch(/^git-track: run aaaaaaaaaaaa: run\.yaml is a symlink, not a manifest\n$/);
    const showBig = cli(victim, 'show', 'bbbbbbbbbbbb');
    expect(showBig.code).toBe(1);
    expect(showBig.stderr).toContain('over the limit');
    expect(cli(victim, 'show', good).code).toBe(0);

    const verify = cli(victim, 'verify');
    expect(verify.code).toBe(1);
    for (const id of ['aaaaaaaaaaaa', 'bbbbbbbbbbbb', 'cccccccccccc', 'dddddddddddd', 'eeeeeeeeeeee', 'ffffffffffff']) expect(verify.stdout + verify.stderr).toContain(id);
  });

  it('a data input without its sha256 and size is skipped with one warning by every listing, not a crash', () => {
    const { bare, victim, good } = setup();
    const text = manifestText({ id: 'aaaaaaaaaaaa', data: [{ path: 'data/x.csv', bytes: 'x' }] }).replace(/^ {4}sha256: .*\n {4}size: .*\n/m, '');
    expect(text).toContain('  - path: "data/x.csv"\n    kind: file\nparams');
    addRun(bare, 'aaaaaaaaaaaa', { 'run.yaml': { blob: text } });
    pull(victim);
    for (const args of [['list'], ['list', '--json'], ['list', '--filter', 'metrics.f1 > 0']]) {
      const r = cli(victim, ...args);
      expect(r.code, `${args.join(' ')}: ${r.stderr}`).toBe(0);
      expect(r.stdout).toContain(good);
      expect(r.stdout).not.toContain('aaaaaaaaaaaa');
      expect(warnings(r.stderr)).toEqual(['warning: skipping run aaaaaaaaaaaa: invalid manifest: data[0].sha256: is required']);
    }
  });

  it('many directories holding one copied manifest are never listed twice (the batch reader)', () => {
    const { bare, victim, good } = setup();
    // 300 run directories sharing one tree whose manifest is the honest run's: one shard each.
    const runTree = treeOf(bare, { 'run.yaml': { blob: manifestText({ id: good }) } });
    const ids = Array.from({ length: 300 }, (_, i) => `9${i.toString(16).padStart(11, '0')}`);
    const shard = makeTree(
      bare,
      ids.map((id) => ({ mode: '040000', type: 'tree', oid: runTree, name: id })),
    );
    commitOnRef(bare, 'refs/heads/runs', placeAt(bare, tipTree(bare, 'refs/heads/runs'), ['runs', '90'], { tree: shard }), 'bogus');
    addRun(bare, 'aaaaaaaaaaaa', { 'run.yaml': { link: manifestText({ id: 'aaaaaaaaaaaa' }) } }); // read in the same batch
    pull(victim);
    const table = cli(victim, 'list');
    expect(table.code).toBe(0);
    expect(table.stdout).not.toContain('aaaaaaaaaaaa');
    const list = cli(victim, 'list', '--json');
    expect(list.code).toBe(0);
    expect((JSON.parse(list.stdout) as { id: string }[]).map((r) => r.id)).toEqual([good]);
    const w = warnings(list.stderr);
    expect(w.length).toBeLessThanOrEqual(6);
    expect(w.at(-1)).toContain('296 more runs');
  });
});

describe('bad records from a remote', () => {
  it('one bad promotion record is skipped by stage with a warning, and verify reports it', () => {
    const { bare, victim, honest, good } = setup();
    expect(cli(honest, 'promote', good, '--stage', 'production', '--reason', 'best').code).toBe(0);
    expect(cli(honest, 'push').code).toBe(0);
    const root = tipTree(bare, 'refs/heads/runs');
    const withBad = placeAt(bare, root, ['stages', 'production', '2026-12', '20261201T000000Z-zzzz.yaml'], { blob: 'run: [\n' });
    const withBig = placeAt(bare, withBad, ['stages', 'production', '2026-12', '20261202T000000Z-zzzz.yaml'], { blob: `reason: ${'y'.repeat(100_000)}\n` });
    commitOnRef(bare, 'refs/heads/runs', withBig, 'bad promotion');
    pull(victim);
    const stage = cli(victim, 'stage');
    expect(stage.code).toBe(0);
    expect(stage.stdout).toContain(good);
    const w = warnings(stage.stderr);
    expect(w).toHaveLength(2);
    expect(w[0]).toContain('stages/production/2026-12/20261201T000000Z-zzzz.yaml');
    expect(w[1]).toContain('over the limit');
    expect(cli(victim, 'stage', '--history').code).toBe(0);
    const verify = cli(victim, 'verify');
    expect(verify.code).toBe(1);
    expect(verify.stdout + verify.stderr).toContain('20261201T000000Z-zzzz.yaml');
  });

  it('one bad tag record does not break list', () => {
    const { bare, victim, good } = setup();
    const root = tipTree(bare, 'refs/heads/runs');
    commitOnRef(bare, 'refs/heads/runs', placeAt(bare, root, ['tags', good.slice(0, 2), good, 'bad.yaml'], { blob: writeBlob(bare, 'x') && 'tags: [\n' }), 'bad tag');
    pull(victim);
    const list = cli(victim, 'list', '--json');
    expect(list.code).toBe(0);
    expect((JSON.parse(list.stdout) as { id: string }[]).map((r) => r.id)).toEqual([good]);
    expect(warnings(list.stderr)).toHaveLength(1);
    expect(list.stderr).toContain('bad.yaml');
  });
});
