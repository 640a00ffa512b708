/**
 * An export opened from file:// in Chromium: zooming into a long series loads its every point
 * from the chunks beside the downsampled line (no fetch() on file://), and a series the export
 * holds only downsampled says so in its panel. Screenshots: test-output/ui/export-zoom*.png.
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { fixedEnv } from '../../src/env.js';
import { UI_EXPORT_CHUNK_POINTS } from '../../src/limits.js';
import { exportSite } from '../../src/ui/export/export-site.js';
import { openContext } from '../../src/tracker-context.js';
import { cli, makeRepo, tempDir } from '../helpers/repo.js';
import { launchBrowser, screenshot } from './browser-helpers.js';

const LONG = 2 * UI_EXPORT_CHUNK_POINTS + 20_000;
const CHART = '.panel[data-metric="loss"] .chart';
const T0 = 1_780_000_000;

let repo = '';
let id = '';
let browser: Awaited<ReturnType<typeof launchBrowser>>;
let page: Page;

beforeAll(async () => {
  repo = makeRepo({ commit: true });
  // One point a second from T0: the time axes place them.
  writeFileSync(join(repo, 'long.csv'), `step,loss,timestamp\n${Array.from({ length: LONG }, (_, i) => `${i},${(1 / (1 + i / 1000) + (i % 7) * 0.001).toFixed(6)},${T0 + i}`).join('\n')}\n`);
  const r = cli(repo, 'log', '--name', 'long', '--series', 'long.csv');
  expect(r.stderr).toBe('');
  id = r.stdout.trim();
  browser = await launchBrowser();
  page = await browser.context.newPage();
});

afterAll(async () => {
  await browser?.close();
});

/** Drag across the middle twentieth of the chart: a zoom to about 5 % of what it shows. */
async function zoomMiddle(): Promise<void> {
  const box = (await page.locator(`${CHART} .u-over`).boundingBox())!;
  await page.mouse.move(box.x + box.width * 0.5, box.y + box.height / 2);
  await page.mouse.down();
  await page.mouse.move(box.x + box.width * 0.55, box.y + box.height / 2, { steps: 5 });
  await page.mouse.up();
}

describe('an export from file:// at high zoom', () => {
  it('shows the raw points of a zoomed range, read from the chunks', async () => {
    const site = tempDir('gt-export-zoom-');
    expect(cli(repo, 'ui', '--export', site).code).toBe(0);
    const requests: string[] = [];
    page.on('request', (r) => requests.push(r.url()));
    await page.goto(`${pathToFileURL(join(site, 'index.html')).href}#/charts?runs=${id}`);
    await page.waitForSelector(`${CHART}[data-points]`);
    expect(Number(await page.getAttribute(CHART, 'data-points'))).toBeLessThanOrEqual(2000);
    expect(requests.some((u) => u.includes('series-points'))).toBe(false);
    // First zoom: ~7,000 steps, more than the panel is wide: downsampled again, from raw points.
    await zoomMiddle();
    await page.waitForSelector('.panel[data-metric="loss"][data-zoomed]:not([data-zoomed=""])');
    expect(requests.some((u) => u.includes('series-points'))).toBe(true);
    const first = (await page.getAttribute('.panel[data-metric="loss"]', 'data-zoomed'))!;
    expect(first).toMatch(/^\d+~$/);
    // The exported 2,000-point line has ~2 % of its points there; the zoom counted every step.
    expect(Number(first.slice(0, -1))).toBeGreaterThan(3000);
    // Second zoom: a few hundred steps, every one drawn.
    await zoomMiddle();
    await expect.poll(() => page.getAttribute('.panel[data-metric="loss"]', 'data-zoomed')).toMatch(/^\d+$/);
    const zoomed = (await page.getAttribute('.panel[data-metric="loss"]', 'data-zoomed'))!;
    expect(Number(zoomed)).toBeGreaterThan(100);
    await expect.poll(() => page.getAttribute(CHART, 'data-points')).toBe(zoomed);
    await screenshot(page, 'export-zoomed');
    // Zooming out (double-click) returns to the exported line.
    const box = (await page.locator(`${CHART} .u-over`).boundingBox())!;
    await page.mouse.dblclick(box.x + box.width / 2, box.y + box.height / 2);
    await expect.poll(() => page.getAttribute(CHART, 'data-points')).toBe('2000');
  });

  it('draws the time axes from file://, and zooms into raw points there too', async () => {
    const site = tempDir('gt-export-time-');
    expect(cli(repo, 'ui', '--export', site).code).toBe(0);
    await page.goto('about:blank');
    await page.goto(`${pathToFileURL(join(site, 'index.html')).href}#/charts?runs=${id}&x=relative`);
    await page.waitForSelector(`${CHART}[data-points]`);
    expect(await page.$eval('select[aria-label="x axis"]', (s) => (s as HTMLSelectElement).value)).toBe('relative');
    // The far right of the line is its last point: LONG - 1 seconds after the first.
    const box = (await page.locator(`${CHART} .u-over`).boundingBox())!;
    await page.mouse.move(box.x + box.width - 1, box.y + box.height / 2);
    await expect.poll(() => page.textContent(`${CHART} .readout`)).toContain(`relative ${(LONG - 1).toFixed(1)} s`);
    await zoomMiddle();
    await page.waitForSelector('.panel[data-metric="loss"][data-zoomed]:not([data-zoomed=""])');
    await zoomMiddle();
    await expect.poll(() => page.getAttribute('.panel[data-metric="loss"]', 'data-zoomed')).toMatch(/^\d+$/);
    expect(Number(await page.getAttribute('.panel[data-metric="loss"]', 'data-zoomed'))).toBeGreaterThan(100);
    await screenshot(page, 'export-zoomed-relative');
    await page.goto('about:blank');
    await page.goto(`${pathToFileURL(join(site, 'index.html')).href}#/charts?runs=${id}&x=time`);
    await page.waitForSelector(`${CHART}[data-points]`);
    // The far left is the first point, at T0, written as the page writes times.
    await page.mouse.move(box.x + 1, box.y + box.height / 2);
    const first = await page.evaluate((t) => new Date(t).toLocaleString(), T0 * 1000);
    await expect.poll(() => page.textContent(`${CHART} .readout`)).toContain(`time ${first}`);
  });

  it('says in the panel when a series was too large to export in full', async () => {
    const site = tempDir('gt-export-cut-');
    await exportSite(openContext({ dir: repo, env: fixedEnv() }), site, { budget: { perSeries: 1000, left: 10_000_000 } });
    await page.goto(`${pathToFileURL(join(site, 'index.html')).href}#/charts?runs=${id}`);
    await page.waitForSelector(`${CHART}[data-points]`);
    const note = await page.textContent('.panel[data-metric="loss"] .export-cut');
    expect(note).toContain(`2,000 of ${LONG.toLocaleString('en-US')} points`);
    expect(note).toContain('git-track ui');
    await screenshot(page, 'export-cut');
  });
});
