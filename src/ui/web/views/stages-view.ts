/** View 6, stages: the run each stage holds now and its promotion history (who, when, why). */
import { h, replace } from '../dom.js';
import type { DataSource } from '../data-source.js';
import { formatTime } from '../format.js';
import { href, type Route } from '../router.js';
import type { PromotionEntry, StagesAnswer, ValuesAnswer } from '../api-types.js';
import { UI_STAGE_NAMED_RUNS } from '../../../limits.js';
import { showError } from './run-parts.js';

/** The names of runs (a run without one, or not found, is left out); one request. */
async function runNames(source: DataSource, ids: string[]): Promise<Map<string, string>> {
  const safe = ids.filter((id) => /^[0-9a-f]+$/.test(id)).slice(0, UI_STAGE_NAMED_RUNS);
  if (safe.length === 0) return new Map();
  const v = await source.get<ValuesAnswer>('values', { fields: 'name', all: '1', filter: `id IN (${safe.map((id) => `'${id}'`).join(', ')})` }).catch(() => null);
  return new Map((v?.ids ?? []).flatMap((id, j) => (v!.names[j] ? [[id, v!.names[j]!] as [string, string]] : [])));
}

const who = (p: PromotionEntry) => (p.by ? `${p.by.name}${p.by.email ? ` <${p.by.email}>` : ''}` : '');

/** Show the stages view; it follows promotions live. */
export function stagesView(root: HTMLElement, _route: Route, source: DataSource): () => void {
  const load = () => source.get<StagesAnswer>('stages').then(async (s) => {
    const names = await runNames(source, [...new Set(s.stages.flatMap((st) => st.history.map((p) => p.run)))]);
    const link = (id: string, cls?: string) => h('a', { href: href('run', id), class: cls, title: id }, names.get(id) ? `${names.get(id)} (${id.slice(0, 8)})` : id.slice(0, 8));
    replace(root, h('section', null, h('h2', null, 'Stages'),
      ...s.warnings.map((w) => h('p', { class: 'warning' }, w)),
      s.stages.length === 0 ? h('p', { class: 'muted' }, 'No run has been promoted yet (git-track promote RUN --stage NAME).') : null,
      ...s.stages.map((st) => h('section', { class: 'stage', 'data-stage': st.stage },
        h('h3', null, st.stage, st.current ? h('span', { class: 'muted' }, ' · now ', link(st.current.run)) : null),
        h('table', { class: 'grid-table' },
          h('thead', null, h('tr', null, h('th', null, 'when'), h('th', null, 'run'), h('th', null, 'by'), h('th', null, 'why'))),
          h('tbody', null, ...[...st.history].reverse().map((p) => h('tr', { class: st.current && p.run === st.current.run && p.promoted === st.current.promoted ? 'current' : '' },
            h('td', null, formatTime(p.promoted)), h('td', null, link(p.run)),
            h('td', null, who(p)), h('td', null, p.reason ?? '')))))))));
  }, (e) => showError(root, e));
  void load();
  return source.subscribe((ev) => {
    if (ev.type === 'tip') void load();
  });
}
