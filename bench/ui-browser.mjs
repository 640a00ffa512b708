// The dashboard in Chromium against the real `git-track ui`, timed with the page's own
// performance marks (src/ui/web: gt:runs-rendered, gt:series-arrived, gt:series-drawn).
// Budgets (issue 13): 10,000 runs server start → table rendered ≤ 1.5 s, filter → table
// updated ≤ 200 ms; 100,000 runs table rendered ≤ 3 s, scrolling smooth; 10 runs × 100,000
// steps chart drawn ≤ 500 ms after the data arrives. Each beside the same page at 1,000 runs.
//   npm run build && node bench/ui-browser.mjs [--sizes 1000,10000,100000] [--cold [--repeat N]]
// --cold: only a fresh clone (no query index), each size: server start → first rows drawn
// (the runs read so far, under the "indexing" banner) and → the whole table, the server's peak
// RSS, and a cold `git-track list` on another fresh copy as the reference of the same run.
import { spawn, spawnSync, execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { chromium } from 'playwright-core';
import { fixtureRepo } from './fixture.mjs';
import { median } from './stats.mjs';

const BIN = resolve(import.meta.dirname, '..', 'bin', 'git-track.js');
const arg = process.argv.indexOf('--sizes');
const SIZES = arg > 0 ? process.argv[arg + 1].split(',').map(Number) : [1000, 10_000, 100_000];
const COLD_ONLY = process.argv.includes('--cold');
const rep = process.argv.indexOf('--repeat');
// --cold --repeat N: each size N times on fresh copies, then the median (the cold figures vary
// most: the build, git and Chromium share the two cores).
const REPEAT = rep > 0 ? Number(process.argv[rep + 1]) : 1;
const FLAGS = ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'];

function startUi(dir) {
  const t0 = Date.now();
  const child = spawn(process.execPath, [BIN, 'ui', '--port', '0'], { cwd: dir, stdio: ['ignore', 'pipe', 'pipe'] });
  return new Promise((done, fail) => {
    let out = '';
    child.stdout.on('data', (d) => {
      out += d;
      const m = /(http:\/\/127\.0\.0\.1:\d+\/)/.exec(out);
      if (m) done({ t0, url: m[1], child });
    });
    child.on('exit', (code) => fail(new Error(`git-track ui exited ${code}`)));
  });
}

const stop = (child) => new Promise((done) => { child.once('exit', done); child.kill('SIGTERM'); });
const rssMb = (pid) => Number(/VmRSS:\s+(\d+)/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))[1]) / 1024;
// Epoch ms of the newest mark of that name, as the page's clock saw it.
const markAt = (page, name) => page.evaluate((n) => { const e = performance.getEntriesByName(n); return e.length ? performance.timeOrigin + e[e.length - 1].startTime : null; }, name);

const waitMark = async (page, name, after) => (await waitAnyMark(page, [name], after)).at;

const peakMb = (pid) => Number(/VmHWM:\s+(\d+)/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))[1]) / 1024;

/**
 * The first of several marks at or after `after` (epoch ms), with its name. The page resolves
 * it from a PerformanceObserver: polling from here every few ms took CPU from the server and
 * the page being measured (each poll is a round trip through Chromium's processes).
 */
function waitAnyMark(page, names, after) {
  return page.evaluate(
    ([names, after]) =>
      new Promise((resolve) => {
        new PerformanceObserver((list, observer) => {
          const e = list.getEntries().find((m) => names.includes(m.name) && performance.timeOrigin + m.startTime >= after);
          if (!e) return;
          observer.disconnect();
          resolve({ name: e.name, at: performance.timeOrigin + e.startTime });
        }).observe({ type: 'mark', buffered: true });
      }),
    [names, after],
  );
}

/** A fresh clone of `n` runs: first rows and whole table in the browser, and a cold `list`. */
async function coldPage(context, n) {
  const dir = fixtureRepo(n);
  const other = fixtureRepo(n);
  try {
    const ui = await startUi(dir);
    const page = await context.newPage();
    await page.goto(`${ui.url}#/runs`);
    const first = await waitAnyMark(page, ['gt:runs-rendered-partial', 'gt:runs-rendered'], 0);
    const firstRows = Number(await page.getAttribute('body', 'data-runs-total'));
    const whole = await waitMark(page, 'gt:runs-rendered', 0);
    const rss = peakMb(ui.child.pid);
    await page.close();
    await stop(ui.child);
    const t = Date.now();
    const list = spawnSync('/usr/bin/time', ['-f', '%M', process.execPath, BIN, 'list', '--limit', '1'], { cwd: other, encoding: 'utf8' });
    const listMs = Date.now() - t;
    const listRss = Number(list.stderr.trim().split('\n').at(-1)) / 1024;
    return { n, first: first.at - ui.t0, partial: first.name.endsWith('partial'), firstRows, whole: whole - ui.t0, rss, listMs, listRss };
  } finally {
    rmSync(dir, { recursive: true, force: true });
    rmSync(other, { recursive: true, force: true });
  }
}

