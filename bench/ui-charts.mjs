// Which chart library draws the dashboard's charts: bundle size (minified + gzip) and the time
// to draw 10 runs × 100,000 points in Chromium, for each candidate. The figures are copied into
// src/ui/web/charts/choice.ts, which says why each library was chosen.
//   node bench/ui-charts.mjs            (needs /usr/bin/chromium and playwright-core)
import { build } from 'esbuild';
import { gzipSync } from 'node:zlib';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium } from 'playwright-core';

const RUNS = 10;
const POINTS = Number(process.env.POINTS ?? 100_000);
const REPEAT = 3;

// Each candidate is the smallest bundle that draws a multi-line chart with axes and a legend.
const candidates = {
  'uPlot 1.6.32': `import uPlot from 'uplot';
    window.draw = (el, xs, ys) => new uPlot({ width: 900, height: 400, series: [{}, ...ys.map((_, i) => ({ label: 'run' + i, stroke: 'hsl(' + i * 36 + ',70%,45%)' }))], scales: { x: { time: false } } }, [xs, ...ys], el);`,
  'ECharts 6.1.0 (line, no sampling)': echarts(''),
  'ECharts 6.1.0 (line, LTTB sampling)': echarts("sampling: 'lttb',"),
  'ECharts 6.1.0 (parallel + scatter only)': `import * as echarts from 'echarts/core';
    import { ParallelChart, ScatterChart } from 'echarts/charts';
    import { ParallelComponent, GridComponent, TooltipComponent, VisualMapComponent } from 'echarts/components';
    import { CanvasRenderer } from 'echarts/renderers';
    echarts.use([ParallelChart, ScatterChart, ParallelComponent, GridComponent, TooltipComponent, VisualMapComponent, CanvasRenderer]);
    window.draw = null;`,
};

function echarts(extra) {
  return `import * as echarts from 'echarts/core';
    import { LineChart } from 'echarts/charts';
    import { GridComponent, LegendComponent, TooltipComponent } from 'echarts/components';
    import { CanvasRenderer } from 'echarts/renderers';
    echarts.use([LineChart, GridComponent, LegendComponent, TooltipComponent, CanvasRenderer]);
    window.draw = (el, xs, ys) => { el.style.width = '900px'; el.style.height = '400px';
      const c = echarts.init(el);
      c.setOption({ animation: false, xAxis: { type: 'value' }, yAxis: { type: 'value' }, legend: {},
        series: ys.map((y, i) => ({ type: 'line', name: 'run' + i, showSymbol: false, ${extra} large: true, data: Array.from(xs, (x, j) => [x, y[j]]) })) }); };`;
}

const dir = mkdtempSync(join(tmpdir(), 'gt-ui-charts-'));
const browser = await chromium.launch({
  executablePath: '/usr/bin/chromium',
  args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
});
try {
  console.log(`chart libraries: ${RUNS} runs × ${POINTS.toLocaleString('en-US')} points, Chromium ${browser.version()}, best of ${REPEAT}`);
  for (const [name, source] of Object.entries(candidates)) {
    const out = await build({ stdin: { contents: source, resolveDir: process.cwd(), loader: 'js' }, bundle: true, minify: true, format: 'iife', write: false, legalComments: 'none', logLevel: 'error' });
    const js = out.outputFiles[0].contents;
    const gz = gzipSync(js, { level: 9 }).length;
    const file = join(dir, 'page.html');
    writeFileSync(join(dir, 'lib.js'), js);
    writeFileSync(file, '<!doctype html><meta charset=utf-8><body><div id=c></div><script src="lib.js"></script>');
    let best = Infinity;
    if (source.includes('window.draw = (')) {
      for (let r = 0; r < REPEAT; r++) {
        const page = await browser.newPage();
        await page.goto('file://' + file);
        // Data is made before the clock starts: the figure is the draw, as the budget says.
        const ms = await page.evaluate(({ runs, points }) => new Promise((resolve) => {
          const xs = new Float64Array(points).map((_, i) => i);
          const ys = Array.from({ length: runs }, (_, k) => new Float64Array(points).map((_, i) => Math.exp(-i / points * 3) * (1 + k / 10) + Math.sin(i / 50) * 0.02));
          const t0 = performance.now();
          window.draw(document.getElementById('c'), xs, ys);
          // Two frames: the chart's own scheduled paint, then the browser's paint of it.
          requestAnimationFrame(() => requestAnimationFrame(() => resolve(performance.now() - t0)));
        }), { runs: RUNS, points: POINTS });
        best = Math.min(best, ms);
        await page.close();
      }
    }
    const drawn = Number.isFinite(best) ? `${best.toFixed(0).padStart(6)} ms to draw` : '     (not a line chart)';
    console.log(`${name.padEnd(42)} ${(js.length / 1024).toFixed(0).padStart(5)} KiB min ${(gz / 1024).toFixed(0).padStart(4)} KiB gzip ${drawn}`);
  }
} finally {
  await browser.close();
  rmSync(dir, { recursive: true, force: true });
}
