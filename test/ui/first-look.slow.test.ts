/**
 * Every view as a newcomer opens it, in light and dark (screenshots: test-output/ui/look-*.png),
 * and what used to confuse there: one-panel metric groups leaving half a row empty, default
 * parallel axes without values, stages naming runs by id only, and an export offering artifact
 * downloads it cannot have.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { cli, makeRepo, tempDir } from '../helpers/repo.js';
import { logNamed, openDashboard, screenshot, startUi, type UiServer } from './browser-helpers.js';

let repo = '';
let site = '';
let ui: UiServer;
let page: Page;
let closeDashboard: (() => Promise<void>) | undefined;
const ids: Record<string, string> = {};

const logRun = (name: string, ...args: string[]): string => logNamed(repo, name, ...args);

beforeAll(async () => {
  repo = makeRepo({ commit: true });
  const series = (k: number) => ['step,train/loss,val/loss', ...Array.from({ length: 60 }, (_, i) => `${i},${(1 / (1 + i * k)).toFixed(5)},${(1.2 / (1 + i * k) + 0.1).toFixed(5)}`)].join('\n');
  mkdirSync(join(repo, 'models'));
  for (const [name, lr] of [['slow', 0.02], ['fast', 0.5]] as const) {
    writeFileSync(join(repo, 'series.csv'), `${series(lr * 4)}\n`);
    writeFileSync(join(repo, 'models', 'm.bin'), `weights ${name}`);
    ids[name] = logRun(name, '-p', `lr=${lr}`, '-m', `f1=${lr === 0.5 ? 0.9 : 0.8}`, '--series', 'series.csv', '-a', 'models/m.bin:model');
  }
  // An older run with other params and no series: its params must not become empty default axes.
  ids['legacy'] = logRun('legacy', '-p', 'max_depth=8', '-p', 'a_unused=1', '-m', 'auc=0.7');
  cli(repo, 'promote', ids['fast']!, '--stage', 'production', '--reason', 'best f1');
  site = tempDir('gt-look-export-');
  expect(cli(repo, 'ui', '--export', site).code).toBe(0);
  ({ ui, page, close: closeDashboard } = await openDashboard(repo));
});

afterAll(() => closeDashboard?.());

async function visit(url: string, ready: string): Promise<void> {
  await page.goto('about:blank');
  await page.goto(url);
  await page.waitForSelector(ready);
}

describe('the dashboard at first look', () => {
  it('shows every view in light and dark', async () => {
    const views: [string, string, string][] = [
      ['runs', '#/runs', '.runs-grid .grid-row[data-run]'],
      ['run', `#/run/${ids['fast']}`, '.run-page .panel .chart[data-points]'],
      ['charts', '#/charts', '.panel .chart[data-points]'],
      ['compare', `#/compare?runs=${ids['slow']},${ids['fast']}`, 'table.compare'],
      ['parallel', '#/parallel', '.axis-thumb'],
      ['stages', '#/stages', '.stage'],
    ];
    for (const scheme of ['light', 'dark'] as const) {
      await page.emulateMedia({ colorScheme: scheme });
      for (const [name, hash, ready] of views) {
        await visit(ui.url + hash, ready);
        await page.waitForTimeout(200);
        await screenshot(page, `look-${name}-${scheme}`);
      }
    }
    await page.emulateMedia({ colorScheme: 'light' });
  });

  it('puts one-panel metric groups side by side', async () => {
    await visit(`${ui.url}#/charts?runs=${ids['slow']},${ids['fast']}`, '.panel[data-metric="val/loss"] .chart[data-points]');
    const train = (await page.locator('.panel-group[data-prefix="train"]').boundingBox())!;
    const val = (await page.locator('.panel-group[data-prefix="val"]').boundingBox())!;
    expect(Math.abs(train.y - val.y)).toBeLessThan(2);
    expect(val.x).toBeGreaterThan(train.x + train.width - 1);
  });

  it('picks default parallel axes the plotted runs have values for', async () => {
    await visit(`${ui.url}#/parallel`, '.axis-thumb');
    // f1 is the metric most runs have; legacy (no f1) is left out, and so are its params.
    const axes = await page.$$eval('.axis-key', (els) => els.map((e) => e.getAttribute('data-axis')));
    expect(axes).toEqual(['lr', 'f1']);
    expect(await page.$eval('select[aria-label="scatter x axis"]', (s) => (s as HTMLSelectElement).value)).toBe('params.lr');
  });

  it('names the runs of a stage', async () => {
    await visit(`${ui.url}#/stages`, '.stage[data-stage="production"]');
    expect(await page.textContent('.stage h3')).toContain(`fast (${ids['fast']!.slice(0, 8)})`);
  });

  it('says in an export that artifacts are not in it, and that series without timestamps have no time axis', async () => {
    const index = pathToFileURL(join(site, 'index.html')).href;
    // These series were logged without a time column: as in the live dashboard, a time axis cannot place them.
    await visit(`${index}#/charts?runs=${ids['fast']}&x=time`, '.panels p');
    expect(await page.textContent('.panels')).toContain('no timestamps');
    await visit(`${index}#/run/${ids['fast']}`, '.run-section[data-section="artifacts"]');
    expect(await page.textContent('.run-section[data-section="artifacts"]')).toContain('not in a static export');
    await screenshot(page, 'look-export-run');
  });

  it('says plainly that a repository without runs has nothing to chart', async () => {
    const empty = makeRepo({ commit: true });
    const other = await startUi(empty);
    try {
      await visit(`${other.url}#/charts`, 'main p');
      await expect.poll(() => page.textContent('main')).toContain('No runs yet.');
      expect(await page.textContent('main')).not.toContain('Loading');
    } finally {
      await other.stop();
    }
  });

  it('says why a run is missing from an export made with --filter', async () => {
    const part = tempDir('gt-look-part-');
    expect(cli(repo, 'ui', '--export', part, '--filter', "name = 'fast'").code).toBe(0);
    await visit(`${pathToFileURL(join(part, 'index.html')).href}#/run/${ids['slow']}`, '.error');
    expect(await page.textContent('.error')).toBe(`run ${ids['slow']} is not in this export (it was exported with --filter "name = 'fast'")`);
  });
});
