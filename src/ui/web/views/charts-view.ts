/**
 * View 3, step series across runs: a panel per metric, a line per selected run in its stable
 * colour, x by step, wall time or time since the run's start, EMA smoothing with the raw line
 * faint, log scale, zoom with full detail from the server. State: runs, x, smooth, log.
 */
import { h, replace } from '../dom.js';
import type { DataSource } from '../data-source.js';
import { href, listParam, replaceState, type Route } from '../router.js';
import type { RunsAnswer, SeriesAnswer } from '../api-types.js';
import { legend, seriesPanels, type SeriesPanels } from './series-panels.js';

/** Show the charts view; returns the function that stops its live updates. */
export function chartsView(root: HTMLElement, route: Route, source: DataSource): () => void {
  const state = route.state;
  let runs = listParam(state, 'runs');
  let panels: SeriesPanels | null = null;
  const legendBox = h('div', { class: 'legend-box' });
  const note = h('p', { class: 'muted' });
  const body = h('div');

  const x = h('select', { 'aria-label': 'x axis' }, h('option', { value: 'step' }, 'x: step'), h('option', { value: 'time' }, 'x: wall time'), h('option', { value: 'relative' }, 'x: time since start'));
  x.value = state.get('x') ?? 'step';
  const smooth = h('input', { type: 'range', min: 0, max: 0.99, step: 0.01, value: state.get('smooth') ?? '0', 'aria-label': 'smoothing' });
  const smoothOut = h('output', null, smooth.value);
  const log = h('input', { type: 'checkbox', checked: state.get('log') === '1' });
  const controls = h('div', { class: 'toolbar-options' }, x, h('label', null, 'smoothing ', smooth, ' ', smoothOut), h('label', null, log, ' log scale'),
    h('span', { class: 'muted' }, 'drag across a chart to zoom, double-click to zoom out'));

  const redraw = () => {
    panels?.destroy();
    panels = seriesPanels(source, {
      runs, x: x.value, smooth: Number(smooth.value), log: log.checked,
      onAnswer: (a: SeriesAnswer) => {
        const seen = new Map<string, { run: string; name: string | null; color: string }>();
        for (const l of a.lines) if (!seen.has(l.run)) seen.set(l.run, { run: l.run, name: l.name, color: l.color });
        replace(legendBox, legend([...seen.values()]));
      },
    });
    replace(body, panels.el);
  };
  const save = (name: string, value: string) => {
    if (value && value !== '0' && !(name === 'x' && value === 'step')) state.set(name, value);
    else state.delete(name);
    replaceState('charts', '', state);
    redraw();
  };
  x.addEventListener('change', () => save('x', x.value));
  let t = 0;
  smooth.addEventListener('input', () => {
    smoothOut.value = smooth.value;
    clearTimeout(t);
    t = window.setTimeout(() => save('smooth', smooth.value), 120);
  });
  log.addEventListener('change', () => save('log', log.checked ? '1' : ''));

  replace(root, h('section', null, h('h2', null, 'Charts'), h('div', { class: 'toolbar' }, controls), note, legendBox, body));

  const start = async () => {
    if (runs.length === 0) {
      // Nothing chosen yet: the newest runs, so a first visit shows curves.
      const newest = await source.get<RunsAnswer>('runs', { limit: 10, columns: 'name' }).catch(() => null);
      runs = newest?.rows.map((r) => r.id) ?? [];
      replace(note, runs.length === 0 ? 'No runs yet.' : 'Showing the newest runs. ', runs.length > 0 ? h('a', { href: href('runs') }, 'Select runs in the table') : null, runs.length > 0 ? ' to chart others.' : '');
    }
    redraw();
  };
  void start();

  let timer = 0;
  const stop = source.subscribe((ev) => {
    const id = typeof ev.data['id'] === 'string' ? ev.data['id'] : null;
    const mine = id !== null && runs.some((r) => id.startsWith(r) || r.startsWith(id));
    if (timer || !(ev.type === 'tip' || mine)) return;
    timer = window.setTimeout(() => {
      timer = 0;
      void panels?.refresh();
    }, 500);
  });
  return () => {
    stop();
    clearTimeout(timer);
    panels?.destroy();
  };
}
