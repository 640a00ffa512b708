import { describe, expect, it } from 'vitest';
import { execFileSync } from 'node:child_process';
import { cli, git, makeRepo, testGitEnv } from '../helpers/repo.js';
import { openTracker, fixedEnv, isGitTrackError } from '../../src/index.js';

function manifestOf(dir: string, id: string): string {
  return git(dir, 'show', `runs:runs/${id.slice(0, 2)}/${id}/run.yaml`);
}

describe('nested runs: log --parent', () => {
  it('records the parent id right after the experiment, resolved from a name, and plain git reads it', () => {
    const dir = makeRepo({ commit: true });
    const parent = cli(dir, 'log', '--name', 'sweep-lr', '--experiment', 'churn', '-p', 'grid=lr').stdout.trim();
    const child = cli(dir, 'log', '--parent', 'sweep-lr', '--experiment', 'churn', '-p', 'lr=0.1', '-m', 'f1=0.8');
    expect(child.stderr).toBe('');
    expect(child.code).toBe(0);
    const id = child.stdout.trim();
    const yaml = manifestOf(dir, id);
    expect(yaml).toMatch(new RegExp(`^experiment: churn\nparent: "?${parent}"?\nstatus: finished$`, 'm'));
    // A prefix resolves to the full id too.
    const byPrefix = cli(dir, 'log', '--parent', parent.slice(0, 6), '-m', 'f1=0.7').stdout.trim();
    expect(manifestOf(dir, byPrefix)).toMatch(new RegExp(`^parent: "?${parent}"?$`, 'm'));
    git(dir, 'fsck', '--strict');
  });

  it('refuses a parent that names no run, writing nothing', () => {
    const dir = makeRepo({ commit: true });
    cli(dir, 'log', '-m', 'f1=0.5');
    const tip = git(dir, 'rev-parse', 'runs').trim();
    const r = cli(dir, 'log', '--parent', 'no-such-run', '-m', 'f1=0.8');
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/^git-track: parent run not found: no run matches 'no-such-run'/);
    expect(r.stderr.split('\n').filter(Boolean)).toHaveLength(1);
    expect(git(dir, 'rev-parse', 'runs').trim()).toBe(tip);
  });

  it('filters on parent: children of a run, and parent IS NULL for top-level runs', () => {
    const dir = makeRepo({ commit: true });
    const parent = cli(dir, 'log', '--name', 'p', '-p', 'grid=x').stdout.trim();
    const a = cli(dir, 'log', '--parent', parent, '--name', 'a', '-m', 'f1=0.1').stdout.trim();
    const b = cli(dir, 'log', '--parent', parent, '--name', 'b', '-m', 'f1=0.2').stdout.trim();
    const solo = cli(dir, 'log', '--name', 'solo', '-m', 'f1=0.3').stdout.trim();
    const ids = (filter: string) =>
      (JSON.parse(cli(dir, 'list', '--filter', filter, '--json').stdout) as { id: string }[]).map((r) => r.id).sort();
    expect(ids(`parent = '${parent}'`)).toEqual([a, b].sort());
    expect(ids('parent IS NULL')).toEqual([parent, solo].sort());
    expect(ids('parent is not null')).toEqual([a, b].sort());
    expect(ids(`parent IS NULL AND name = 'solo'`)).toEqual([solo]);
  });
});

describe('nested runs: refusing an empty log', () => {
  it('exits 2 with a usage line and writes nothing', () => {
    const dir = makeRepo({ commit: true });
    cli(dir, 'init');
    const tip = git(dir, 'rev-parse', 'runs').trim();
    const r = cli(dir, 'log', '--name', 'forgot-everything');
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/^git-track: nothing to record: give at least one of -p\/--param, -m\/--metric/);
    expect(r.stdout).toBe('');
    expect(git(dir, 'rev-parse', 'runs').trim()).toBe(tip);
    // A note alone is something to record, and so is a run that failed before reporting anything.
    expect(cli(dir, 'log', '--note', 'data looked off').code).toBe(0);
    expect(cli(dir, 'log', '--status', 'failed').code).toBe(0);
    expect(cli(dir, 'log', '--status', 'finished').code).toBe(2);
  });
});

