/**
 * A sweep's page in Chromium: its children linked, the best one marked by the sweep's metric,
 * and all of them a click from compare and charts.
 */
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { cli, makeRepo } from '../helpers/repo.js';
import { openDashboard, screenshot, type UiServer } from './browser-helpers.js';

let repo = '';
let ui: UiServer;
let page: Page;
let closeDashboard: (() => Promise<void>) | undefined;

beforeAll(async () => {
  repo = makeRepo({ commit: true });
  const r = cli(repo, 'sweep', '--grid', 'lr=0.1,0.5', '--metric', 'acc', '--goal', 'max', '--', 'sh', '-c', 'for s in 0 1 2; do echo "{\\"name\\":\\"acc\\",\\"step\\":$s,\\"value\\":{lr}}" >> "$GIT_TRACK_RUN_DIR/metrics.jsonl"; done');
  expect(r.code).toBe(0);
  ({ ui, page, close: closeDashboard } = await openDashboard(repo));
});

afterAll(() => closeDashboard?.());

describe('a sweep on its run page', () => {
  it('links its children, marks the best, and compares or charts them all', async () => {
    const runs = JSON.parse(cli(repo, 'list', '--json').stdout) as { id: string; name?: string; parent?: string; params?: Record<string, unknown> }[];
    const parent = runs.find((r) => !r.parent)!;
    const children = runs.filter((r) => r.parent === parent.id);
    expect(children).toHaveLength(2);
    const best = children.find((c) => c.params?.['lr'] === 0.5)!;
    await page.goto(`${ui.url}#/run/${parent.id}`);
    await page.waitForSelector('.run-section[data-section="child runs"]');
    expect(await page.$eval('.best-child', (b) => b.closest('li')!.querySelector('a')!.getAttribute('title'))).toBe(best.id);
    expect(await page.textContent('.best-child')).toContain('best by acc');
    const compare = (await page.getAttribute('.child-links a:first-child', 'href'))!;
    expect(decodeURIComponent(compare)).toMatch(new RegExp(`^#/compare\\?runs=(${children[0]!.id},${children[1]!.id}|${children[1]!.id},${children[0]!.id})$`));
    await screenshot(page, 'run-sweep');
    await page.click('.child-links a:text-is("chart them")');
    await page.waitForSelector('.panel[data-metric="acc"] .chart[data-lines="2"]');
  });
});
