/**
 * Panels of step series: one per metric, grouped under their `/` prefix (`train/loss` and
 * `train/acc` under "train"), every run a line in its stable colour. Zooming asks the server
 * for the full-resolution points of the zoomed range. Shared by the charts, run and compare views.
 */
import { h, replace } from '../dom.js';
import type { DataSource } from '../data-source.js';
import type { SeriesAnswer, SeriesLine } from '../api-types.js';
import { distinctColours } from '../charts/distinct-colours.js';
import { loadChunk } from '../charts/load-chunk.js';
import type { LineChart, LineSpec, LinesApi } from '../charts/lines-chunk.js';

export interface PanelOptions {
  runs: string[];
  metrics?: string[];
  x: string;
  smooth: number;
  log: boolean;
  /** Told each answer (the charts view draws its legend from it). */
  onAnswer?: (answer: SeriesAnswer) => void;
}

const HEIGHT = 240;

/** The panels and how to refresh them (a run grew, the options changed). */
export interface SeriesPanels {
  el: HTMLElement;
  /** Fetch the series again; the charts keep their zoom. */
  refresh(): Promise<void>;
  destroy(): void;
}

function label(l: SeriesLine): string {
  return l.name ? `${l.name} (${l.run.slice(0, 6)})` : l.run.slice(0, 8);
}

function specs(lines: SeriesLine[]): LineSpec[] {
  return lines.map((l) => ({ run: l.run, label: label(l), color: l.color, x: l.x, y: l.y }));
}

/**
 * Draw the series of `o.runs` into a new element.
 * @example const p = seriesPanels(source, { runs: ['3f9a'], x: 'step', smooth: 0, log: false });
 */
