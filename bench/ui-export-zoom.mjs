// Zooming into a 1,000,000-point series in a static export opened from file:// (every point of
// the range read from the chunks written beside the downsampled line), against the same zoom
// on the live `git-track ui` (the server reads the range and downsamples it), same page, same
// run. Also the export's cost: time to write it and its size.
//   node bench/ui-export-zoom.mjs      (build first; needs /usr/bin/chromium and playwright-core)
import { execFileSync, spawn } from 'node:child_process';
import { mkdtempSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { chromium } from 'playwright-core';

const POINTS = Number(process.env.POINTS ?? 1_000_000);
const REPEAT = 3;
const bin = new URL('../bin/git-track.js', import.meta.url).pathname;
const dir = mkdtempSync(join(tmpdir(), 'gt-bench-export-zoom-'));
const env = { ...process.env, GIT_AUTHOR_NAME: 'Bench', GIT_AUTHOR_EMAIL: 'b@example.com', GIT_COMMITTER_NAME: 'Bench', GIT_COMMITTER_EMAIL: 'b@example.com' };
const run = (cmd, ...args) => execFileSync(cmd, args, { cwd: dir, env, encoding: 'utf8' });
const CHART = '.panel[data-metric="loss"] .chart';

function sizeOf(path) {
  const st = statSync(path);
  return st.isDirectory() ? readdirSync(path).reduce((n, e) => n + sizeOf(join(path, e)), 0) : st.size;
}

/** Milliseconds from the drag's end to the zoomed line drawn, and what the zoom brought. */
async function zoomOnce(page, url) {
  await page.goto('about:blank');
  await page.goto(url);
  await page.waitForSelector(`${CHART}[data-points]`, { timeout: 60_000 });
  const box = await page.locator(`${CHART} .u-over`).boundingBox();
  await page.mouse.move(box.x + box.width * 0.5, box.y + box.height / 2);
  await page.mouse.down();
  await page.mouse.move(box.x + box.width * 0.52, box.y + box.height / 2, { steps: 4 });
  const t0 = await page.evaluate(() => performance.now());
  await page.mouse.up();
  await page.waitForSelector('.panel[data-metric="loss"][data-zoomed]:not([data-zoomed=""])', { timeout: 60_000 });
  const t1 = await page.evaluate(() => performance.now());
  return { ms: t1 - t0, zoomed: await page.getAttribute('.panel[data-metric="loss"]', 'data-zoomed') };
}

let server;
const browser = await chromium.launch({ executablePath: '/usr/bin/chromium', args: ['--headless', '--no-sandbox', '--disable-gpu'] });
try {
  run('git', 'init', '-q', '-b', 'main');
  writeFileSync(join(dir, 'long.csv'), `step,loss\n${Array.from({ length: POINTS }, (_, i) => `${i},${(1 / (1 + i / 1000) + (i % 7) * 0.001).toFixed(6)}`).join('\n')}\n`);
  run('git', 'add', '.');
  run('git', 'commit', '-q', '-m', 'data');
  const id = run(process.execPath, bin, 'log', '--name', 'long', '--series', 'long.csv').trim();
  const site = join(dir, 'site');
  const e0 = performance.now();
  run(process.execPath, bin, 'ui', '--export', site);
  const exportMs = performance.now() - e0;
  const chunks = readdirSync(join(site, 'data')).filter((f) => f.startsWith('series-points')).length;
  console.log(`export of 1 run × ${POINTS.toLocaleString('en-US')} points: ${(exportMs / 1000).toFixed(2)} s, ${(sizeOf(site) / 1e6).toFixed(1)} MB (${chunks} chunk files, data/ ${(sizeOf(join(site, 'data')) / 1e6).toFixed(1)} MB)`);

  server = spawn(process.execPath, [bin, 'ui', '--port', '0'], { cwd: dir, env, stdio: ['ignore', 'pipe', 'pipe'] });
  const url = await new Promise((resolve) => server.stdout.on('data', (d) => { const m = /(http:\/\/127\.0\.0\.1:\d+\/)/.exec(String(d)); if (m) resolve(m[1]); }));
  const page = await (await browser.newContext({ viewport: { width: 1280, height: 860 } })).newPage();
  const pages = { 'export, file://': `${pathToFileURL(join(site, 'index.html')).href}#/charts?runs=${id}`, 'live server (reference)': `${url}#/charts?runs=${id}` };
  console.log(`zoom to 2 % of the line, drag end → zoomed line drawn, best of ${REPEAT} (Chromium ${browser.version()}, load average ${loadavg().map((l) => l.toFixed(2)).join(' ')}):`);
  for (const [name, at] of Object.entries(pages)) {
    const tries = [];
    for (let i = 0; i < REPEAT; i++) tries.push(await zoomOnce(page, at));
    const best = tries.reduce((a, b) => (a.ms <= b.ms ? a : b));
    console.log(`  ${name.padEnd(24)} ${best.ms.toFixed(0).padStart(5)} ms  (points in range: ${best.zoomed}; ~ = downsampled to the panel)`);
  }
} finally {
  server?.kill();
  await browser.close();
  rmSync(dir, { recursive: true, force: true });
}
