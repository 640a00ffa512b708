/**
 * View 5: parallel coordinates over chosen params and a metric (lines coloured by the metric;
 * brush an axis to keep the runs inside the range, then select them), and a scatter of a
 * param against a metric. State: params, metric, filter, sx (scatter x).
 */
import { h, replace } from '../dom.js';
import type { DataSource } from '../data-source.js';
import { href, listParam, replaceState, type Route } from '../router.js';
import type { FieldsAnswer, ValuesAnswer } from '../api-types.js';
import { loadChunk } from '../charts/load-chunk.js';
import type { Plot } from '../charts/plots-chunk.js';
import { filterBox } from './filter-box.js';
import { keyBrush, type KeyBrush } from './parallel-keys.js';
import { showError } from './run-parts.js';
import { ApiError } from '../data-source.js';
import { UI_BRUSHED_SHOWN, UI_PARALLEL_DEFAULT_AXES, UI_PARALLEL_METRICS, UI_PARALLEL_PARAM_CANDIDATES } from '../../../limits.js';


/** Show the parallel coordinates and scatter view. */
export function parallelView(root: HTMLElement, route: Route, source: DataSource): () => void {
  const state = route.state;
  let plots: Plot[] = [];
  const chooser = h('div', { class: 'chooser' });
  const parallelEl = h('div', { class: 'plot plot-parallel', 'aria-label': 'parallel coordinates' });
  const keysEl = h('div', { class: 'axis-keys-holder' });
  let keys: KeyBrush | null = null;
  const placeKeys = new ResizeObserver(() => requestAnimationFrame(() => keys?.place()));
  placeKeys.observe(parallelEl);
  const brushed = h('div', { class: 'brushed', 'aria-live': 'polite' });
  const scatterEl = h('div', { class: 'plot plot-scatter', 'aria-label': 'scatter plot' });
  const scatterControls = h('div', { class: 'toolbar-options' });
  const message = h('div');
  const filter = filterBox(state.get('filter') ?? '', (text) => set('filter', text.trim()));
  replace(root, h('section', null, h('h2', null, 'Parallel coordinates'), filter.el, chooser, message, parallelEl, keysEl,
    h('p', { class: 'muted' }, 'Drag along an axis to keep the runs inside that range; drag on several axes to narrow further; click an axis outside the range to clear it. ',
      'From the keyboard: Tab to an axis’s ▲ (top) or ▼ (bottom) under the plot and move it with the arrow keys (Page Up/Down, Home/End); Shift+arrow moves the whole range; Delete clears the axis.'),
    brushed, h('h2', null, 'Scatter'), scatterControls, scatterEl));

  function set(name: string, value: string) {
    if (value) state.set(name, value);
    else state.delete(name);
    replaceState('parallel', '', state);
    void draw();
  }

  let fields: FieldsAnswer | null = null;
  async function draw(): Promise<void> {
    fields ??= await source.get<FieldsAnswer>('fields');
    // Chosen by the reader, or by default the first params that the plotted runs have values for.
    const picked = state.has('params');
    const candidates = picked ? listParam(state, 'params') : fields.params.slice(0, UI_PARALLEL_PARAM_CANDIDATES).map((p) => `params.${p}`);
    let chosen = picked ? candidates : candidates.slice(0, UI_PARALLEL_DEFAULT_AXES);
    const metrics = fields.metrics.slice(0, UI_PARALLEL_METRICS).map((m) => `metrics.${m}`);
    for (const p of plots) p.destroy();
    plots = [];
    keys = null;
    keysEl.replaceChildren();
    if (metrics.length === 0 && chosen.length === 0) {
      drawChooser(fields, chosen, '');
      replace(message, h('p', { class: 'muted' }, 'The runs have no params or metrics to plot.'));
      return;
    }
    const wanted = [...new Set([...candidates, ...metrics, ...(state.get('metric') ? [state.get('metric')!] : [])])];
    let all: ValuesAnswer;
    let api;
    try {
      [all, api] = await Promise.all([source.get<ValuesAnswer>('values', { fields: wanted.join(','), filter: state.get('filter') ?? undefined }), loadChunk('chart-plots')]);
      filter.clearError();
    } catch (e) {
      drawChooser(fields, chosen, state.get('metric') ?? '');
      if (e instanceof ApiError && e.message.startsWith('filter:')) filter.showError(e.message, e.column);
      else showError(message, e);
      return;
    }
    // By default the metric most runs have: a line without the colour metric cannot be coloured.
    const count = (f: string) => (all.values[all.fields.indexOf(f)] ?? []).filter((v) => v !== null).length;
    const metric = state.get('metric') ?? [...metrics].sort((a, b) => count(b) - count(a))[0] ?? '';
    const keep = all.ids.map((_, j) => !metric || all.values[all.fields.indexOf(metric)]?.[j] !== null);
    if (!picked) {
      const has = (f: string) => (all.values[all.fields.indexOf(f)] ?? []).some((v, j) => keep[j] && v !== null);
      chosen = candidates.filter(has).slice(0, UI_PARALLEL_DEFAULT_AXES);
    }
    drawChooser(fields, chosen, metric);
    const cols = [...chosen, ...(metric ? [metric] : [])];
    const values: ValuesAnswer = {
      ...all,
      ids: all.ids.filter((_, j) => keep[j]),
      names: all.names.filter((_, j) => keep[j]),
      fields: cols,
      values: cols.map((f) => (all.values[all.fields.indexOf(f)] ?? []).filter((_, j) => keep[j])),
    };
    const left = all.ids.length - values.ids.length;
    replace(message, h('p', { class: 'muted' }, `${values.ids.length.toLocaleString('en-US')} runs${left ? ` (${left} without ${metric} left out)` : ''}`));
    const labels = values.ids.map((id, j) => values.names[j] ?? id.slice(0, 8));
    const dims = values.fields.map((f, i) => ({ name: f.replace(/^(params|metrics)\./, ''), values: values.values[i] ?? [] }));
    const plot = api.parallel(parallelEl, { dims, colorBy: dims.length - 1, labels, onBrush: (idx, ranges) => { keys?.sync(ranges); showBrushed(values, idx); } });
    plots.push(plot);
    keys = keyBrush(plot, dims);
    replace(keysEl, keys.el);
    requestAnimationFrame(() => keys?.place());
    parallelEl.dataset['runs'] = String(values.ids.length);
    showBrushed(values, null);
    drawScatter(api, values, labels, chosen, metric);
  }

  function drawScatter(api: Awaited<ReturnType<typeof loadChunk<'chart-plots'>>>, values: ValuesAnswer, labels: string[], chosen: string[], metric: string) {
    const sx = state.get('sx') ?? chosen[0] ?? '';
    const select = h('select', { 'aria-label': 'scatter x axis' }, ...chosen.map((c) => h('option', { value: c, selected: c === sx }, c)));
    select.addEventListener('change', () => set('sx', select.value));
    replace(scatterControls, h('label', null, 'x: ', select), h('span', null, ` y: ${metric}`));
    const xi = values.fields.indexOf(sx);
    const yi = values.fields.indexOf(metric);
    if (xi < 0 || yi < 0) return;
    plots.push(api.scatter(scatterEl, { xName: sx, yName: metric, x: values.values[xi]!, y: values.values[yi]!, labels, onClick: (j) => { location.hash = href('run', values.ids[j]!); } }));
  }

  function showBrushed(values: ValuesAnswer, idx: number[] | null) {
    parallelEl.dataset['brushed'] = idx === null ? '' : String(idx.length);
    if (idx === null || idx.length === values.ids.length) {
      replace(brushed, h('p', { class: 'muted' }, 'No range brushed: all runs are shown.'));
      return;
    }
    const ids = idx.map((j) => values.ids[j]!);
    const picked = new Set(ids.slice(0, 20));
    const links = h('span');
    const drawLinks = () => {
      const runs = [...picked].join(',');
      // Compare needs two runs: one ticked run is opened instead.
      const first = picked.size === 1 ? h('a', { href: href('run', runs), class: 'open-run' }, 'open it') : h('a', { href: href('compare', '', { runs }) }, `compare ${picked.size}`);
      replace(links, picked.size === 0 ? '' : h('span', null, ' · ', first, ' · ',
        h('a', { href: href('charts', '', { runs }) }, picked.size === 1 ? 'chart it' : 'chart them'), ' · ', h('a', { href: href('runs', '', { sel: runs }) }, 'select in the table')));
    };
    drawLinks();
    replace(brushed, h('p', null, `${ids.length} run${ids.length === 1 ? '' : 's'} in the brushed ranges`, links),
      h('ul', { class: 'brushed-list' }, ...idx.slice(0, UI_BRUSHED_SHOWN).map((j) => {
        const id = values.ids[j]!;
        const box = h('input', { type: 'checkbox', checked: picked.has(id), 'aria-label': `select ${id}` });
        box.addEventListener('change', () => {
          if (box.checked) picked.add(id);
          else picked.delete(id);
          drawLinks();
        });
        return h('li', null, h('label', null, box, ' '), h('a', { href: href('run', id) }, values.names[j] ?? id.slice(0, 8)));
      })),
      ids.length > UI_BRUSHED_SHOWN ? h('p', { class: 'muted' }, `and ${ids.length - UI_BRUSHED_SHOWN} more`) : null);
  }

  function drawChooser(f: FieldsAnswer, chosen: string[], metric: string) {
    const params = h('fieldset', null, h('legend', null, 'Params (axes)'), ...f.params.map((p) => {
      const name = `params.${p}`;
      const box = h('input', { type: 'checkbox', checked: chosen.includes(name) });
      box.addEventListener('change', () => set('params', (box.checked ? [...chosen, name] : chosen.filter((c) => c !== name)).join(',') || ','));
      return h('label', null, box, ' ', p);
    }));
    const select = h('select', { 'aria-label': 'colour by metric' }, ...f.metrics.map((m) => h('option', { value: `metrics.${m}`, selected: `metrics.${m}` === metric }, m)));
    select.addEventListener('change', () => set('metric', select.value));
    replace(chooser, params, h('label', null, 'Metric (last axis, colour): ', select));
  }

  void draw().catch((e) => showError(message, e));
  return () => {
    placeKeys.disconnect();
    for (const p of plots) p.destroy();
  };
}