export function seriesPanels(source: DataSource, o: PanelOptions): SeriesPanels {
  const el = h('div', { class: 'panels' }, h('p', { class: 'muted' }, 'Loading series…'));
  const charts = new Map<string, { chart: LineChart; runs: string; zoom: [number, number] | null; box: HTMLElement }>();
  let api: LinesApi | null = null;
  let destroyed = false;
  const points = () => Math.min(2000, Math.max(200, Math.round(el.clientWidth || 800)));

  const query = (metric?: string, zoom?: [number, number] | null) => source.get<SeriesAnswer>('series', {
    runs: o.runs.join(','),
    metrics: metric ?? o.metrics?.join(','),
    x: o.x === 'step' ? undefined : o.x,
    points: points(),
    xmin: zoom ? zoom[0] : undefined,
    xmax: zoom ? zoom[1] : undefined,
  });

  async function refresh(): Promise<void> {
    if (o.runs.length === 0) {
      // Nothing to draw: no lasting "Loading…" (the view says why there are no runs).
      el.replaceChildren();
      return;
    }
    let answer: SeriesAnswer;
    try {
      [api, answer] = await Promise.all([loadChunk('chart-lines'), query()]);
    } catch (e) {
      replace(el, h('p', { class: 'error' }, e instanceof Error ? e.message : String(e)));
      return;
    }
    if (destroyed) return;
    performance.mark('gt:series-arrived');
    const colours = distinctColours(answer.lines.map((l) => [l.run, l.color]));
    for (const l of answer.lines) l.color = colours.get(l.run) ?? l.color;
    o.onAnswer?.(answer);
    const byMetric = new Map<string, SeriesLine[]>();
    for (const l of answer.lines) {
      if (!byMetric.has(l.metric)) byMetric.set(l.metric, []);
      byMetric.get(l.metric)!.push(l);
    }
    if (byMetric.size === 0) {
      replace(el, h('p', { class: 'muted' }, o.x !== 'step' && answer.missing.length > 0
        ? 'These series have no timestamps (they were logged without a time column): a time axis cannot place them; choose x: step.'
        : 'These runs have no step series.'));
      return;
    }
    if (charts.size === 0) el.replaceChildren();
    const metrics = [...byMetric.keys()].sort();
    const groups = new Map<string, string[]>();
    for (const m of metrics) {
      const prefix = m.includes('/') ? m.slice(0, m.indexOf('/')) : '';
      if (!groups.has(prefix)) groups.set(prefix, []);
      groups.get(prefix)!.push(m);
    }
    for (const [prefix, names] of groups) {
      let section = el.querySelector<HTMLElement>(`section[data-prefix="${CSS.escape(prefix)}"]`);
      if (!section) {
        section = h('section', { class: 'panel-group', 'data-prefix': prefix }, prefix ? h('h3', null, prefix) : null, h('div', { class: 'panel-grid' }));
        el.appendChild(section);
      }
      // Groups share rows: a group of one panel sits beside the next instead of leaving a row half empty.
      section.style.flexBasis = `${Math.min(names.length, 3) * 454}px`;
      for (const m of names) drawPanel(section.querySelector('.panel-grid')!, m, byMetric.get(m)!);
    }
    const note = el.querySelector('.missing-note') ?? el.appendChild(h('p', { class: 'muted missing-note' }));
    replace(note as HTMLElement, o.x !== 'step' && answer.missing.length > 0 ? `${answer.missing.length} series without timestamps are left out of this time axis.` : '');
    performance.mark('gt:series-drawn');
  }

  function drawPanel(grid: HTMLElement, metric: string, lines: SeriesLine[]) {
    const runs = lines.map((l) => l.run).join(',');
    const have = charts.get(metric);
    if (have && have.runs === runs) {
      // A grown run: new points, same lines. A zoomed panel keeps its range (the zoom fetch owns it).
      if (!have.zoom) have.chart.setLines(specs(lines));
      return;
    }
    have?.chart.destroy();
    const box = have?.box ?? h('div', { class: 'panel', 'data-metric': metric });
    const note = lines.some((l) => l.downsampled) ? h('span', { class: 'muted', title: 'downsampled (LTTB) to the width of the panel; zoom in for every point' }, ` · ${lines.reduce((s, l) => s + l.total, 0).toLocaleString('en-US')} points`) : null;
    const chartEl = h('div', { class: 'chart' });
    replace(box, h('h4', null, metric.includes('/') ? metric.slice(metric.indexOf('/') + 1) : metric, note), cutNote(lines), chartEl);
    if (!have) grid.appendChild(box);
    const entry = { chart: null as unknown as LineChart, runs, zoom: null as [number, number] | null, box };
    entry.chart = api!.drawLines(chartEl, {
      lines: specs(lines), x: o.x, log: o.log, smooth: o.smooth, width: Math.max(280, box.clientWidth - 16 || 460), height: HEIGHT,
      onZoom: (range) => {
        if (range === null && entry.zoom === null) return;
        entry.zoom = range;
        void query(metric, range).then((a) => {
          if (destroyed || entry.zoom !== range) return;
          const colours = new Map(lines.map((l) => [l.run, l.color]));
          const zoomed = a.lines.filter((l) => l.metric === metric).map((l) => ({ ...l, color: colours.get(l.run) ?? l.color }));
          entry.chart.setLines(specs(zoomed));
          // What the zoom brought, for a reader of the page (and its tests): points in range, cut or not.
          box.dataset['zoomed'] = range ? zoomed.map((l) => `${l.inRange}${l.downsampled ? '~' : ''}`).join(',') : '';
        });
      },
    });
    charts.set(metric, entry);
  }

  const resize = new ResizeObserver(() => {
    for (const c of charts.values()) c.chart.resize(Math.max(280, c.box.clientWidth - 16));
  });
  resize.observe(el);
  void refresh();
  return {
    el,
    refresh,
    destroy() {
      destroyed = true;
      resize.disconnect();
      for (const c of charts.values()) c.chart.destroy();
    },
  };
}

/**
 * In an export, the lines it holds only downsampled (too many points to export in full): the
 * reader is told that zooming brings no more detail, and where every point is.
 */
function cutNote(lines: SeriesLine[]): HTMLElement | null {
  const cut = lines.filter((l) => l.full && 'omitted' in l.full);
  if (cut.length === 0) return null;
  const n = (x: number) => x.toLocaleString('en-US');
  const one = (l: SeriesLine) => {
    const full = l.full as { omitted: string; limit: number };
    const why = full.omitted === 'series-limit' ? `more than the ${n(full.limit)} an export keeps per series` : `past the ${n(full.limit)} an export keeps in all`;
    return `${n(l.x.length)} of ${n(l.total)} points${lines.length > 1 ? ` of ${label(l)}` : ''} (${why})`;
  };
  return h('p', { class: 'warning small export-cut' }, `This export holds ${cut.map(one).join('; ')}: zooming adds no detail. \`git-track ui\` in the repository shows every point.`);
}

/** The run colour legend: a swatch and a link per run. */
export function legend(lines: { run: string; name: string | null; color: string }[]): HTMLElement {
  return h('ul', { class: 'legend' }, ...lines.map((l) => h('li', null, h('span', { class: 'swatch', style: `background:${l.color}` }), h('a', { href: `#/run/${encodeURIComponent(l.run)}` }, l.name ?? l.run.slice(0, 8)))));
}
