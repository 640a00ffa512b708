/**
 * The series of an export: downsampled lines for the first view, and beside each downsampled
 * line its every point in chunks (docs/ui-api.md "Static export"); a line over the export's
 * budget is marked instead, so the page can say so.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { runInNewContext } from 'node:vm';
import { beforeAll, describe, expect, it } from 'vitest';
import { fixedEnv } from '../../src/env.js';
import { UI_EXPORT_CHUNK_POINTS } from '../../src/limits.js';
import { exportFileName } from '../../src/ui/export/export-key.js';
import { exportSite } from '../../src/ui/export/export-site.js';
import { openContext } from '../../src/tracker-context.js';
import { cli, makeRepo, tempDir } from '../helpers/repo.js';

const LONG = 2 * UI_EXPORT_CHUNK_POINTS + 1234;
/** Seconds since 1970 of the long series' first point; one point a second. */
const T0 = 1_780_000_000;

/** The answers of an export's data files, by key, as a page would receive them. */
function readExport(dir: string): { keys: string[]; answers: Map<string, any> } {
  const answers = new Map<string, any>();
  const window: Record<string, unknown> = { gtData: (key: string, json: unknown) => answers.set(key, json) };
  runInNewContext(readFileSync(join(dir, 'data', 'index.js'), 'utf8'), { window });
  const keys = (window.gtExport as { keys: string[] }).keys;
  for (const key of keys) runInNewContext(readFileSync(join(dir, 'data', exportFileName(key)), 'utf8'), { window });
  return { keys, answers };
}

const value = (i: number) => Number((1 / (1 + i / 1000) + (i % 7) * 0.001).toFixed(6));
let repo = '';
let id = '';

beforeAll(() => {
  repo = makeRepo({ commit: true });
  writeFileSync(join(repo, 'long.csv'), `step,loss,timestamp\n${Array.from({ length: LONG }, (_, i) => `${i},${value(i)},${T0 + i}`).join('\n')}\n`);
  writeFileSync(join(repo, 'short.csv'), `step,acc\n${Array.from({ length: 50 }, (_, i) => `${i},${i / 50}`).join('\n')}\n`);
  const r = cli(repo, 'log', '--name', 'long', '--series', 'long.csv', '--series', 'short.csv');
  expect(r.stderr).toBe('');
  id = r.stdout.trim();
});

describe('series in an export', () => {
  it('writes every point of a downsampled line in chunks, listed on the line', () => {
    const site = join(tempDir('gt-export-'), 'site');
    expect(cli(repo, 'ui', '--export', site).code).toBe(0);
    const { keys, answers } = readExport(site);
    const series = answers.get(`series?runs=${id}`);
    const loss = series.lines.find((l: { metric: string }) => l.metric === 'loss');
    const acc = series.lines.find((l: { metric: string }) => l.metric === 'acc');
    expect(loss.downsampled).toBe(true);
    expect(loss.x.length).toBe(2000);
    expect(loss.full.chunks).toEqual([
      [0, UI_EXPORT_CHUNK_POINTS - 1, UI_EXPORT_CHUNK_POINTS],
      [UI_EXPORT_CHUNK_POINTS, 2 * UI_EXPORT_CHUNK_POINTS - 1, UI_EXPORT_CHUNK_POINTS],
      [2 * UI_EXPORT_CHUNK_POINTS, LONG - 1, 1234],
    ]);
    // A short line is whole already: nothing beside it.
    expect(acc.downsampled).toBe(false);
    expect(acc.full).toBeUndefined();
    const chunkKeys = keys.filter((k) => k.startsWith('series-points?'));
    expect(chunkKeys).toEqual([0, 1, 2].map((i) => `series-points?chunk=${i}&metric=loss&run=${id}`));
    const x = chunkKeys.flatMap((k) => answers.get(k).x);
    const y = chunkKeys.flatMap((k) => answers.get(k).y);
    expect(x).toEqual(Array.from({ length: LONG }, (_, i) => i));
    expect(y).toEqual(Array.from({ length: LONG }, (_, i) => value(i)));
    // Each point's time (ms), and each chunk's time span on the line, for a zoom on a time axis.
    expect(chunkKeys.flatMap((k) => answers.get(k).t)).toEqual(Array.from({ length: LONG }, (_, i) => (T0 + i) * 1000));
    expect(loss.full.times).toEqual(loss.full.chunks.map((c: number[]) => [(T0 + c[0]!) * 1000, (T0 + c[1]!) * 1000]));
  });

  it('writes the lines by wall time too, for the series that have timestamps', () => {
    const site = join(tempDir('gt-export-'), 'site');
    expect(cli(repo, 'ui', '--export', site).code).toBe(0);
    const { answers } = readExport(site);
    const timed = answers.get(`series?runs=${id}&x=time`);
    expect(timed.x).toBe('time');
    // acc has no timestamps: no time line (the page counts it as left out of a time axis).
    expect(timed.lines.map((l: { metric: string }) => l.metric)).toEqual(['loss']);
    expect(timed.lines[0].x[0]).toBe(T0 * 1000);
    expect(timed.lines[0].x.at(-1)).toBe((T0 + LONG - 1) * 1000);
    expect(timed.lines[0].full).toEqual(answers.get(`series?runs=${id}`).lines.find((l: { metric: string }) => l.metric === 'loss').full);
  });

  it('marks a line past the per-series or the whole-export budget, and writes no chunks for it', async () => {
    const ctx = openContext({ dir: repo, env: fixedEnv() });
    for (const [budget, why] of [[{ perSeries: 1000, left: 10_000_000 }, 'series-limit'], [{ perSeries: 10_000_000, left: 1000 }, 'export-limit']] as const) {
      const site = join(tempDir('gt-export-'), 'site');
      await exportSite(ctx, site, { budget: { ...budget } });
      const { keys, answers } = readExport(site);
      const loss = answers.get(`series?runs=${id}`).lines.find((l: { metric: string }) => l.metric === 'loss');
      expect(loss.full).toMatchObject({ omitted: why });
      expect(keys.some((k) => k.startsWith('series-points?'))).toBe(false);
    }
  });
});
