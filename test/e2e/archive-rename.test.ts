import { describe, expect, it } from 'vitest';
import { cli, git, makeRepo } from '../helpers/repo.js';
import { cloneOf, logRun, makeBare, makeOrigin } from '../helpers/remotes.js';

const ids = (dir: string, ...args: string[]): string[] => (JSON.parse(cli(dir, 'list', '--json', ...args).stdout) as { id: string }[]).map((r) => r.id);
const manifestPath = (id: string) => `runs:runs/${id.slice(0, 2)}/${id}/run.yaml`;

describe('git-track archive / unarchive', () => {
  it('hides runs from list, compare and experiments unless --all, as appended facts that leave the manifests alone', () => {
    const dir = makeRepo({ commit: true });
    const keep = logRun(dir, '--name', 'keep', '--experiment', 'churn', '-m', 'f1=0.5');
    const junk = logRun(dir, '--name', 'junk', '--experiment', 'churn', '-m', 'f1=0.9');
    const manifest = git(dir, 'show', manifestPath(junk));
    const tip = git(dir, 'rev-parse', 'runs').trim();
    const r = cli(dir, 'archive', 'junk');
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout.trim()).toBe(`Archived ${junk}`);
    // One new commit on top, one new file, the run itself untouched.
    expect(git(dir, 'rev-parse', 'runs~1').trim()).toBe(tip);
    expect(git(dir, 'diff', '--name-only', tip, 'runs').trim()).toMatch(new RegExp(`^facts/${junk.slice(0, 2)}/${junk}/\\d{8}T\\d{9}Z-[0-9a-f]{4}\\.yaml$`));
    expect(git(dir, 'show', manifestPath(junk))).toBe(manifest);
    expect(git(dir, 'log', '-1', '--format=%s', 'runs').trim()).toBe(`archive ${junk}`);

    expect(ids(dir)).toEqual([keep]);
    expect(ids(dir, '--all').sort()).toEqual([keep, junk].sort());
    expect(ids(dir, '--filter', 'archived = true', '--all')).toEqual([junk]);
    expect(cli(dir, 'list').stdout).not.toContain(junk);
    // Named runs are compared anyway; a filter leaves archived ones out unless --all.
    expect(JSON.parse(cli(dir, 'compare', '--filter', "experiment = 'churn'", '--format', 'json').stdout).runs.map((x: { id: string }) => x.id)).toEqual([keep]);
    expect(JSON.parse(cli(dir, 'compare', '--filter', "experiment = 'churn'", '--all', '--format', 'json').stdout).runs).toHaveLength(2);
    expect(JSON.parse(cli(dir, 'compare', 'junk', 'keep', '--format', 'json').stdout).runs).toHaveLength(2);
    const exp = JSON.parse(cli(dir, 'experiments', '--metric', 'f1', '--json').stdout);
    expect(exp).toEqual([{ experiment: 'churn', runs: 1, last: expect.any(String), best: { id: keep, name: 'keep', value: 0.5 } }]);
    // show says so, and still shows it.
    const shown = cli(dir, 'show', junk);
    expect(shown.stdout).toMatch(/^# archived \d{4}-\d\d-\d\dT[\d:.]+Z by Test Author <test@example.com>/m);
    expect(JSON.parse(cli(dir, 'show', junk, '--json').stdout).archived).toMatchObject({ by: { name: 'Test Author' } });

    expect(cli(dir, 'archive', junk).stdout.trim()).toBe(`${junk} is already archived`);
    expect(cli(dir, 'unarchive', junk.slice(0, 5)).stdout.trim()).toBe(`Unarchived ${junk}`);
    expect(ids(dir).sort()).toEqual([keep, junk].sort());
    expect(cli(dir, 'show', junk).stdout).not.toContain('# archived');
    git(dir, 'fsck', '--strict');
    expect(cli(dir, 'verify').code).toBe(0);
  });

  it('refuses a run that does not exist, writing nothing', () => {
    const dir = makeRepo({ commit: true });
    const id = logRun(dir, '-m', 'f1=1');
    const tip = git(dir, 'rev-parse', 'runs').trim();
    const r = cli(dir, 'archive', id, 'no-such-run');
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/^git-track: .*no-such-run/);
    expect(git(dir, 'rev-parse', 'runs').trim()).toBe(tip);
    expect(cli(dir, 'archive').code).toBe(2);
  });

  it('a teammate sees archive and rename after pull', () => {
    const bare = makeBare();
    const a = makeOrigin(bare);
    git(a, 'push', '-q', 'origin', 'main');
    const junk = logRun(a, '--name', 'junk', '-m', 'f1=0.1');
    const good = logRun(a, '--name', 'good', '-m', 'f1=0.9');
    expect(cli(a, 'push').code).toBe(0);
    const b = cloneOf(bare);
    expect(cli(b, 'pull').code).toBe(0);
    expect(ids(b).sort()).toEqual([junk, good].sort());

    expect(cli(a, 'archive', junk).code).toBe(0);
    expect(cli(a, 'rename', good, 'champion').code).toBe(0);
    // Meanwhile the teammate logs a run of their own: the histories merge.
    const theirs = logRun(b, '--name', 'theirs', '-m', 'f1=0.5');
    expect(cli(a, 'push').code).toBe(0);
    const pulled = cli(b, 'pull');
    expect(pulled.code, pulled.stderr).toBe(0);
    expect(ids(b).sort()).toEqual([good, theirs].sort());
    expect(JSON.parse(cli(b, 'show', 'champion', '--json').stdout)).toMatchObject({ id: good, name: 'champion' });
    git(b, 'fsck', '--strict');
  });
});

