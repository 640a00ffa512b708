/**
 * The dashboard in a real browser (Debian's Chromium) against the real `git-track ui` on a
 * repository made here with the real binary. Screenshots of each view: test-output/ui/.
 */
import { createHash } from 'node:crypto';
import { readFileSync, writeFileSync, mkdirSync } from 'node:fs';
import { request } from 'node:http';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { cli, cliAsync, makeRepo, tempDir } from '../helpers/repo.js';
import { logNamed, openDashboard, screenshot, tableRuns, type UiServer } from './browser-helpers.js';

const POINTS = 120;
// A series longer than a panel is wide: the page gets it downsampled until zoomed.
const LONG = 5000;

let repo = '';
let ui: UiServer;
let page: Page;
let closeDashboard: (() => Promise<void>) | undefined;
const ids: Record<string, string> = {};

const logRun = (name: string, ...args: string[]): string => logNamed(repo, name, ...args);

beforeAll(async () => {
  repo = makeRepo({ commit: true });
  const series = ['step,loss,acc', ...Array.from({ length: POINTS }, (_, i) => `${i},${Math.exp(-i / 30).toFixed(5)},${(1 - Math.exp(-i / 40)).toFixed(5)}`)].join('\n');
  writeFileSync(join(repo, 'series.csv'), `${series}\n`);
  mkdirSync(join(repo, 'models'));
  writeFileSync(join(repo, 'models', 'model.bin'), Buffer.from(Array.from({ length: 4096 }, (_, i) => (i * 37) % 256)));
  ids['baseline'] = logRun('baseline', '--experiment', 'churn', '-p', 'lr=0.1', '-p', 'depth=3', '-m', 'f1=0.81', '--series', 'series.csv', '-d', 'data.csv@v1', '-a', 'models/model.bin:model', '-t', 'team=growth');
  writeFileSync(join(repo, 'train.py'), 'print(2)\nprint("deeper")\n');
  ids['deeper'] = logRun('deeper', '--experiment', 'churn', '-p', 'lr=0.01', '-p', 'depth=6', '-m', 'f1=0.86', '--series', 'series.csv', '-d', 'data.csv@v1', '-t', 'team=core');
  writeFileSync(join(repo, 'data.csv'), 'x,y\n1,2\n');
  ids['other'] = logRun('other', '--experiment', 'fraud', '-p', 'lr=0.05', '-p', 'depth=4', '-m', 'f1=0.78', '-d', 'data.csv@v2', '-t', 'team=core');
  writeFileSync(join(repo, 'long.csv'), `step,loss\n${Array.from({ length: LONG }, (_, i) => `${i},${(1 / (1 + i / 100) + (i % 7) * 0.001).toFixed(6)}`).join('\n')}\n`);
  ids['long'] = logRun('long', '--series', 'long.csv');
  ids['consumer'] = logRun('consumer', '-d', 'models/model.bin@from-baseline');
  ({ ui, page, close: closeDashboard } = await openDashboard(repo));
});

afterAll(() => closeDashboard?.());

async function openTable(hash = '#/runs'): Promise<void> {
  await page.goto(ui.url + hash);
  await page.waitForSelector('.runs-grid .grid-row[data-run]');
}

/** Pixels of a canvas in the colour of the legend's first swatch: the run's line, drawn. */
function linePixels(page: Page, selector: string): Promise<number> {
  return page.$eval(selector, (c) => {
    const swatch = getComputedStyle(document.querySelector('.legend .swatch')!).backgroundColor;
    const [r, g, b] = swatch.match(/\d+/g)!.map(Number) as [number, number, number];
    const canvas = c as HTMLCanvasElement;
    const data = canvas.getContext('2d')!.getImageData(0, 0, canvas.width, canvas.height).data;
    let n = 0;
    for (let i = 0; i < data.length; i += 4) if (Math.abs(data[i]! - r) + Math.abs(data[i + 1]! - g) + Math.abs(data[i + 2]! - b) < 60) n++;
    return n;
  });
}

