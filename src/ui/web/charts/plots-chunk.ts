/**
 * Parallel coordinates and scatter, as their own bundle dist/ui/chart-plots.js, loaded only on
 * the parallel view. ECharts for these: it has both, with axis brushing, in 180 KiB gzip
 * (bench/ui-charts.mjs); uPlot (lines-chunk.ts) has neither.
 */
import * as echarts from 'echarts/core';
import { ParallelChart, ScatterChart } from 'echarts/charts';
import { GridComponent, ParallelComponent, TooltipComponent, VisualMapComponent } from 'echarts/components';
import { CanvasRenderer } from 'echarts/renderers';
import { axisCategories } from './axis-categories.js';

echarts.use([ParallelChart, ScatterChart, ParallelComponent, GridComponent, TooltipComponent, VisualMapComponent, CanvasRenderer]);

/** One axis of the parallel plot: a field and its value per run. */
export interface Dimension {
  name: string;
  values: unknown[];
}

export interface ParallelOptions {
  dims: Dimension[];
  /** Index in `dims` of the metric the lines are coloured by. */
  colorBy: number;
  labels: string[];
  /**
   * After each brush (mouse or {@link ParallelPlot.brush}): the runs inside every brushed range
   * (indexes), and each axis's brushed ranges in its data units (a category axis: indexes into
   * {@link axisCategories}).
   */
  onBrush(indexes: number[], ranges: [number, number][][]): void;
}

export interface ScatterOptions {
  xName: string;
  yName: string;
  x: unknown[];
  y: unknown[];
  labels: string[];
  onClick(index: number): void;
}

export interface Plot {
  destroy(): void;
}

/** Parallel coordinates, also driven from the keyboard (views/parallel-keys.ts). */
export interface ParallelPlot extends Plot {
  /** Brush axis `axis` to `range` (data units, inclusive), or clear it (null). */
  brush(axis: number, range: [number, number] | null): void;
  /** Each axis's x in CSS pixels from the plot's left edge. */
  axisX(): number[];
  /** Draw axis `axis` as the one the keyboard is on (null: none). */
  highlight(axis: number | null): void;
}

export interface PlotsApi {
  parallel(el: HTMLElement, o: ParallelOptions): ParallelPlot;
  scatter(el: HTMLElement, o: ScatterOptions): Plot;
}

function theme() {
  const css = getComputedStyle(document.documentElement);
  return { text: css.getPropertyValue('--fg').trim() || '#222', muted: css.getPropertyValue('--muted').trim() || '#666', accent: css.getPropertyValue('--accent').trim() || '#0969da' };
}

/** Numbers get a value axis; anything else a category axis of its distinct values. */
function axisOf(d: Dimension, i: number, muted: string) {
  const numeric = d.values.every((v) => v === null || typeof v === 'number');
  const base = { dim: i, name: d.name, nameTextStyle: { color: muted }, axisLabel: { color: muted }, axisLine: { lineStyle: { color: muted } } };
  if (numeric) return { ...base, type: 'value' as const, scale: true };
  return { ...base, type: 'category' as const, data: axisCategories(d.values) };
}

