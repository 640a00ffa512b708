/**
 * `git-track ui --export DIR`: the pages plus each API answer as a `data/<file>.js` script,
 * nothing written outside DIR, a non-empty DIR that is not a previous export refused.
 */
import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { runInNewContext } from 'node:vm';
import { describe, expect, it } from 'vitest';
import { exportFileName, exportKey } from '../../src/ui/export/export-key.js';
import { cli, tempDir } from '../helpers/repo.js';
import { dashboardRepo } from './server-helpers.js';

/** The answers of an export's data files, by key, as a page would receive them. */
function readExport(dir: string): { index: any; answers: Map<string, any> } {
  const answers = new Map<string, any>();
  const window: Record<string, unknown> = { gtData: (key: string, json: unknown) => answers.set(key, json) };
  runInNewContext(readFileSync(join(dir, 'data', 'index.js'), 'utf8'), { window });
  const index = window.gtExport as { keys: string[] };
  for (const key of index.keys) runInNewContext(readFileSync(join(dir, 'data', exportFileName(key)), 'utf8'), { window });
  return { index, answers };
}

/** Every path under `dir`, relative, sorted. */
function walk(dir: string, prefix = ''): string[] {
  return readdirSync(dir, { withFileTypes: true })
    .flatMap((e) => (e.isDirectory() ? [`${prefix}${e.name}/`, ...walk(join(dir, e.name), `${prefix}${e.name}/`)] : [`${prefix}${e.name}`]))
    .sort();
}

describe('git-track ui --export', () => {
  it('writes the pages and one script per answer, under the documented keys and file names', () => {
    const repo = dashboardRepo();
    const parent = tempDir('gt-export-');
    const out = join(parent, 'site');
    const r = cli(repo.dir, 'ui', '--export', out);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/^exported 4 runs \(\d+ files\) to .*site; open .*site\/index\.html\n$/);
    expect(readdirSync(parent)).toEqual(['site']);
    expect(existsSync(join(out, 'index.html'))).toBe(true);
    expect(JSON.parse(readFileSync(join(out, 'git-track-export.json'), 'utf8'))).toMatchObject({ format: 'git-track/ui-export@1', filter: null });
    const { index, answers } = readExport(out);
    const runsKey = exportKey('runs', { all: '1', limit: '4' });
    expect(runsKey).toBe('runs?all=1&limit=4');
    expect(index.keys).toEqual(expect.arrayContaining(['info', 'fields', 'stages', runsKey, `run/${repo.train}`, `series?runs=${repo.train}`]));
    expect(index.keys).not.toContain(`series?runs=${repo.other}`);
    expect(answers.get('info')).toMatchObject({ export: true, live: false });
    const runs = answers.get(runsKey);
    expect(runs.total).toBe(4);
    expect(runs.rows).toHaveLength(4);
    expect(runs.columns).toEqual(expect.arrayContaining(['id', 'name', 'params.lr', 'metrics.f1', 'tags.team']));
    const train = answers.get(`run/${repo.train}`);
    expect(train.artifacts[0]).toMatchObject({ path: 'model.bin', download: null });
    expect(train.patch.text).toContain('+print(2)');
    const series = answers.get(`series?runs=${repo.train}`);
    expect(series.lines.map((l: { metric: string }) => l.metric).sort()).toEqual(['acc', 'loss']);
    expect(series.lines[0].x).toHaveLength(500);
    // No artifact bytes in an export.
    expect(walk(out).filter((p) => !p.endsWith('/')).some((p) => readFileSync(join(out, p)).includes('weights v1'))).toBe(false);
  });

  it('--filter exports only the runs it selects', () => {
    const repo = dashboardRepo();
    const out = join(tempDir('gt-export-'), 'site');
    expect(cli(repo.dir, 'ui', '--export', out, '--filter', "experiment = 'ads'").code).toBe(0);
    const { index, answers } = readExport(out);
    expect(answers.get('runs?all=1&limit=1').rows.map((r: { id: string }) => r.id)).toEqual([repo.other]);
    expect(index.keys.filter((k: string) => k.startsWith('run/'))).toEqual([`run/${repo.other}`]);
  });

  it('refuses a non-empty directory that is not a previous export, and replaces a previous export without following its symlinks', () => {
    const repo = dashboardRepo();
    const parent = tempDir('gt-export-');
    const mine = join(parent, 'mine');
    mkdirSync(mine);
    writeFileSync(join(mine, 'thesis.tex'), 'keep me');
    const refused = cli(repo.dir, 'ui', '--export', mine);
    expect(refused.code).toBe(2);
    expect(refused.stderr).toMatch(/^git-track: --export: '.*mine' is not empty and is not a previous export/);
    expect(readdirSync(mine)).toEqual(['thesis.tex']);

    const site = join(parent, 'site');
    expect(cli(repo.dir, 'ui', '--export', site).code).toBe(0);
    // A previous export whose data/ became a symlink to a directory of the user's.
    const outside = join(parent, 'outside');
    mkdirSync(outside);
    writeFileSync(join(outside, 'precious.txt'), 'untouched');
    const data = join(site, 'data');
    rmSync(data, { recursive: true });
    symlinkSync(outside, data);
    const again = cli(repo.dir, 'ui', '--export', site);
    expect(again.stderr).toBe('');
    expect(again.code).toBe(0);
    expect(readdirSync(outside)).toEqual(['precious.txt']);
    expect(readFileSync(join(outside, 'precious.txt'), 'utf8')).toBe('untouched');
    expect(readExport(site).index.keys.length).toBeGreaterThan(4);
  });
});