describe('git-track ui in Chromium', () => {
  it('lists every run in the table', async () => {
    await openTable();
    expect((await tableRuns(page)).sort()).toEqual(Object.values(ids).sort());
    expect(await page.textContent('.summary')).toBe(`${Object.keys(ids).length} runs`);
    await screenshot(page, 'runs-table');
    // Keyboard: ↓ moves from row to row, / jumps to the filter.
    await page.focus('a.id[data-i="0"]');
    await page.keyboard.press('ArrowDown');
    await expect.poll(() => page.evaluate(() => document.activeElement?.getAttribute('data-i'))).toBe('1');
    await page.keyboard.press('/');
    expect(await page.evaluate(() => document.activeElement?.classList.contains('filter-input'))).toBe(true);
  });

  it('narrows the table with a filter and shows a bad filter’s error under the input', async () => {
    await openTable();
    await page.fill('.filter-input', 'params.depth > 3');
    await page.press('.filter-input', 'Enter');
    await expect.poll(() => tableRuns(page).then((r) => r.sort())).toEqual([ids['deeper'], ids['other']].sort());
    expect(page.url()).toContain('filter=params.depth');
    await page.fill('.filter-input', 'metrics.f1 >');
    await page.press('.filter-input', 'Enter');
    await page.waitForSelector('.filter-error:not([hidden])');
    const error = await page.textContent('.filter-error');
    expect(error).toContain("expected a value after '>' at column 13");
    // The caret sits under column 13.
    expect(await page.textContent('.filter-error .caret')).toBe(`metrics.f1 >\n${' '.repeat(12)}^`);
    await screenshot(page, 'runs-filter-error');
  });

  it('shows a run page: params, metrics, patch, artifacts with a verified download, series charts', async () => {
    await page.goto(`${ui.url}#/run/${ids['deeper']}`);
    await page.waitForSelector('.run-page');
    const text = (await page.textContent('.run-page'))!;
    for (const want of ['deeper', 'depth', '6', 'f1', '0.86', 'team', 'core']) expect(text).toContain(want);
    expect(await page.$$eval('.diff .d-add', (lines) => lines.map((l) => l.textContent))).toContain('+print("deeper")\n');
    await page.waitForSelector('.panel[data-metric="loss"] .chart[data-points]');
    expect(await page.getAttribute('.panel[data-metric="loss"] .chart', 'data-points')).toBe(String(POINTS));
    await screenshot(page, 'run-page');

    await page.goto(`${ui.url}#/run/${ids['baseline']}`);
    await page.waitForSelector('a.download');
    const [download] = await Promise.all([page.waitForEvent('download'), page.click('a.download')]);
    const bytes = readFileSync((await download.path())!);
    const manifest = JSON.parse(cli(repo, 'show', ids['baseline']!, '--json').stdout) as { artifacts: { path: string; sha256: string }[] };
    expect(createHash('sha256').update(bytes).digest('hex')).toBe(manifest.artifacts.find((a) => a.path === 'models/model.bin')!.sha256);
  });

  it('links a run to the run that made its input and back (lineage)', async () => {
    await page.goto(`${ui.url}#/run/${ids['consumer']}`);
    await page.waitForSelector('.lineage');
    expect(await page.getAttribute('.lineage a[title="' + ids['baseline'] + '"]', 'href')).toBe(`#/run/${ids['baseline']}`);
    await page.goto(`${ui.url}#/run/${ids['baseline']}`);
    await page.waitForSelector('.lineage');
    expect(await page.textContent('.lineage')).toContain('consumer');
    await screenshot(page, 'run-lineage');
  });

  it('compares two runs: differing rows, best value marked, two lines overlaid, different-data warning', async () => {
    await page.goto(`${ui.url}#/compare?runs=${ids['baseline']},${ids['deeper']}`);
    await page.waitForSelector('table.compare');
    expect(await page.textContent('table.compare td.best')).toContain('0.86');
    await page.waitForSelector('.panel[data-metric="loss"] .chart[data-lines]');
    expect(await page.getAttribute('.panel[data-metric="loss"] .chart', 'data-lines')).toBe('2');
    await screenshot(page, 'compare');
    await page.goto(`${ui.url}#/compare?runs=${ids['baseline']},${ids['other']}`);
    await page.waitForSelector('.data-warning');
    expect(await page.textContent('.data-warning')).toContain('data.csv');
  });

  it('selects runs in the table and compares them', async () => {
    await openTable();
    await page.check(`.grid-row[data-run="${ids['baseline']}"] input[type=checkbox]`);
    await page.check(`.grid-row[data-run="${ids['other']}"] input[type=checkbox]`);
    expect(page.url()).toContain(`sel=${ids['baseline']}%2C${ids['other']}`);
    await page.click('.selbar a:text-is("compare")');
    await page.waitForSelector('table.compare');
    expect(await page.$$eval('table.compare thead th a', (as) => as.map((a) => a.textContent))).toEqual(['baseline', 'other']);
  });

  it('zooms a chart to every point of the range, and hovering reads run and value', async () => {
    await page.goto(`${ui.url}#/charts?runs=${ids['long']}`);
    const chart = '.panel[data-metric="loss"] .chart';
    await page.waitForSelector(`${chart}[data-points]`);
    expect(Number(await page.getAttribute(chart, 'data-points'))).toBeLessThan(LONG);
    const box = (await page.locator(`${chart} .u-over`).boundingBox())!;
    await page.mouse.move(box.x + box.width * 0.4, box.y + box.height / 2);
    await page.mouse.down();
    await page.mouse.move(box.x + box.width * 0.45, box.y + box.height / 2, { steps: 5 });
    await page.mouse.up();
    await page.waitForSelector('.panel[data-metric="loss"][data-zoomed]:not([data-zoomed=""])');
    const zoomed = (await page.getAttribute('.panel[data-metric="loss"]', 'data-zoomed'))!;
    expect(zoomed).not.toContain('~');
    expect(Number(zoomed)).toBeGreaterThan(100);
    await expect.poll(() => page.getAttribute(chart, 'data-points')).toBe(zoomed);
    // The zoomed points are drawn: pixels in the run's colour, not only axes and grid.
    await page.mouse.move(box.x + box.width / 2, box.y + box.height + 60);
    await expect.poll(() => linePixels(page, `${chart} canvas`)).toBeGreaterThan(500);
    await page.mouse.move(box.x + box.width * 0.5, box.y + box.height / 2);
    await expect.poll(() => page.textContent(`${chart} .readout`)).toMatch(/step [\d,]+ {2}· {2}long \(\w+\): [\d.]+/);
    await screenshot(page, 'charts-zoomed');
  });

  it('selects runs by brushing a parallel coordinates axis', async () => {
    await page.goto(`${ui.url}#/parallel?params=params.depth,params.lr&metric=metrics.f1`);
    await page.waitForSelector('.plot-parallel canvas');
    await page.waitForTimeout(300);
    const box = (await page.locator('.plot-parallel').boundingBox())!;
    // The depth axis is the first, 60 px in (parallel.left); its top is depth 6, the bottom 3.
    const x = box.x + 60;
    const top = box.y + 40;
    const bottom = box.y + box.height - 30;
    await page.mouse.move(x, top - 5);
    await page.mouse.down();
    await page.mouse.move(x, top + (bottom - top) * 0.2, { steps: 6 });
    await page.mouse.up();
    await expect.poll(() => page.getAttribute('.plot-parallel', 'data-brushed')).toBe('1');
    expect(await page.textContent('.brushed-list')).toContain('deeper');
    expect(await page.getAttribute('.brushed a[href*="charts"]', 'href')).toContain(ids['deeper']!);
    await screenshot(page, 'parallel');
  });

  it('shows a run started while the page is open, and its chart grows without a reload', async () => {
    await openTable();
    const script = 'for i in $(seq 0 79); do echo "{\\"name\\":\\"loss\\",\\"step\\":$i,\\"value\\":$i}" >> "$GIT_TRACK_RUN_DIR/metrics.jsonl"; sleep 0.15; done';
    const run = cliAsync(repo, 'run', '--name', 'live', '--no-system-metrics', '--', 'sh', '-c', script);
    await page.waitForSelector('.grid-row.running', { timeout: 15_000 });
    const live = (await page.getAttribute('.grid-row.running', 'data-run'))!;
    await page.click(`.grid-row.running a.id`);
    await page.waitForSelector('.panel[data-metric="loss"] .chart[data-points]', { timeout: 15_000 });
    const first = Number(await page.getAttribute('.panel[data-metric="loss"] .chart', 'data-points'));
    await expect.poll(async () => Number(await page.getAttribute('.panel[data-metric="loss"] .chart', 'data-points')), { timeout: 15_000 }).toBeGreaterThan(first);
    await screenshot(page, 'run-live');
    expect((await run).code).toBe(0);
    await openTable();
    await expect.poll(() => tableRuns(page)).toContain(live);
  });

  it('opens an export from file:// with the same table', async () => {
    const site = tempDir('gt-ui-export-');
    const r = cli(repo, 'ui', '--export', site);
    expect(r.stderr).toBe('');
    await page.goto(pathToFileURL(join(site, 'index.html')).href + '#/runs');
    await page.waitForSelector('.runs-grid .grid-row[data-run]');
    const exported = await tableRuns(page);
    await openTable();
    expect(exported.sort()).toEqual((await tableRuns(page)).sort());
    await page.goto(pathToFileURL(join(site, 'index.html')).href + '#/runs?filter=' + encodeURIComponent('params.depth > 3'));
    await expect.poll(() => tableRuns(page).then((r) => r.length)).toBe(2);
    await screenshot(page, 'export-table');
  });

  it('refuses a request with a foreign Host header', async () => {
    const url = new URL(ui.url);
    const status = await new Promise<number>((done, fail) => {
      const req = request({ host: url.hostname, port: url.port, path: '/api/runs', headers: { host: `attacker.example:${url.port}` } }, (res) => {
        res.resume();
        done(res.statusCode ?? 0);
      });
      req.on('error', fail);
      req.end();
    });
    expect(status).toBe(403);
  });

  it('shows stages and charts views', async () => {
    cli(repo, 'promote', ids['deeper']!, '--stage', 'production', '--reason', 'best f1');
    await page.goto(`${ui.url}#/stages`);
    await page.waitForSelector('.stage[data-stage="production"]');
    expect(await page.textContent('.stage')).toContain('best f1');
    await screenshot(page, 'stages');
    await page.goto(`${ui.url}#/charts?runs=${ids['baseline']},${ids['deeper']}&smooth=0.6`);
    await page.waitForSelector('.panel[data-metric="acc"] .chart[data-lines="2"]');
    await screenshot(page, 'charts');
  });
});
