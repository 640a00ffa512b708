/** View 6, stages: the run each stage holds now and its promotion history (who, when, why). */
import { h, replace } from '../dom.js';
import type { DataSource } from '../data-source.js';
import { formatTime } from '../format.js';
import { href, type Route } from '../router.js';
import type { PromotionEntry, StagesAnswer } from '../api-types.js';
import { showError } from './run-parts.js';

const who = (p: PromotionEntry) => (p.by ? `${p.by.name}${p.by.email ? ` <${p.by.email}>` : ''}` : '');

/** Show the stages view; it follows promotions live. */
export function stagesView(root: HTMLElement, _route: Route, source: DataSource): () => void {
  const load = () => source.get<StagesAnswer>('stages').then((s) => {
    replace(root, h('section', null, h('h2', null, 'Stages'),
      ...s.warnings.map((w) => h('p', { class: 'warning' }, w)),
      s.stages.length === 0 ? h('p', { class: 'muted' }, 'No run has been promoted yet (git-track promote RUN --stage NAME).') : null,
      ...s.stages.map((st) => h('section', { class: 'stage', 'data-stage': st.stage },
        h('h3', null, st.stage, st.current ? h('span', { class: 'muted' }, ' · now ', h('a', { href: href('run', st.current.run) }, st.current.run.slice(0, 8))) : null),
        h('table', { class: 'grid-table' },
          h('thead', null, h('tr', null, h('th', null, 'when'), h('th', null, 'run'), h('th', null, 'by'), h('th', null, 'why'))),
          h('tbody', null, ...[...st.history].reverse().map((p) => h('tr', { class: st.current && p.run === st.current.run && p.promoted === st.current.promoted ? 'current' : '' },
            h('td', null, formatTime(p.promoted)), h('td', null, h('a', { href: href('run', p.run), class: 'mono' }, p.run.slice(0, 8))),
            h('td', null, who(p)), h('td', null, p.reason ?? '')))))))));
  }, (e) => showError(root, e));
  void load();
  return source.subscribe((ev) => {
    if (ev.type === 'tip') void load();
  });
}
