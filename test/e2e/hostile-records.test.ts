/**
 * Bad tag, promotion and fact records on `runs` (as a teammate's push could place them, built
 * here with git plumbing): each costs one warning naming it and is skipped; listings and
 * commands that do not need it go on; `verify` names each one.
 */
import { describe, expect, it } from 'vitest';
import { addRun, commitOnRef, makeTree, manifestText, placeAt, tipTree, writeBlob, type Placed } from '../helpers/hostile.js';
import { logRun } from '../helpers/remotes.js';
import { cli, git, makeRepo } from '../helpers/repo.js';

const AUTHOR = 'by:\n  name: Mallory\n  email: mallory@example.com\n';
const tagRecord = (run: string, added: string, tags: string) => `format: git-track/tags@1\nrun: ${run}\nadded: ${added}\n${AUTHOR}tags:\n${tags}`;
const fact = (run: string, at: string, rest: string) => `format: git-track/fact@1\n${rest}run: ${run}\nat: ${at}\n${AUTHOR}`;
const promotion = (stage: string, run: string, promoted: string) =>
  `format: git-track/promotion@1\nstage: ${stage}\nrun: ${run}\nprevious: null\npromoted: ${promoted}\n${AUTHOR}reason: mine\n`;

/** Commit `files` (path → content) onto `runs` of `dir` in one commit. */
function place(dir: string, files: Record<string, Placed>): void {
  let root = tipTree(dir, 'refs/heads/runs');
  for (const [path, what] of Object.entries(files)) root = placeAt(dir, root, path.split('/'), what);
  commitOnRef(dir, 'refs/heads/runs', root!, 'hostile records');
}

const lines = (stderr: string) => stderr.split('\n').filter(Boolean);

/** Every bad path is named in exactly one line of `stderr`, and nothing else is said. */
function expectOneWarningEach(stderr: string, paths: string[]): void {
  const w = lines(stderr);
  for (const p of paths) expect(w.filter((l) => l.includes(p)), `${p} in ${stderr}`).toHaveLength(1);
  expect(w, stderr).toHaveLength(paths.length);
  expect(stderr).not.toMatch(/\n\s+at /);
}

function setup() {
  const dir = makeRepo({ commit: true });
  const good = logRun(dir, '--name', 'good', '-m', 'f1=0.8');
  const other = logRun(dir, '--name', 'other', '-m', 'f1=0.6');
  return { dir, good, other };
}

describe('bad tag records on runs', () => {
  it('are skipped with one warning each by list, show and tag; verify names each', () => {
    const { dir, good, other } = setup();
    expect(cli(dir, 'tag', good, 'reviewed=yes').code).toBe(0);
    const base = `tags/${good.slice(0, 2)}/${good}`;
    const bad = {
      yaml: `${base}/20261201T000000000Z-aa01.yaml`,
      big: `${base}/20261201T000000000Z-aa02.yaml`,
      fields: `${base}/20261201T000000000Z-aa03.yaml`,
      link: `${base}/20261201T000000000Z-aa04.yaml`,
      otherRun: `${base}/20261201T000000000Z-aa05.yaml`,
      stamp: `${base}/20200101T000000000Z-aa06.yaml`,
    };
    const at = '2026-12-01T00:00:00.000Z';
    place(dir, {
      [bad.yaml]: { blob: 'tags: [\n' },
      [bad.big]: { blob: tagRecord(good, at, `  big: "${'x'.repeat(80 * 1024)}"\n`) },
      [bad.fields]: { blob: `${tagRecord(good, at, '  stolen: "yes"\n')}evil: 1\n` },
      [bad.link]: { link: tagRecord(good, at, '  stolen: "yes"\n') },
      // A valid record of another run, filed in this run's directory.
      [bad.otherRun]: { blob: tagRecord(other, at, '  stolen: "yes"\n') },
      // A valid record of this run under a name whose time is not its own.
      [bad.stamp]: { blob: tagRecord(good, at, '  stolen: "yes"\n') },
    });
    const paths = Object.values(bad);

    const json = cli(dir, 'list', '--json');
    expect(json.code).toBe(0);
    const rows = JSON.parse(json.stdout) as { id: string; tags: Record<string, string> }[];
    expect(rows.map((r) => r.id).sort()).toEqual([good, other].sort());
    expect(rows.find((r) => r.id === good)!.tags).toEqual({ reviewed: 'yes' });
    expect(rows.find((r) => r.id === other)!.tags).toEqual({});
    expectOneWarningEach(json.stderr, paths);
    const w = lines(json.stderr);
    expect(w.find((l) => l.includes(bad.yaml))).toContain('not valid YAML');
    expect(w.find((l) => l.includes(bad.big))).toContain('over the limit');
    expect(w.find((l) => l.includes(bad.fields))).toContain('evil');
    expect(w.find((l) => l.includes(bad.link))).toContain('symlink');
    expect(w.find((l) => l.includes(bad.otherRun))).toContain(`belongs at tags/${other.slice(0, 2)}/${other}/`);
    expect(w.find((l) => l.includes(bad.stamp))).toContain(`belongs at ${base}/20261201T000000000Z-aa06.yaml`);

    const table = cli(dir, 'list');
    expect(table.code).toBe(0);
    expect(table.stdout).toContain(good);
    expectOneWarningEach(table.stderr, paths);

    const show = cli(dir, 'show', good, '--json');
    expect(show.code).toBe(0);
    expect(JSON.parse(show.stdout).tags).toEqual({ reviewed: 'yes' });
    expectOneWarningEach(show.stderr, paths);
    expect(cli(dir, 'show', other, '--json').code).toBe(0);

    const tagged = cli(dir, 'tag', good, 'more=1');
    expect(tagged.code, tagged.stderr).toBe(0);
    expect(JSON.parse(cli(dir, 'show', good, '--json').stdout).tags).toEqual({ reviewed: 'yes', more: '1' });
    expect(cli(dir, 'stage')).toMatchObject({ code: 0, stderr: '' });
    expect(cli(dir, 'list', '--filter', "tags.stolen = 'yes'", '--json').stdout.trim()).toBe('[]');

    const verify = cli(dir, 'verify');
    expect(verify.code).toBe(1);
    for (const p of paths) expect(verify.stdout, p).toContain(`[tags] runs:${p}: `);
  });
});

