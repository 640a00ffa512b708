/**
 * The line charts (step series), as their own bundle dist/ui/chart-lines.js.
 *
 * Why uPlot: measured by bench/ui-charts.mjs (Chromium 156, 10 runs × 100,000 points, best of
 * 3, minified + gzip -9):
 *   uPlot 1.6.32                   51 KiB min,  23 KiB gzip,   133 ms to draw
 *   ECharts 6.1.0 line (canvas)   507 KiB min, 172 KiB gzip, 2,339 ms to draw (LTTB sampling
 *                                 on: 2,345 ms; the time goes into building its data model)
 * uPlot draws the budget's 10 × 100k in a quarter of the 500 ms allowed and is 7× smaller;
 * ECharts is kept for what uPlot lacks, parallel coordinates and scatter (plots-chunk.ts),
 * loaded only on that view. The server downsamples (LTTB) to the panel's width anyway.
 */
import uPlot from 'uplot';
import { ema } from './ema.js';

/** One line: a run's series of one metric. */
export interface LineSpec {
  run: string;
  label: string;
  color: string;
  x: number[];
  y: number[];
}

/** What a panel shows and how. */
export interface LineChartOptions {
  lines: LineSpec[];
  /** `step`, `time` (ms since epoch) or `relative` (seconds). */
  x: string;
  log: boolean;
  /** EMA weight, 0 = no smoothing; the raw line stays, faint. */
  smooth: number;
  width: number;
  height: number;
  /** The user zoomed to `[min, max]`, or back out (`null`). */
  onZoom?: (range: [number, number] | null) => void;
}

/** A drawn panel. */
export interface LineChart {
  /** New points: a run grew, or the full detail of a zoomed range. */
  setLines(lines: LineSpec[]): void;
  resize(width: number): void;
  destroy(): void;
}

export interface LinesApi {
  drawLines(el: HTMLElement, options: LineChartOptions): LineChart;
}

function cssVar(name: string, fallback: string): string {
  return getComputedStyle(document.documentElement).getPropertyValue(name).trim() || fallback;
}

function faint(color: string): string {
  return /^#[0-9a-f]{6}$/i.test(color) ? `${color}40` : color;
}

/** Aligned columns for uPlot: one x array, a y array per drawn series (raw and smoothed). */
function toData(o: LineChartOptions, lines: LineSpec[]): uPlot.AlignedData {
  const clean = (y: number[]) => (o.log ? y.map((v) => (v > 0 ? v : null)) : y);
  const tables = lines.map((l) => [l.x, clean(l.y)] as uPlot.AlignedData);
  const joined = tables.length === 1 ? tables[0]! : uPlot.join(tables);
  if (o.smooth <= 0) return joined;
  const out: (ArrayLike<number | null>)[] = [joined[0]];
  for (let i = 1; i < joined.length; i++) {
    const raw = joined[i] as ArrayLike<number | null>;
    out.push(raw, ema(raw, o.smooth));
  }
  return out as uPlot.AlignedData;
}

function drawLines(el: HTMLElement, o: LineChartOptions): LineChart {
  const axis = cssVar('--muted', '#666');
  const grid = cssVar('--grid', 'rgba(128,128,128,0.15)');
  let lines = o.lines;
  let ownScale = false;
  const readout = document.createElement('div');
  readout.className = 'readout';
  readout.textContent = '\u00a0';
  const series: uPlot.Series[] = [{ label: o.x }];
  const seriesRuns: number[] = [];
  lines.forEach((l, i) => {
    if (o.smooth > 0) {
      series.push({ label: `${l.label} (raw)`, stroke: faint(l.color), width: 1, spanGaps: true, points: { show: false } });
      seriesRuns.push(-1);
    }
    series.push({ label: l.label, stroke: l.color, width: 1.5, spanGaps: true, points: { show: false } });
    seriesRuns.push(i);
  });
  const formatX = (v: number) => (o.x === 'time' ? new Date(v).toLocaleString() : o.x === 'relative' ? `${v.toFixed(1)} s` : v.toLocaleString('en-US'));
  const chart = new uPlot(
    {
      width: o.width,
      height: o.height,
      legend: { show: false },
      cursor: { drag: { x: true, y: false }, focus: { prox: 24 } },
      focus: { alpha: 0.35 },
      scales: { x: { time: false }, y: o.log ? { distr: 3 } : {} },
      axes: [
        { stroke: axis, grid: { stroke: grid }, ticks: { stroke: grid }, size: 34, values: (_u, vals) => vals.map((v) => (o.x === 'time' ? new Date(v).toLocaleTimeString([], { hour: '2-digit', minute: '2-digit', second: '2-digit', hour12: false }) : String(v))) },
        { stroke: axis, grid: { stroke: grid }, ticks: { stroke: grid }, size: 60 },
      ],
      series,
      hooks: {
        setCursor: [
          (u) => {
            const i = u.cursor.idx;
            if (i === null || i === undefined) {
              readout.textContent = '\u00a0';
              return;
            }
            const parts: string[] = [`${o.x} ${formatX(u.data[0][i]!)}`];
            u.series.forEach((s, k) => {
              if (k === 0 || seriesRuns[k - 1] === -1) return;
              const v = u.data[k]?.[i];
              if (v !== null && v !== undefined) parts.push(`${s.label}: ${Number(v.toPrecision(6))}`);
            });
            readout.textContent = parts.join('  ·  ');
          },
        ],
        setScale: [
          (u, key) => {
            if (key !== 'x' || ownScale || !o.onZoom) return;
            const min = u.scales.x!.min;
            const max = u.scales.x!.max;
            const all = u.data[0];
            const full = all.length === 0 || (min !== undefined && max !== undefined && min <= all[0]! && max >= all[all.length - 1]!);
            o.onZoom(full || min === undefined || max === undefined ? null : [min, max]);
          },
        ],
      },
    },
    toData(o, lines),
    el,
  );
  el.appendChild(readout);
  // After a zoom the chart holds only the zoomed range, so uPlot's own double-click reset
  // lands on the same scale and reports no change: zooming out is asked for here.
  chart.over.addEventListener('dblclick', () => o.onZoom?.(null));
  const mark = () => {
    el.dataset['lines'] = String(lines.length);
    el.dataset['points'] = lines.map((l) => l.x.length).join(',');
  };
  mark();
  return {
    setLines(next) {
      lines = next;
      // uPlot applies the new scales in a microtask after setData: the scale change that
      // follows is ours, not a user zoom, until the next frame.
      ownScale = true;
      // Scales reset to the new points: after a zoom the server sent only the zoomed range,
      // so the view stays on it (uPlot redraws nothing on setData without a reset).
      chart.setData(toData(o, next));
      requestAnimationFrame(() => {
        ownScale = false;
      });
      mark();
    },
    resize(width) {
      chart.setSize({ width, height: o.height });
    },
    destroy() {
      chart.destroy();
      readout.remove();
    },
  };
}

window.gtChunks = { ...window.gtChunks, 'chart-lines': { drawLines } };