function parallel(el: HTMLElement, o: ParallelOptions): ParallelPlot {
  const t = theme();
  const chart = echarts.init(el, null, { renderer: 'canvas' });
  const rows = o.labels.map((_, j) => o.dims.map((d) => {
    const v = d.values[j];
    return v === null || v === undefined ? (d.values.every((x) => x === null || typeof x === 'number') ? null : '(none)') : typeof v === 'number' ? v : String(v);
  }));
  const colour = o.dims[o.colorBy]?.values.filter((v): v is number => typeof v === 'number') ?? [];
  chart.setOption({
    animation: false,
    parallelAxis: o.dims.map((d, i) => axisOf(d, i, t.muted)),
    parallel: { left: 60, right: 130, top: 40, bottom: 30 },
    visualMap: colour.length > 0 && Math.min(...colour) < Math.max(...colour) ? { type: 'continuous', dimension: o.colorBy, min: Math.min(...colour), max: Math.max(...colour), right: 10, top: 'middle', calculable: true, precision: 3, textStyle: { color: t.muted }, inRange: { color: ['#4575b4', '#74add1', '#fee090', '#f46d43', '#a50026'] } } : undefined,
    series: [{ type: 'parallel', data: rows, lineStyle: { width: 1.5, opacity: 0.75, color: '#4e79a7' }, inactiveOpacity: 0.04, activeOpacity: 1, emphasis: { disabled: true } }],
  });
  // ECharts' model is not in its public types; these are the parts read here.
  type Model = {
    getSeriesByIndex(i: number): { getRawIndicesByActiveState(s: string): number[] };
    getComponent(type: string, i?: number): { activeIntervals?: [number, number][]; coordinateSystem?: { dimensions: string[]; getAxisLayout(dim: string): { position: number[] } } } | undefined;
  };
  const model = () => (chart as unknown as { getModel(): Model }).getModel();
  chart.on('axisareaselected', () => {
    const m = model();
    const ranges = o.dims.map((_, i) => (m.getComponent('parallelAxis', i)?.activeIntervals ?? []).map((r): [number, number] => [r[0], r[1]]));
    // With no range left, ECharts calls every line 'normal', none 'active': all runs are in.
    const none = ranges.every((r) => r.length === 0);
    o.onBrush(none ? o.labels.map((_, j) => j) : m.getSeriesByIndex(0).getRawIndicesByActiveState('active'), ranges);
  });
  const resize = new ResizeObserver(() => chart.resize());
  resize.observe(el);
  let lit: number | null = null;
  const restyle = () => chart.setOption({ parallelAxis: o.dims.map((_, i) => ({ axisLine: { lineStyle: { color: i === lit ? t.accent : t.muted, width: i === lit ? 3 : 1 } } })) });
  return {
    destroy: () => { resize.disconnect(); chart.dispose(); },
    brush(axis, range) {
      chart.dispatchAction({ type: 'axisAreaSelect', parallelAxisIndex: axis, intervals: range ? [range] : [] });
      // ECharts redraws a brushed area only when a mouse drew it; a range set here needs the
      // axes drawn again to show it.
      restyle();
    },
    axisX() {
      const sys = model().getComponent('parallel')?.coordinateSystem;
      return o.dims.map((_, i) => (sys?.dimensions[i] !== undefined ? sys.getAxisLayout(sys.dimensions[i]!).position[0] ?? 0 : 0));
    },
    highlight(axis) {
      lit = axis;
      restyle();
    },
  };
}

function scatter(el: HTMLElement, o: ScatterOptions): Plot {
  const t = theme();
  const chart = echarts.init(el, null, { renderer: 'canvas' });
  const xAxis = axisOf({ name: o.xName, values: o.x }, 0, t.muted);
  const yAxis = axisOf({ name: o.yName, values: o.y }, 1, t.muted);
  const data = o.labels.map((_, j) => [o.x[j] ?? null, o.y[j] ?? null, j]).filter((p) => p[0] !== null && p[1] !== null);
  chart.setOption({
    animation: false,
    grid: { left: 70, right: 30, top: 30, bottom: 50 },
    tooltip: { trigger: 'item', formatter: (p: { value: [unknown, unknown, number] }) => `${escape(o.labels[p.value[2]] ?? '')}<br>${escape(o.xName)}: ${escape(String(p.value[0]))}<br>${escape(o.yName)}: ${escape(String(p.value[1]))}` },
    xAxis: { ...xAxis, nameLocation: 'middle', nameGap: 30, splitLine: { lineStyle: { opacity: 0.2 } } },
    yAxis: { ...yAxis, nameLocation: 'middle', nameGap: 50, splitLine: { lineStyle: { opacity: 0.2 } } },
    series: [{ type: 'scatter', data, symbolSize: 8, itemStyle: { color: '#4e79a7', opacity: 0.8 } }],
  });
  chart.on('click', (p) => o.onClick((p.value as number[])[2]!));
  const resize = new ResizeObserver(() => chart.resize());
  resize.observe(el);
  return { destroy: () => { resize.disconnect(); chart.dispose(); } };
}

// ECharts tooltips are HTML; run names come from other people's pushes.
function escape(s: string): string {
  return s.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}

window.gtChunks = { ...window.gtChunks, 'chart-plots': { parallel, scatter } };