describe('nested runs: tracker.startRun({ parent })', () => {
  it('nests under a Run object still in progress, an id, or a name; a missing parent throws RUN_NOT_FOUND', async () => {
    const dir = makeRepo({ commit: true });
    const tracker = openTracker({ dir, env: fixedEnv({ seed: 3 }) });
    const sweep = tracker.startRun({ name: 'sweep' });
    const child = tracker.startRun({ name: 'child', parent: sweep });
    child.logMetric('f1', 0.5);
    const childManifest = await child.finish();
    expect(childManifest.parent).toBe(sweep.id);
    // The parent is still running: its id alone is accepted too.
    const byId = tracker.startRun({ parent: sweep.id });
    byId.logMetric('f1', 0.6);
    expect((await byId.finish()).parent).toBe(sweep.id);
    const sweepManifest = await sweep.finish();
    expect(sweepManifest.parent).toBeUndefined();
    const byName = tracker.startRun({ parent: 'sweep' });
    expect((await byName.finish()).parent).toBe(sweep.id);
    let thrown: unknown;
    try {
      tracker.startRun({ parent: 'nope-nope' });
    } catch (err) {
      thrown = err;
    }
    expect(isGitTrackError(thrown, 'RUN_NOT_FOUND')).toBe(true);
    expect(manifestOf(dir, childManifest.id)).toMatch(new RegExp(`^parent: "?${sweep.id}"?$`, 'm'));
  });
});