async function tablePage(context, n) {
  const dir = fixtureRepo(n);
  try {
    // Start twice: the first on a fresh clone builds the query index (cold), the second finds it.
    const first = await startUi(dir);
    const coldPage = await context.newPage();
    await coldPage.goto(`${first.url}#/runs`);
    // Cold: the first rows drawn (the runs read so far, or the whole table when that came first).
    const cold = (await waitAnyMark(coldPage, ['gt:runs-rendered-partial', 'gt:runs-rendered'], 0)).at - first.t0;
    const coldWhole = (await waitMark(coldPage, 'gt:runs-rendered', 0)) - first.t0;
    await coldPage.close();
    await stop(first.child);
    const { t0, url, child } = await startUi(dir);
    const page = await context.newPage();
    await page.goto(`${url}#/runs`);
    const rendered = await waitMark(page, 'gt:runs-rendered', 0);
    const start = rendered - t0;
    // Filter: from Enter, and from the last keystroke (through the typing pause).
    await page.click('.filter-input');
    let t = await page.evaluate(() => performance.timeOrigin + performance.now());
    await page.fill('.filter-input', "metrics.metric_0 > 0.5 AND tags.team = 'team-1'");
    await page.press('.filter-input', 'Enter');
    const enter = (await waitMark(page, 'gt:runs-rendered', t)) - t;
    await page.fill('.filter-input', '');
    await page.press('.filter-input', 'Enter');
    await page.waitForTimeout(300);
    t = await page.evaluate(() => performance.timeOrigin + performance.now());
    await page.type('.filter-input', 'metrics.metric_1 > 0.5');
    const typedAt = await page.evaluate(() => performance.timeOrigin + performance.now());
    const typed = (await waitMark(page, 'gt:runs-rendered', typedAt - 1)) - typedAt;
    await page.fill('.filter-input', '');
    await page.press('.filter-input', 'Enter');
    await page.waitForTimeout(300);
    // Scroll: 240 frames at 1,500 px a frame through the table, frame times from rAF.
    const frames = await page.evaluate(() => new Promise((done) => {
      const el = document.querySelector('.runs-grid');
      const times = [];
      let last = performance.now();
      let k = 0;
      const step = () => {
        const now = performance.now();
        times.push(now - last);
        last = now;
        el.scrollTop += 1500;
        if (++k < 240) requestAnimationFrame(step);
        else done(times.slice(1));
      };
      requestAnimationFrame(step);
    }));
    frames.sort((a, b) => a - b);
    const q = (p) => frames[Math.min(frames.length - 1, Math.floor(p * frames.length))];
    const rss = rssMb(child.pid);
    await page.close();
    await stop(child);
    return { n, cold, coldWhole, start, enter, typed, p50: q(0.5), p95: q(0.95), max: frames[frames.length - 1], long: frames.filter((f) => f > 50).length, frames: frames.length, rss };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

async function chartPage(context, steps) {
  const dir = mkdtempSync(join(tmpdir(), 'gt-bench-chart-'));
  try {
    execFileSync('sh', ['-c', 'git init -q -b main && git config user.name B && git config user.email b@example.com && echo 1 > a && git add a && git commit -qm i'], { cwd: dir });
    const ids = [];
    for (let r = 0; r < 10; r++) {
      const lines = ['step,loss,acc'];
      for (let i = 0; i < steps; i++) lines.push(`${i},${(Math.exp(-i / (steps / 5)) * (1 + r / 10) + Math.sin(i / 37) * 0.01).toFixed(6)},${(1 - Math.exp(-i / (steps / 4))).toFixed(6)}`);
      writeFileSync(join(dir, 's.csv'), `${lines.join('\n')}\n`);
      ids.push(execFileSync(process.execPath, [BIN, 'log', '--name', `r${r}`, '--series', 's.csv', '-m', `f1=0.${r}`], { cwd: dir, encoding: 'utf8' }).trim());
    }
    const { url, child } = await startUi(dir);
    const page = await context.newPage();
    await page.goto(`${url}#/charts?runs=${ids.join(',')}`);
    const drawn = await waitMark(page, 'gt:series-drawn', 0);
    const arrived = await markAt(page, 'gt:series-arrived');
    const points = await page.getAttribute('.panel[data-metric="loss"] .chart', 'data-points');
    await page.close();
    await stop(child);
    return { steps, ms: drawn - arrived, perLine: points.split(',')[0] };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

const profile = mkdtempSync(join(tmpdir(), 'gt-bench-chromium-'));
const context = await chromium.launchPersistentContext(profile, { executablePath: '/usr/bin/chromium', headless: true, args: FLAGS, viewport: { width: 1280, height: 860 } });
// Chromium's first tab pays its own start-up (~0.5 s of CPU here): done once before measuring,
// as in a browser that is already open, so no size is charged for it.
const warm = await context.newPage();
await warm.setContent('<!doctype html><title>warm-up</title><p>warm-up</p><script>performance.mark("x")</script>');
await warm.close();
try {
  console.log(`dashboard in Chromium ${context.browser()?.version() ?? ''}, load average ${readFileSync('/proc/loadavg', 'utf8').split(' ').slice(0, 3).join(' ')} on ${(await import('node:os')).cpus().length} cores`);
  if (COLD_ONLY) {
    console.log('fresh clone (no query index): server start → first rows drawn (runs read so far) and → whole table; cold `git-track list --limit 1` on another fresh copy as reference');
    console.log('   runs  first rows ms  (rows shown)  whole table ms  server peak RSS MB  cold list ms  list RSS MB');
    for (const n of SIZES) {
      const runs = [];
      for (let i = 0; i < REPEAT; i++) {
        const r = await coldPage(context, n);
        runs.push(r);
        console.log(`${String(n).padStart(7)}  ${r.first.toFixed(0).padStart(13)}  ${`(${r.firstRows}${r.partial ? ' partial' : ''})`.padStart(12)}  ${r.whole.toFixed(0).padStart(14)}  ${r.rss.toFixed(0).padStart(18)}  ${String(r.listMs).padStart(12)}  ${r.listRss.toFixed(0).padStart(11)}`);
      }
      if (REPEAT > 1) {
        const m = (f) => median(runs.map(f)).toFixed(0);
        console.log(`${'median'.padStart(7)}  ${m((r) => r.first).padStart(13)}  ${''.padStart(12)}  ${m((r) => r.whole).padStart(14)}  ${m((r) => r.rss).padStart(18)}  ${m((r) => r.listMs).padStart(12)}  ${m((r) => r.listRss).padStart(11)}   (worst whole table ${Math.max(...runs.map((r) => r.whole)).toFixed(0)} ms)`);
      }
    }
    console.log(`load average after: ${readFileSync('/proc/loadavg', 'utf8').split(' ').slice(0, 3).join(' ')}`);
  } else {
  console.log('table: server start → table rendered with the query index cold (fresh clone: first rows / whole table) and warm; filter from Enter and from the last keystroke (100 ms typing pause included)');
  console.log('   runs  cold first/whole ms  warm ms  filter(Enter) ms  filter(typed) ms  scroll p50/p95/max ms  frames>50ms  server RSS MB');
  for (const n of SIZES) {
    const r = await tablePage(context, n);
    console.log(`${String(n).padStart(7)}  ${`${r.cold.toFixed(0)}/${r.coldWhole.toFixed(0)}`.padStart(19)}  ${r.start.toFixed(0).padStart(7)}  ${r.enter.toFixed(0).padStart(16)}  ${r.typed.toFixed(0).padStart(16)}  ${`${r.p50.toFixed(1)}/${r.p95.toFixed(1)}/${r.max.toFixed(1)}`.padStart(20)}  ${`${r.long}/${r.frames}`.padStart(11)}  ${r.rss.toFixed(0).padStart(13)}`);
  }
  console.log('chart: 10 runs, series loss and acc; ms = data arrived → every panel drawn (the server LTTB-downsamples each line to the panel width)');
  for (const steps of [1000, 100_000]) {
    const c = await chartPage(context, steps);
    console.log(`  10 runs × ${String(steps).padStart(7)} steps: ${c.ms.toFixed(0).padStart(4)} ms, ${c.perLine} points a line drawn`);
  }
  }
} finally {
  await context.close();
  rmSync(profile, { recursive: true, force: true });
}
