/**
 * The run page's lineage graph in Chromium: producers → the run → the runs that used its
 * outputs, edges labelled with what flowed, a wide fan-out cut to "+N more", and each node a
 * link that lands on its run. Screenshots in light and dark: test-output/ui/run-lineage-*.png.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { makeRepo } from '../helpers/repo.js';
import { UI_LINEAGE_LAYER_NODES } from '../../src/limits.js';
import { logNamed, openDashboard, screenshot, type UiServer } from './browser-helpers.js';

const EVALS = UI_LINEAGE_LAYER_NODES + 3;

let repo = '';
let ui: UiServer;
let page: Page;
let closeDashboard: (() => Promise<void>) | undefined;
const ids: Record<string, string> = {};

const logRun = (name: string, ...args: string[]): string => logNamed(repo, name, ...args);

beforeAll(async () => {
  repo = makeRepo({ commit: true });
  mkdirSync(join(repo, 'data'));
  mkdirSync(join(repo, 'models'));
  writeFileSync(join(repo, 'data', 'raw.csv'), 'a,b\n1,2\n');
  ids['fetch'] = logRun('fetch-raw', '-a', 'data/raw.csv');
  writeFileSync(join(repo, 'data', 'train.csv'), 'x,y\n1,2\n3,4\n');
  ids['prep'] = logRun('prepare', '-d', 'data/raw.csv', '-a', 'data/train.csv');
  writeFileSync(join(repo, 'models', 'model.bin'), 'weights v1');
  ids['train'] = logRun('train', '-d', 'data/train.csv', '-a', 'models/model.bin:model');
  for (let i = 0; i < EVALS; i++) ids[`eval${i}`] = logRun(`eval-${i}`, '-d', 'models/model.bin');
  ({ ui, page, close: closeDashboard } = await openDashboard(repo));
});

afterAll(() => closeDashboard?.());

describe('lineage graph on the run page', () => {
  it('draws producers, the run and its consumers as linked nodes with labelled edges', async () => {
    await page.goto(`${ui.url}#/run/${ids['train']}`);
    await page.waitForSelector('svg.lineage-graph');
    const runs = await page.$$eval('svg.lineage-graph [data-run]', (els) => els.map((e) => e.getAttribute('data-run')));
    // Two generations back, the run, and the first consumers (one slot left for "+N more").
    expect(runs).toContain(ids['prep']);
    expect(runs).toContain(ids['fetch']);
    expect(runs).toContain(ids['train']);
    expect(runs.filter((r) => r!.length > 0 && Object.entries(ids).some(([k, v]) => k.startsWith('eval') && v === r))).toHaveLength(UI_LINEAGE_LAYER_NODES - 1);
    expect(await page.getAttribute('svg.lineage-graph [data-more]', 'data-more')).toBe(String(EVALS - UI_LINEAGE_LAYER_NODES + 1));
    expect(await page.textContent('svg.lineage-graph [data-more]')).toContain(`+${EVALS - UI_LINEAGE_LAYER_NODES + 1} more`);
    const labels = await page.$$eval('svg.lineage-graph .lin-edge-label', (els) => els.map((e) => e.textContent));
    expect(labels.join(' ')).toContain('data/train.csv');
    expect(labels.join(' ')).toContain('data/raw.csv');
    expect(labels.join(' ')).toContain('models/model.bin');
    // Left to right: grand-producer, producer, run, consumers.
    const x = (id: string) => page.$eval(`svg.lineage-graph [data-run="${id}"] rect`, (r) => Number(r.getAttribute('x')));
    expect(await x(ids['fetch']!)).toBeLessThan(await x(ids['prep']!));
    expect(await x(ids['prep']!)).toBeLessThan(await x(ids['train']!));
    const consumer = runs.find((r) => r !== ids['train'] && r !== ids['prep'] && r !== ids['fetch'])!;
    expect(await x(ids['train']!)).toBeLessThan(await x(consumer));
    // The graph fits its box: no node drawn outside the SVG.
    const fits = await page.$eval('svg.lineage-graph', (svg) => {
      const w = Number(svg.getAttribute('width'));
      const h = Number(svg.getAttribute('height'));
      return [...svg.querySelectorAll('rect')].every((r) => Number(r.getAttribute('x')) >= 0 && Number(r.getAttribute('x')) + Number(r.getAttribute('width')) <= w && Number(r.getAttribute('y')) + Number(r.getAttribute('height')) <= h);
    });
    expect(fits).toBe(true);
    await screenshot(page, 'run-lineage-light');
    await page.emulateMedia({ colorScheme: 'dark' });
    // The dark theme paints the nodes with its own colours, not the light ones.
    const fill = await page.$eval('svg.lineage-graph a.lin-node rect', (r) => getComputedStyle(r).fill);
    expect(fill).toBe('rgb(22, 27, 34)');
    await screenshot(page, 'run-lineage-dark');
    await page.emulateMedia({ colorScheme: 'light' });
  });

  it('lands on the run of a clicked node, and back through its graph', async () => {
    await page.goto(`${ui.url}#/run/${ids['train']}`);
    await page.click(`svg.lineage-graph a[data-run="${ids['prep']}"]`);
    await page.waitForFunction((id) => location.hash === `#/run/${id}`, ids['prep']);
    await page.waitForSelector(`svg.lineage-graph .lin-node-self[data-run="${ids['prep']}"]`);
    expect(await page.textContent('.run-head h2')).toContain('prepare');
    // From the producer, the consumer is a node on the right; the keyboard reaches it too.
    await page.focus(`svg.lineage-graph a[data-run="${ids['train']}"]`);
    await page.keyboard.press('Enter');
    await page.waitForFunction((id) => location.hash === `#/run/${id}`, ids['train']);
    await page.waitForSelector(`svg.lineage-graph .lin-node-self[data-run="${ids['train']}"]`);
  });

  it('shows no lineage section for a run with no producers and no consumers', async () => {
    const lone = logRun('lonely', '-p', 'x=1');
    await page.goto(`${ui.url}#/run/${lone}`);
    await page.waitForSelector('.run-head h2');
    expect(await page.$('svg.lineage-graph')).toBeNull();
  });
});
