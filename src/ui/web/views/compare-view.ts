/**
 * View 4, compare: the selected runs side by side (rows that differ, or all), the best value
 * of each metric marked by the rules of `git-track compare`, the "different data" warning of
 * `git-track diff`, and their curves overlaid. State: runs, all.
 */
import { h, replace } from '../dom.js';
import type { DataSource } from '../data-source.js';
import { formatValue } from '../format.js';
import { href, listParam, replaceState, type Route } from '../router.js';
import type { CompareAnswer } from '../api-types.js';
import { showError } from './run-parts.js';
import { legend, seriesPanels, type SeriesPanels } from './series-panels.js';

/** Show the compare view. */
export function compareView(root: HTMLElement, route: Route, source: DataSource): () => void {
  const state = route.state;
  const runs = listParam(state, 'runs');
  if (runs.length < 2) {
    replace(root, h('section', null, h('h2', null, 'Compare'),
      h('p', null, 'Choose two or more runs: tick them in the ', h('a', { href: href('runs', '', runs.length ? { sel: runs.join(',') } : {}) }, 'runs table'), ', then follow "compare".')));
    return () => undefined;
  }
  const all = h('input', { type: 'checkbox', checked: state.get('all') === '1' });
  const table = h('div', { class: 'compare-table' }, h('p', { class: 'muted' }, 'Loading…'));
  const warnings = h('div');
  const legendBox = h('div');
  let panels: SeriesPanels | null = seriesPanels(source, {
    runs, x: 'step', smooth: 0, log: false,
    onAnswer: (a) => replace(legendBox, legend([...new Map(a.lines.map((l) => [l.run, { run: l.run, name: l.name, color: l.color }])).values()])),
  });
  replace(root, h('section', null, h('h2', null, 'Compare ', String(runs.length), ' runs'),
    h('div', { class: 'toolbar-options' }, h('label', null, all, ' show rows that are the same too')),
    warnings, table, h('h3', null, 'Curves'), legendBox, panels.el));

  const load = () => source.get<CompareAnswer>('compare', { runs: runs.join(','), all: all.checked }).then((c) => {
    replace(warnings, ...c.dataWarnings.map((w) => h('p', { class: 'warning data-warning' }, '⚠ ', w)), ...c.warnings.map((w) => h('p', { class: 'warning' }, w)));
    let section = '';
    const body: HTMLElement[] = [];
    for (const row of c.rows) {
      if (row.section !== section) {
        section = row.section;
        body.push(h('tr', { class: 'section-row' }, h('th', { colspan: c.runs.length + 1, scope: 'colgroup' }, section)));
      }
      const best = new Set(row.best ?? []);
      body.push(h('tr', { class: row.differs ? 'differs' : 'same' },
        h('th', { scope: 'row' }, row.key, row.direction ? h('span', { class: 'muted', title: `${row.direction} is better` }, row.direction === 'higher' ? ' ↑' : ' ↓') : null),
        ...row.values.map((v, i) => h('td', { class: `${typeof v === 'number' ? 'num' : ''}${best.has(i) ? ' best' : ''}`, title: best.has(i) ? 'best' : '' }, v === undefined ? '—' : formatValue(v), best.has(i) ? ' ★' : ''))));
    }
    replace(table, h('table', { class: 'grid-table compare' },
      h('thead', null, h('tr', null, h('th', null, ''), ...c.runs.map((r) => h('th', null, h('a', { href: href('run', r.id) }, r.name ?? r.id.slice(0, 8)), h('div', { class: 'muted mono small' }, r.id.slice(0, 8)))))),
      h('tbody', null, ...(body.length ? body : [h('tr', null, h('td', { colspan: c.runs.length + 1, class: 'muted' }, 'No params, metrics or tags differ.'))]))));
  }, (e) => showError(table, e));
  all.addEventListener('change', () => {
    if (all.checked) state.set('all', '1');
    else state.delete('all');
    replaceState('compare', '', state);
    void load();
  });
  void load();
  return () => {
    panels?.destroy();
    panels = null;
  };
}