describe('bad promotion records on runs', () => {
  it('are skipped by stage, stage:NAME and stage --history; verify names each', () => {
    const { dir, good, other } = setup();
    expect(cli(dir, 'promote', good, '--stage', 'production', '--reason', 'best').code).toBe(0);
    const later = '2030-01-01T00:00:00.000Z';
    const month = 'stages/production/2030-01';
    const bad = {
      // Newest by name: each would be the current production run if its name were trusted.
      otherStage: `${month}/20300101T000000000Z-${other}-bb01.yaml`,
      link: `${month}/20300101T000000000Z-${other}-bb02.yaml`,
      fields: `${month}/20300101T000000000Z-${other}-bb03.yaml`,
      big: `${month}/20300101T000000000Z-${other}-bb04.yaml`,
      nameRun: `${month}/20300101T000000000Z-${other}-bb05.yaml`,
      yaml: `${month}/20300101T000000000Z-${other}-bb06.yaml`,
      notDir: 'stages/qa',
    };
    place(dir, {
      [bad.otherStage]: { blob: promotion('staging', other, later) },
      [bad.link]: { link: promotion('production', other, later) },
      [bad.fields]: { blob: `${promotion('production', other, later)}evil: 1\n` },
      [bad.big]: { blob: promotion('production', other, later).replace('reason: mine', `reason: ${'y'.repeat(80 * 1024)}`) },
      // Its name says `other`, its content `good`.
      [bad.nameRun]: { blob: promotion('production', good, later) },
      [bad.yaml]: { blob: 'stage: [\n' },
      [bad.notDir]: { blob: 'not a stage\n' },
    });
    const paths = Object.values(bad);

    const stage = cli(dir, 'stage', '--json');
    expect(stage.code).toBe(0);
    expect(stage.stdout).toContain(good);
    expect(stage.stdout).not.toContain(other);
    expectOneWarningEach(stage.stderr, paths);
    expect(lines(stage.stderr).find((l) => l.includes(bad.otherStage))).toContain('belongs at stages/staging/');
    expect(lines(stage.stderr).find((l) => l.includes(bad.notDir))).toContain('is not a directory');

    const history = cli(dir, 'stage', 'production', '--history');
    expect(history.code).toBe(0);
    expect(history.stdout).not.toContain(other);

    const shown = cli(dir, 'show', 'stage:production', '--json');
    expect(shown.code, shown.stderr).toBe(0);
    expect(JSON.parse(shown.stdout).id).toBe(good);
    for (const l of lines(shown.stderr)) expect(l).toMatch(/skipping runs:stages\/production\/2030-01\//);

    // A new promotion chains to the last good one.
    expect(cli(dir, 'promote', other, '--stage', 'production', '--reason', 'next').code).toBe(0);
    const last = JSON.parse(cli(dir, 'stage', 'production', '--history', '--json').stdout) as { run: string; previous: string | null }[];
    expect(last.map((p) => [p.run, p.previous])).toContainEqual([other, good]);

    expect(cli(dir, 'list', '--json').code).toBe(0);
    const verify = cli(dir, 'verify');
    expect(verify.code).toBe(1);
    for (const p of paths) expect(verify.stdout, p).toContain(`[promotion] runs:${p}: `);
  });
});

describe('bad fact records on runs', () => {
  it('are skipped by list, show, archive and rename; verify names each', () => {
    const { dir, good, other } = setup();
    expect(cli(dir, 'rename', good, 'good-v2').code).toBe(0);
    const base = `facts/${good.slice(0, 2)}/${good}`;
    const at = '2030-01-01T00:00:00.000Z';
    const bad = {
      yaml: `${base}/20300101T000000000Z-cc01.yaml`,
      big: `${base}/20300101T000000000Z-cc02.yaml`,
      fields: `${base}/20300101T000000000Z-cc03.yaml`,
      link: `${base}/20300101T000000000Z-cc04.yaml`,
      // A rename of another run, and an archive of it, filed in this run's directory.
      otherRun: `${base}/20300101T000000000Z-cc05.yaml`,
      otherArchive: `${base}/20300101T000000000Z-cc06.yaml`,
      notYaml: `${base}/20300101T000000000Z-cc07.txt`,
    };
    place(dir, {
      [bad.yaml]: { blob: 'kind: [\n' },
      [bad.big]: { blob: fact(good, at, `kind: rename\nname: ${'z'.repeat(80 * 1024)}\n`) },
      [bad.fields]: { blob: `${fact(good, at, 'kind: archive\n')}evil: 1\n` },
      [bad.link]: { link: fact(good, at, 'kind: archive\n') },
      [bad.otherRun]: { blob: fact(other, at, 'kind: rename\nname: stolen\n') },
      [bad.otherArchive]: { blob: fact(other, at, 'kind: archive\n') },
      [bad.notYaml]: { blob: fact(good, at, 'kind: archive\n') },
    });
    const paths = Object.values(bad);

    const list = cli(dir, 'list', '--json');
    expect(list.code).toBe(0);
    const rows = JSON.parse(list.stdout) as { id: string; name: string }[];
    expect(rows.map((r) => [r.id, r.name]).sort()).toEqual(
      [
        [good, 'good-v2'],
        [other, 'other'],
      ].sort(),
    );
    expectOneWarningEach(list.stderr, paths);
    expect(lines(list.stderr).find((l) => l.includes(bad.otherRun))).toContain(`belongs at facts/${other.slice(0, 2)}/${other}/`);
    expect(lines(list.stderr).find((l) => l.includes(bad.link))).toContain('symlink');

    const show = cli(dir, 'show', good, '--json');
    expect(show.code).toBe(0);
    expect(JSON.parse(show.stdout)).toMatchObject({ id: good, name: 'good-v2' });
    expect(JSON.parse(show.stdout).archived).toBeUndefined();
    expectOneWarningEach(show.stderr, paths);
    expect(cli(dir, 'show', 'stolen').code).toBe(1);

    expect(cli(dir, 'archive', good).code).toBe(0);
    expect(cli(dir, 'rename', other, 'other-v2').code).toBe(0);
    expect((JSON.parse(cli(dir, 'list', '--json').stdout) as { id: string }[]).map((r) => r.id)).toEqual([other]);

    const verify = cli(dir, 'verify');
    expect(verify.code).toBe(1);
    for (const p of paths) expect(verify.stdout, p).toContain(`[facts] runs:${p}: `);
  });

  it('verify reports a fact that a later commit changed or removed (facts are append-only)', () => {
    const { dir, good } = setup();
    expect(cli(dir, 'archive', good).code).toBe(0);
    expect(cli(dir, 'verify').code).toBe(0);
    const path = git(dir, 'diff', '--name-only', 'runs~1', 'runs').trim();
    expect(path).toMatch(/^facts\//);
    place(dir, { [path]: { blob: git(dir, 'show', `runs:${path}`).replace('kind: archive', 'kind: unarchive') } });
    const verify = cli(dir, 'verify');
    expect(verify.code).toBe(1);
    expect(verify.stdout).toContain('[history]');
    expect(verify.stdout).toContain(path);
  });

  it('verify reports a fact about a run that is not on the branch', () => {
    const { dir } = setup();
    const ghost = '0123456789ab';
    place(dir, { [`facts/01/${ghost}/20300101T000000000Z-dd01.yaml`]: { blob: fact(ghost, '2030-01-01T00:00:00.000Z', 'kind: archive\n') } });
    expect(cli(dir, 'list', '--json').code).toBe(0);
    const verify = cli(dir, 'verify');
    expect(verify.code).toBe(1);
    expect(verify.stdout).toContain(`[facts] archive or rename recorded for run ${ghost}, which is not on the branch`);
  });
});

describe('record directories out of shape', () => {
  it('a tags directory over the entry limit costs one warning', () => {
    const { dir, good } = setup();
    expect(cli(dir, 'tag', good, 'reviewed=yes').code).toBe(0);
    // 65,537 names for one blob: one git mktree, a 4 MB tree.
    const blob = writeBlob(dir, 'x');
    const huge = makeTree(
      dir,
      Array.from({ length: 65537 }, (_, i) => ({ mode: '100644', type: 'blob', oid: blob, name: `f${i}.yaml` })),
    );
    const hugeDir = `tags/${good.slice(0, 2)}/${good}`;
    place(dir, { [hugeDir]: { tree: huge } });
    const list = cli(dir, 'list', '--json');
    expect(list.code).toBe(0);
    expect((JSON.parse(list.stdout) as { id: string }[]).map((r) => r.id)).toContain(good);
    expectOneWarningEach(list.stderr, [hugeDir]);
    expect(list.stderr).toContain('has 65537 entries, over the limit of 65536');
    const verify = cli(dir, 'verify');
    expect(verify.code).toBe(1);
    expect(verify.stdout).toContain(`[tags] runs:${hugeDir}: has 65537 entries`);

    // A commit that deletes them all is reported in a bounded number of lines.
    place(dir, { [hugeDir]: { tree: makeTree(dir, [{ mode: '100644', type: 'blob', oid: blob, name: 'other.yaml' }]) } });
    const flood = cli(dir, 'verify');
    expect(flood.code).toBe(1);
    const historyLines = flood.stdout.split('\n').filter((l) => l.includes('[history]'));
    expect(historyLines.length).toBeLessThanOrEqual(22);
    expect(flood.stdout).toMatch(/\[history\] commit [0-9a-f]{12} removed or modified 65517 more paths of runs/);
  });

  it('tags, facts and stages that are not directories cost one warning each', () => {
    const { dir } = setup();
    place(dir, { tags: { link: '/etc' }, facts: { blob: 'x\n' }, stages: { link: '..' } });
    const again = cli(dir, 'list', '--json');
    expect(again.code).toBe(0);
    expectOneWarningEach(again.stderr, ['runs:tags:', 'runs:facts:']);
    expect(cli(dir, 'stage')).toMatchObject({ code: 0, stderr: 'warning: skipping runs:stages: is not a directory\n' });
    const verify2 = cli(dir, 'verify');
    expect(verify2.code).toBe(1);
    for (const d of ['tags', 'facts', 'stages']) expect(verify2.stdout).toContain(`runs:${d}: is not a directory`);
  });
});

describe('verify and nested runs', () => {
  it('reports a run whose parent names no run on the branch, and lists it anyway', () => {
    const { dir, good } = setup();
    const orphan = 'abcdefabcdef';
    const missing = 'fedcbafedcba';
    addRun(dir, orphan, { 'run.yaml': { blob: manifestText({ id: orphan, extra: `parent: ${missing}` }) } });
    const list = cli(dir, 'list', '--json', '--flat');
    expect(list.code, list.stderr).toBe(0);
    expect((JSON.parse(list.stdout) as { id: string }[]).map((r) => r.id)).toContain(orphan);
    const verify = cli(dir, 'verify');
    expect(verify.code).toBe(1);
    expect(verify.stdout).toContain(`[manifest] run ${orphan} names parent run ${missing}, which is not on the branch`);
    // A parent that is on the branch is no problem.
    const child = logRun(dir, '--parent', good, '-m', 'f1=0.1');
    expect(cli(dir, 'verify').stdout).not.toContain(`run ${child} names parent`);
  });
});
