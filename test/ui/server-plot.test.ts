/**
 * `git-track plot` and the `--plot FILE` of diff and compare, with the real binary.
 */
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { cli, makeRepo } from '../helpers/repo.js';
import { dashboardRepo, logRun } from './server-helpers.js';

/** The line paths of an SVG chart: run id and number of points of each. */
function linesOf(svg: string): { run: string; points: number; segments: number }[] {
  return [...svg.matchAll(/<path class="line" data-run="([^"]+)" data-points="(\d+)" d="([^"]+)"/g)].map((m) => ({ run: m[1]!, points: Number(m[2]), segments: m[3]!.split(/[ML]/).filter((s) => s.trim()).length }));
}

describe('git-track plot', () => {
  it('writes an SVG with one panel per metric and one line per run, downsampled', () => {
    const repo = dashboardRepo();
    const r = cli(repo.dir, 'plot', repo.train, repo.child, '-o', 'curves.svg');
    expect(r.code).toBe(0);
    expect(r.stderr).toBe(`warning: run ${repo.child} has no series 'acc'; left out of the chart\nwarning: run ${repo.child} has no series 'loss'; left out of the chart\n`);
    const svg = readFileSync(join(repo.dir, 'curves.svg'), 'utf8');
    expect(svg.startsWith('<svg xmlns="http://www.w3.org/2000/svg"')).toBe(true);
    expect([...svg.matchAll(/<g class="panel" data-metric="([^"]+)"/g)].map((m) => m[1])).toEqual(['acc', 'loss']);
    const lines = linesOf(svg);
    expect(lines).toEqual([
      { run: repo.train, points: 500, segments: 500 },
      { run: repo.train, points: 500, segments: 500 },
    ]);
    expect(svg).toContain('train (');
    // The same colour as the dashboard gives the run.
    expect(svg).toMatch(/stroke="#[0-9a-f]{6}"/);
  });

  it('--metric picks panels; stdout without -o; a line of 5,000 points is downsampled to 1,000', () => {
    const dir = makeRepo({ commit: true });
    const rows = ['step,loss'];
    for (let s = 0; s < 5000; s++) rows.push(`${s},${Math.sin(s / 100)}`);
    writeFileSync(join(dir, 's.csv'), rows.join('\n'));
    const a = logRun(dir, '--name', 'a', '--series', 's.csv');
    const b = logRun(dir, '--name', 'b', '--series', 's.csv');
    const r = cli(dir, 'plot', 'a', 'b', '--metric', 'loss');
    expect(r.code).toBe(0);
    const lines = linesOf(r.stdout);
    expect(lines.map((l) => l.run)).toEqual([a, b]);
    expect(lines.map((l) => l.points)).toEqual([1000, 1000]);
    expect(lines[0]!.segments).toBe(1000);
  });

  it('-o FILE.png writes a valid PNG', () => {
    const repo = dashboardRepo();
    const r = cli(repo.dir, 'plot', repo.train, '-o', 'curves.png');
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    const png = readFileSync(join(repo.dir, 'curves.png'));
    expect(png.subarray(0, 8)).toEqual(Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]));
    expect(png.subarray(12, 16).toString('latin1')).toBe('IHDR');
    expect(png.readUInt32BE(16)).toBe(1520); // twice the SVG's 760 px width
    expect(png.subarray(-8, -4).toString('latin1')).toBe('IEND');
  });

  it('bad input: one line, nothing written', () => {
    const repo = dashboardRepo();
    const ext = cli(repo.dir, 'plot', repo.train, '-o', 'curves.jpg');
    expect(ext).toMatchObject({ code: 2, stderr: "git-track: -o expects a file ending in .svg or .png, got 'curves.jpg'\n" });
    expect(existsSync(join(repo.dir, 'curves.jpg'))).toBe(false);
    const none = cli(repo.dir, 'plot', repo.other);
    expect(none.code).toBe(1);
    expect(none.stderr).toMatch(/^git-track: no series to plot: none of the runs has a step series of any metric/);
    const time = cli(repo.dir, 'plot', repo.train, '--x', 'time');
    expect(time.code).toBe(2);
    expect(time.stderr).toContain('carry no timestamps');
  });

  it('diff and compare --format md --plot FILE write the chart and link it', () => {
    const repo = dashboardRepo();
    const d = cli(repo.dir, 'diff', repo.train, repo.child, '--format', 'md', '--plot', 'curves.svg');
    expect(d.code).toBe(0);
    expect(d.stdout.trimEnd().endsWith('![metric curves](curves.svg)')).toBe(true);
    expect(linesOf(readFileSync(join(repo.dir, 'curves.svg'), 'utf8'))).toHaveLength(2);
    const c = cli(repo.dir, 'compare', repo.train, repo.child, '--format', 'md', '--plot', 'cmp.png');
    expect(c.code).toBe(0);
    expect(c.stdout.trimEnd().endsWith('![metric curves](cmp.png)')).toBe(true);
    expect(readFileSync(join(repo.dir, 'cmp.png')).subarray(1, 4).toString()).toBe('PNG');
    const text = cli(repo.dir, 'diff', repo.train, repo.child, '--plot', 'x.svg');
    expect(text).toMatchObject({ code: 2, stderr: 'git-track: --plot goes with --format md (the chart is linked from the markdown)\n' });
  });
});