describe('nested runs: list, show, compare', () => {
  it('list nests children under their parent (--flat does not), show lists them, compare --children compares them', () => {
    const dir = makeRepo({ commit: true });
    const parent = cli(dir, 'log', '--name', 'sweep', '-p', 'grid.lr=[0.1, 0.01]').stdout.trim();
    const solo = cli(dir, 'log', '--name', 'solo', '-m', 'f1=0.1').stdout.trim();
    const a = cli(dir, 'log', '--parent', parent, '--name', 'lr-a', '-p', 'lr=0.1', '-m', 'f1=0.7').stdout.trim();
    const b = cli(dir, 'log', '--parent', parent, '--name', 'lr-b', '-p', 'lr=0.01', '-m', 'f1=0.8').stdout.trim();
    const grandchild = cli(dir, 'log', '--parent', b, '--name', 'fold-1', '-m', 'f1=0.81').stdout.trim();

    const table = cli(dir, 'list', '--columns', 'id,name').stdout.trim().split('\n');
    expect(table.map((l) => l.replace(/\s+$/, ''))).toEqual([
      expect.stringMatching(/^id\s+name$/),
      expect.stringMatching(new RegExp(`^${solo}\\s+solo$`)),
      expect.stringMatching(new RegExp(`^${parent}\\s+sweep$`)),
      expect.stringMatching(new RegExp(`^└ ${b}\\s+lr-b$`)),
      expect.stringMatching(new RegExp(`^  └ ${grandchild}\\s+fold-1$`)),
      expect.stringMatching(new RegExp(`^└ ${a}\\s+lr-a$`)),
    ]);
    const flat = cli(dir, 'list', '--flat', '--columns', 'id').stdout.trim().split('\n').slice(1).map((l) => l.trim());
    expect(flat).toEqual([grandchild, b, a, solo, parent]);
    // Machine formats are never indented.
    expect(cli(dir, 'list', '--format', 'csv', '--columns', 'id').stdout.trim().split('\n').slice(1)).toEqual([grandchild, b, a, solo, parent]);

    const shown = cli(dir, 'show', 'sweep').stdout;
    expect(shown).toContain(`# children (2):\n#   ${a}  finished  lr-a\n#   ${b}  finished  lr-b\n`);
    expect(JSON.parse(cli(dir, 'show', 'sweep', '--json').stdout).children.map((c: { id: string }) => c.id)).toEqual([a, b]);
    expect(cli(dir, 'show', 'solo').stdout).not.toContain('# children');

    const cmp = JSON.parse(cli(dir, 'compare', '--children', 'sweep', '--format', 'json').stdout);
    expect(cmp.runs.map((r: { id: string }) => r.id)).toEqual([a, b]);
    expect(cmp.rows.find((r: { key: string }) => r.key === 'f1')).toMatchObject({ values: [0.7, 0.8], best: [1] });
    const none = cli(dir, 'compare', '--children', 'solo');
    expect(none.code).toBe(1);
    expect(none.stderr).toMatch(/^git-track: no runs to compare \('solo' has no children/);
  });
});

describe('nested runs: run --parent and facts from others', () => {
  it('git-track run --parent records the parent', () => {
    const dir = makeRepo({ commit: true });
    const parent = cli(dir, 'log', '--name', 'outer', '-p', 'x=1').stdout.trim();
    const r = cli(dir, 'run', '--parent', 'outer', '--', 'sh', '-c', 'echo \'{"f1": 0.5}\' > "$GIT_TRACK_RUN_DIR/metrics.json"');
    expect(r.code, r.stderr).toBe(0);
    const id = /recorded run ([0-9a-f]{12})/.exec(r.stderr)![1]!;
    expect(JSON.parse(cli(dir, 'show', id, '--json').stdout)).toMatchObject({ parent, metrics: { f1: 0.5 } });
    expect(cli(dir, 'run', '--parent', 'nope-nope', '--', 'true').stderr).toMatch(/^git-track: parent run not found/);
  });

  it('a bad fact file on the branch (as a pull could bring) costs a warning, not the listing', () => {
    const dir = makeRepo({ commit: true });
    const id = cli(dir, 'log', '--name', 'a', '-m', 'f1=1').stdout.trim();
    // Hand-made with plain git: a fact that is not YAML, and one naming another run.
    const junk = writeBlob(dir, 'format: git-track/fact@1\nkind: [\n');
    const other = writeBlob(dir, `format: git-track/fact@1\nkind: archive\nrun: "${'0'.repeat(12)}"\nat: 2026-01-01T00:00:00Z\nby: {name: X, email: x@e}\n`);
    const leaf = mktree(dir, [`100644 blob ${junk}\t20260101T000000000Z-aaaa.yaml`, `100644 blob ${other}\t20260101T000001000Z-bbbb.yaml`]);
    const shard = mktree(dir, [`040000 tree ${leaf}\t${id}`]);
    const facts = mktree(dir, [`040000 tree ${shard}\t${id.slice(0, 2)}`]);
    const root = git(dir, 'rev-parse', 'runs^{tree}').trim();
    const entries = git(dir, 'ls-tree', root).trim().split('\n');
    const newRoot = mktree(dir, [...entries, `040000 tree ${facts}\tfacts`]);
    const commit = git(dir, 'commit-tree', newRoot, '-p', 'runs', '-m', 'hand-made facts').trim();
    git(dir, 'update-ref', 'refs/heads/runs', commit);
    const r = cli(dir, 'list', '--columns', 'id,name');
    expect(r.code).toBe(0);
    expect(r.stdout).toContain(id);
    expect(r.stderr).toMatch(/^warning: skipping runs:facts\/.*aaaa\.yaml: not valid YAML/m);
    expect(r.stderr).toMatch(/^warning: skipping runs:facts\/.*bbbb\.yaml: its content belongs at facts\/00\/000000000000\//m);
    // Said once, though the listing reads the facts more than once.
    expect(r.stderr.split('\n').filter((l) => l.includes('bbbb'))).toHaveLength(1);
  });
});

function gitWithInput(dir: string, input: string, ...args: string[]): string {
  return execFileSync('git', args, { cwd: dir, env: testGitEnv(), input, encoding: 'utf8' }).trim();
}

function writeBlob(dir: string, text: string): string {
  return gitWithInput(dir, text, 'hash-object', '-w', '--stdin');
}

function mktree(dir: string, lines: string[]): string {
  return gitWithInput(dir, `${lines.join('\n')}\n`, 'mktree');
}
