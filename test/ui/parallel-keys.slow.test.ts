/**
 * Parallel coordinates brushed from the keyboard in Chromium: each axis's top and bottom ends
 * are sliders under the plot; arrow keys narrow the runs, Delete/Escape clear an axis, the
 * brushed runs are selected and compared without a mouse, and a mouse brush moves the sliders.
 * Screenshot: test-output/ui/parallel-keys.png.
 */
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { cli, makeRepo } from '../helpers/repo.js';
import { openDashboard, screenshot, type UiServer } from './browser-helpers.js';

let repo = '';
let ui: UiServer;
let page: Page;
let closeDashboard: (() => Promise<void>) | undefined;
const ids: Record<string, string> = {};

beforeAll(async () => {
  repo = makeRepo({ commit: true });
  for (const [name, lr, depth, f1] of [['baseline', 0.1, 3, 0.81], ['deeper', 0.01, 6, 0.86], ['other', 0.05, 4, 0.78]] as const) {
    const r = cli(repo, 'log', '--name', name, '-p', `lr=${lr}`, '-p', `depth=${depth}`, '-m', `f1=${f1}`);
    expect(r.stderr).toBe('');
    ids[name] = r.stdout.trim();
  }
  ({ ui, page, close: closeDashboard } = await openDashboard(repo));
});

afterAll(() => closeDashboard?.());

const thumb = (axis: string, end: 'top' | 'bottom') => `.axis-key[data-axis="${axis}"] .axis-${end}`;
const brushed = () => page.getAttribute('.plot-parallel', 'data-brushed');
const focused = () => page.evaluate(() => (document.activeElement as HTMLElement | null)?.getAttribute('aria-label') ?? '');

async function open(): Promise<void> {
  // A fresh page: no brush left from the test before.
  await page.goto('about:blank');
  await page.goto(`${ui.url}#/parallel?params=params.depth,params.lr&metric=metrics.f1`);
  await page.waitForSelector('.plot-parallel canvas');
  await page.waitForSelector(thumb('depth', 'top'));
}

describe('parallel coordinates from the keyboard', () => {
  it('narrows, selects and compares the brushed runs with keys only', async () => {
    await open();
    // The sliders are in the tab order: top, then bottom, axis after axis.
    await page.focus(thumb('depth', 'top'));
    expect(await page.getAttribute(thumb('depth', 'top'), 'aria-valuetext')).toBe('6');
    expect(await page.getAttribute(thumb('depth', 'bottom'), 'aria-valuetext')).toBe('3');
    await page.keyboard.press('Tab');
    expect(await focused()).toBe('depth, bottom of the brushed range');
    // Raise the bottom of depth past 3 and 4: only depth 6 is left.
    await page.keyboard.press('ArrowUp');
    await expect.poll(brushed).toBe('2');
    await page.keyboard.press('ArrowUp');
    await expect.poll(brushed).toBe('1');
    expect(await page.textContent('.brushed-list')).toContain('deeper');
    expect(await page.getAttribute(thumb('depth', 'bottom'), 'aria-valuetext')).toBe('6');
    // The bottom cannot pass the top: one more step changes nothing.
    await page.keyboard.press('ArrowUp');
    expect(await page.getAttribute(thumb('depth', 'bottom'), 'aria-valuetext')).toBe('6');
    await page.keyboard.press('ArrowDown');
    await expect.poll(brushed).toBe('2');
    // Shift+arrow moves the whole range (4…6 → 3…4), keeping its width of two values.
    await page.keyboard.press('Shift+ArrowDown');
    await expect.poll(() => page.getAttribute(thumb('depth', 'bottom'), 'aria-valuetext')).toBe('3');
    expect(await page.getAttribute(thumb('depth', 'top'), 'aria-valuetext')).toBe('4');
    expect(await page.textContent('.brushed-list')).not.toContain('deeper');
    await page.keyboard.press('Shift+ArrowUp');
    await expect.poll(() => page.getAttribute(thumb('depth', 'top'), 'aria-valuetext')).toBe('6');
    await expect.poll(brushed).toBe('2');
    // A second axis narrows further: lr at most 0.05 (both left), then at most 0.01.
    await page.keyboard.press('Tab');
    expect(await focused()).toBe('lr, top of the brushed range');
    await page.keyboard.press('ArrowDown');
    expect(await page.getAttribute(thumb('lr', 'top'), 'aria-valuetext')).toBe('0.05');
    await page.keyboard.press('ArrowDown');
    await expect.poll(brushed).toBe('1');
    expect(await page.getAttribute(thumb('lr', 'top'), 'aria-valuetext')).toBe('0.01');
    await screenshot(page, 'parallel-keys');
    await page.keyboard.press('ArrowUp');
    await expect.poll(brushed).toBe('2');
    // Select the brushed runs and compare them, without the mouse.
    const compare = '.brushed a[href*="compare"]';
    await page.focus(`.brushed-list input[aria-label="select ${ids['other']}"]`);
    await page.keyboard.press('Space');
    // One run ticked: nothing to compare it with, so the page offers to open it.
    expect(await page.$(compare)).toBeNull();
    expect(await page.getAttribute('.brushed a.open-run', 'href')).toBe(`#/run/${ids['deeper']}`);
    await page.keyboard.press('Space');
    expect(await page.textContent(compare)).toBe('compare 2');
    await page.focus(compare);
    await page.keyboard.press('Enter');
    await page.waitForSelector('table.compare');
    expect(await page.$$eval('table.compare thead th a', (as) => as.map((a) => a.textContent).sort())).toEqual(['deeper', 'other']);
  });

  it('clears an axis with Delete or Escape', async () => {
    await open();
    await page.focus(thumb('depth', 'top'));
    await page.keyboard.press('ArrowDown');
    await page.keyboard.press('ArrowDown');
    await expect.poll(brushed).toBe('1');
    await page.focus(thumb('lr', 'top'));
    await page.keyboard.press('Home');
    await expect.poll(brushed).toBe('0');
    await page.keyboard.press('Escape');
    await expect.poll(brushed).toBe('1');
    await page.focus(thumb('depth', 'top'));
    await page.keyboard.press('Delete');
    await expect.poll(() => page.textContent('.brushed')).toContain('No range brushed');
    expect(await page.getAttribute(thumb('depth', 'top'), 'aria-valuetext')).toBe('6');
  });

  it('moves the sliders when an axis is brushed with the mouse', async () => {
    await open();
    await page.waitForTimeout(300);
    const box = (await page.locator('.plot-parallel').boundingBox())!;
    // The depth axis is the first, 60 px in; its top is depth 6, the bottom 3.
    const x = box.x + 60;
    const top = box.y + 40;
    const bottom = box.y + box.height - 30;
    await page.mouse.move(x, top - 5);
    await page.mouse.down();
    await page.mouse.move(x, top + (bottom - top) * 0.2, { steps: 6 });
    await page.mouse.up();
    await expect.poll(brushed).toBe('1');
    expect(await page.getAttribute(thumb('depth', 'bottom'), 'aria-valuetext')).toBe('6');
    // The keyboard carries on from the mouse's range.
    await page.focus(thumb('depth', 'bottom'));
    await page.keyboard.press('ArrowDown');
    await expect.poll(brushed).toBe('2');
  });
});
