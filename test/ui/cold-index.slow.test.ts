/**
 * The runs table in Chromium on a fresh clone (no query index): the page shows the runs read
 * so far with an "Indexing runs: N of M" banner and a count that says "so far", then completes
 * by itself when the server's index is whole. The server is the real one, started in-process
 * so the test can hold its index build mid-way.
 */
import { rmSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startUiServer } from '../../src/ui/server/start-server.js';
import { openContext } from '../../src/tracker-context.js';
import { launchBrowser, screenshot, tableRuns } from './browser-helpers.js';

const N = 800;
let browser: Awaited<ReturnType<typeof launchBrowser>>;
beforeAll(async () => void (browser = await launchBrowser()), 60_000);
afterAll(async () => await browser?.close());

describe('runs table while the query index is built', () => {
  it('shows the runs read so far, says so, and completes by itself', async () => {
    const { fixtureRepo } = (await import('../../bench/fixture.mjs')) as { fixtureRepo: (n: number) => string };
    const dir = fixtureRepo(N);
    rmSync(join(dir, '.git', 'git-track'), { recursive: true, force: true });
    let release!: () => void;
    const held = new Promise<void>((r) => (release = r));
    let open = false;
    const ui = await startUiServer({ ctx: openContext({ dir }), indexPause: () => (open ? undefined : held) });
    const page = await browser.context.newPage();
    try {
      await page.goto(`${ui.url}#/runs`);
      // Held after git's first piece: some runs, not all.
      const banner = page.locator('.indexing-banner');
      await expect.poll(async () => (await banner.isVisible()) && /Indexing runs: [1-9][\d,]* of 800 read/.test((await banner.textContent()) ?? ''), { timeout: 20_000 }).toBe(true);
      const shown = Number((await page.getAttribute('body', 'data-runs-total')) ?? NaN);
      expect(shown).toBeGreaterThan(0);
      expect(shown).toBeLessThan(N);
      // The count says "so far of 800", never a total it does not have.
      await expect.poll(() => page.textContent('.summary')).toBe(`${shown} so far of 800 runs`);
      expect(await page.getAttribute('body', 'data-indexing')).toBe(`${shown}/${N}`);
      // Newest first among those read.
      const created = await page.$$eval('.runs-grid .grid-row[data-run]', (rows) => rows.map((r) => r.querySelectorAll('.cell')[5]?.textContent ?? ''));
      expect(created.length).toBeGreaterThan(0);
      expect(created).toEqual([...created].sort().reverse());
      await screenshot(page, 'runs-indexing');
      // A filter meanwhile: answered over the same runs, and the banner says it applies to those.
      await page.fill('.filter-input', "status = 'failed'");
      await page.press('.filter-input', 'Enter');
      await expect.poll(async () => (await banner.textContent()) ?? '').toContain('filter, sort and groups apply to those so far');
      await page.fill('.filter-input', '');
      await page.press('.filter-input', 'Enter');
      // Let the build go: the page completes without a reload.
      open = true;
      release();
      await expect.poll(() => page.getAttribute('body', 'data-runs-total'), { timeout: 30_000 }).toBe(String(N));
      await expect.poll(() => banner.isVisible()).toBe(false);
      expect(await page.getAttribute('body', 'data-indexing')).toBeNull();
      expect(await page.textContent('.summary')).toBe('800 runs');
      const ids = await tableRuns(page);
      expect(await page.textContent(`.grid-row[data-run="${ids[0]}"] .cell.name`)).toBe(`run-${N - 1}`);
      await screenshot(page, 'runs-indexed');
    } finally {
      await page.close();
      await ui.close();
      rmSync(dir, { recursive: true, force: true });
    }
  }, 120_000);
});