describe('git-track rename', () => {
  it('changes the name list, show and lookups use, never the manifest', () => {
    const dir = makeRepo({ commit: true });
    const id = logRun(dir, '--name', 'baseline', '-m', 'f1=0.8');
    const manifest = git(dir, 'show', manifestPath(id));
    const r = cli(dir, 'rename', 'baseline', 'baseline-v2');
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout.trim()).toBe(`Renamed ${id} from "baseline" to "baseline-v2"`);
    expect(git(dir, 'show', manifestPath(id))).toBe(manifest);
    expect(cli(dir, 'list', '--columns', 'id,name', '--format', 'csv').stdout.trim()).toBe(`id,name\n${id},baseline-v2`);
    const shown = cli(dir, 'show', 'baseline-v2');
    expect(shown.code).toBe(0);
    expect(shown.stdout).toMatch(/^name: baseline-v2$/m);
    expect(shown.stdout).toContain('# renamed to "baseline-v2"; recorded as "baseline"');
    // The old name no longer finds it; the filter sees the new one.
    expect(cli(dir, 'show', 'baseline').code).toBe(1);
    expect(ids(dir, '--filter', "name = 'baseline-v2'")).toEqual([id]);
    // Renamed twice: the last one holds.
    cli(dir, 'rename', id, 'final');
    expect(JSON.parse(cli(dir, 'show', 'final', '--json').stdout).name).toBe('final');
    const bad = cli(dir, 'rename', id, 'two\nlines');
    expect(bad.code).toBe(2);
    expect(bad.stderr).toMatch(/^git-track: invalid run name: must be one line/);
  });
});

describe('git-track experiments', () => {
  it('counts runs per experiment with the last activity and the best run by a metric', () => {
    const dir = makeRepo({ commit: true });
    logRun(dir, '--experiment', 'churn', '-m', 'loss=0.5');
    const best = logRun(dir, '--experiment', 'churn', '--name', 'low', '-m', 'loss=0.2');
    logRun(dir, '--experiment', 'churn', '--status', 'failed', '-m', 'loss=0.01');
    logRun(dir, '--experiment', 'fraud', '-m', 'auc=0.9');
    logRun(dir, '-p', 'x=1');
    const out = JSON.parse(cli(dir, 'experiments', '--metric', 'loss', '--json').stdout);
    expect(out.map((e: { experiment: string | null; runs: number }) => [e.experiment, e.runs])).toEqual([
      [null, 1],
      ['fraud', 1],
      ['churn', 3],
    ]);
    // Failed runs never count as best; loss is lower-is-better by name.
    expect(out[2].best).toEqual({ id: best, name: 'low', value: 0.2 });
    expect(out[1].best).toBeNull();
    const text = cli(dir, 'experiments', '--metric', 'loss').stdout;
    expect(text).toMatch(new RegExp(`^churn\\s+3\\s+\\d{4}-\\d\\d-\\d\\d \\d\\d:\\d\\d\\s+${best} low\\s+0.2$`, 'm'));
    expect(cli(dir, 'experiments', '--metric', 'speed').stderr).toMatch(/--goal min or --goal max/);
  });
});
