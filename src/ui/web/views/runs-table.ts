/**
 * View 1, the runs table: every run (children under their parent), the columns the user
 * picks, "only what differs", sort by any column, the `list` filter language with its error
 * inline, group by experiment or a tag, running runs marked and updated live, and runs
 * selected for compare and charts. State in the URL: filter, sort, cols, group, differs, all, sel.
 */
import { h, replace } from '../dom.js';
import { ApiError, type DataSource } from '../data-source.js';
import { formatCell } from '../format.js';
import { href, listParam, replaceState, type Route } from '../router.js';
import type { FieldsAnswer, RunRow, RunsAnswer } from '../api-types.js';
import { columnPicker } from './column-picker.js';
import { filterBox } from './filter-box.js';
import { RunsPages } from './runs-pages.js';
import { virtualRows } from './virtual-rows.js';

const ROW_HEIGHT = 28;

const WIDTHS: Record<string, string> = { name: '190px', created: '146px', status: '92px', duration: '86px', 'code.commit': '84px', 'code.dirty': '56px', experiment: '120px', author: '130px' };

const TITLES: Record<string, string> = { 'code.commit': 'commit', 'code.dirty': 'dirty' };

/** Show the runs table in `root`; returns the function that stops its live updates. */
export function runsTable(root: HTMLElement, route: Route, source: DataSource): () => void {
  const state = route.state;
  const selected = new Set(listParam(state, 'sel'));
  let pages: RunsPages | null = null;
  let columns: string[] = [];
  let fields: FieldsAnswer | null = null;

  const save = () => {
    if (selected.size > 0) state.set('sel', [...selected].join(','));
    else state.delete('sel');
    replaceState('runs', '', state);
  };
  const setParam = (name: string, value: string) => {
    if (value) state.set(name, value);
    else state.delete(name);
    save();
    void load(true);
  };

  const filter = filterBox(state.get('filter') ?? '', (text) => setParam('filter', text.trim()));
  const groupSelect = h('select', { 'aria-label': 'Group by' }, h('option', { value: '' }, 'no grouping'), h('option', { value: 'experiment' }, 'group by experiment'));
  groupSelect.addEventListener('change', () => setParam('group', groupSelect.value));
  const differs = h('input', { type: 'checkbox', checked: state.get('differs') === '1' });
  differs.addEventListener('change', () => setParam('differs', differs.checked ? '1' : ''));
  const archived = h('input', { type: 'checkbox', checked: state.get('all') === '1' });
  archived.addEventListener('change', () => setParam('all', archived.checked ? '1' : ''));
  const pickerHolder = h('div', { class: 'picker-holder', hidden: true });
  const columnsButton = h('button', { type: 'button', 'aria-expanded': 'false' }, 'Columns…');
  columnsButton.addEventListener('click', () => {
    pickerHolder.hidden = !pickerHolder.hidden;
    columnsButton.setAttribute('aria-expanded', String(!pickerHolder.hidden));
    if (!pickerHolder.hidden && fields) {
      replace(pickerHolder, columnPicker(fields, columns, (cols) => setParam('cols', cols.join(','))));
    }
  });
  const summary = h('div', { class: 'summary', 'aria-live': 'polite' });
  const selbar = h('div', { class: 'selbar' });
  const warnings = h('div', { class: 'warnings' });
  const indexingBanner = h('div', { class: 'indexing-banner', role: 'status', hidden: true });
  const head = h('div', { class: 'grid-row grid-head', role: 'row' });
  const list = virtualRows(ROW_HEIGHT, (i) => renderRow(i), head);
  list.el.classList.add('runs-grid');
  list.el.addEventListener('keydown', (e) => moveFocus(e));

  replace(
    root,
    h('section', { class: 'runs-view' },
      h('div', { class: 'toolbar' }, filter.el,
        h('div', { class: 'toolbar-options' }, groupSelect,
          h('label', null, differs, ' only what differs'),
          h('label', null, archived, ' archived too'),
          columnsButton)),
      pickerHolder, indexingBanner, h('div', { class: 'bar' }, summary, selbar), list.el, warnings),
  );

  const loadFields = () => void source.get<FieldsAnswer>('fields').then((f) => {
    fields = f;
    groupSelect.querySelectorAll('option[value^="tags."]').forEach((o) => o.remove());
    for (const t of f.tags) groupSelect.append(h('option', { value: `tags.${t}` }, `group by tag ${t}`));
    groupSelect.value = state.get('group') ?? '';
  }).catch(() => undefined);
  loadFields();
  groupSelect.value = state.get('group') ?? '';

  function params() {
    return {
      filter: state.get('filter') ?? undefined,
      sort: state.get('sort') ?? undefined,
      columns: state.get('cols') ?? undefined,
      group: state.get('group') ?? undefined,
      differs: state.get('differs') === '1',
      all: state.get('all') === '1',
    };
  }

  let generation = 0;
  async function load(reset: boolean): Promise<void> {
    const mine = ++generation;
    const next = new RunsPages(source, params(), () => mine === generation && list.refresh(), () => list.range());
    let answer: RunsAnswer;
    try {
      performance.mark('gt:runs-request');
      answer = await next.start();
      // A live refresh keeps the rows in view until their new pages are here.
      if (!reset) await next.warm(list.range());
    } catch (e) {
      if (mine !== generation) return;
      if (e instanceof ApiError && e.code === 'USAGE' && e.message.startsWith('filter:')) filter.showError(e.message, e.column);
      else replace(summary, h('span', { class: 'error' }, e instanceof Error ? e.message : String(e)));
      return;
    }
    if (mine !== generation) return;
    filter.clearError();
    pages = next;
    columns = answer.columns;
    drawHead();
    if (reset) list.el.scrollTop = 0;
    list.setCount(pages.displayCount());
    drawSummary(answer);
    replace(warnings, ...answer.warnings.map((w) => h('div', { class: 'warning' }, w)));
    // A partial table (the index is being built) is marked apart, once it has rows to show.
    if (!answer.indexing) performance.mark('gt:runs-rendered');
    else if (answer.total > 0) performance.mark('gt:runs-rendered-partial');
    document.body.dataset['runsTotal'] = String(answer.total);
    drawIndexing(answer);
  }

  // A fresh clone: the server is still reading runs into its index; the table shows those read
  // so far and asks again until the index is whole.
  let indexingTimer = 0;
  function drawIndexing(answer: RunsAnswer) {
    clearTimeout(indexingTimer);
    indexingTimer = 0;
    if (!answer.indexing) {
      // The pickers were filled from a partial index: fill them again from the whole one.
      if (!indexingBanner.hidden) loadFields();
      indexingBanner.hidden = true;
      delete document.body.dataset['indexing'];
      return;
    }
    const { read, total } = answer.indexing;
    const n = (x: number) => x.toLocaleString('en-US');
    const narrowed = state.get('filter') || state.get('sort') || state.get('group') ? '; filter, sort and groups apply to those so far' : '';
    replace(indexingBanner, h('progress', { max: total, value: read }), ` Indexing runs: ${n(read)} of ${n(total)} read. The table shows the newest of those${narrowed}, and completes by itself.`);
    indexingBanner.hidden = false;
    document.body.dataset['indexing'] = `${read}/${total}`;
    // Progress once a second (soon while nothing is read yet); the server's event stream says
    // when the index is whole.
    indexingTimer = window.setTimeout(() => void load(false), read === 0 ? 250 : 1000);
  }

  function drawSummary(answer: RunsAnswer) {
    const hidden = answer.hidden && answer.hidden.length > 0 ? ` · ${answer.hidden.length} column${answer.hidden.length === 1 ? '' : 's'} hidden (same in every run)` : '';
    // While indexing, the count is of the runs read so far: never shown as the total.
    const count = answer.indexing ? `${answer.total.toLocaleString('en-US')} so far of ${answer.indexing.total.toLocaleString('en-US')} run${answer.indexing.total === 1 ? '' : 's'}` : `${answer.total.toLocaleString('en-US')} run${answer.total === 1 ? '' : 's'}`;
    replace(summary, `${count}${hidden}`);
  }

  function drawSelbar() {
    const runs = [...selected].join(',');
    replace(selbar, selected.size === 0
      ? h('span', { class: 'muted' }, 'select runs to compare them or chart their series')
      : h('span', null, `${selected.size} selected: `,
        h('a', { href: href('compare', '', { runs }) }, 'compare'), ' · ',
        h('a', { href: href('charts', '', { runs }) }, 'charts'), ' · ',
        h('button', { type: 'button', class: 'link', onclick: () => { selected.clear(); save(); drawSelbar(); list.refresh(); } }, 'clear')));
  }

  function template(): string {
    return ['32px', '96px', ...columns.map((c) => WIDTHS[c] ?? '112px')].join(' ');
  }

  function drawHead() {
    const sort = state.get('sort') ?? '';
    list.el.style.setProperty('--cols', template());
    // A header sits over its values: right-aligned over numbers (as the first page has them).
    const numeric = new Set(columns.filter((c, i) => {
      const v = pages?.first?.rows.map((r) => r.values[i]).find((x) => x !== null && x !== undefined);
      return typeof v === 'number' || (v === undefined && (c.startsWith('metrics.') || c === 'duration'));
    }));
    replace(head, h('div', { class: 'cell', role: 'columnheader' }), h('div', { class: 'cell', role: 'columnheader' }, 'id'), ...columns.map((c) => {
      const mark = sort === c ? ' ▲' : sort === `-${c}` ? ' ▼' : '';
      const next = sort === c ? `-${c}` : sort === `-${c}` ? '' : c;
      const title = TITLES[c] ?? c.replace(/^(params|metrics|tags)\./, '');
      return h('div', { class: numeric.has(c) ? 'cell num' : 'cell', role: 'columnheader', 'aria-sort': mark === ' ▲' ? 'ascending' : mark ? 'descending' : 'none' },
        h('button', { type: 'button', class: 'sort', title: `sort by ${c}`, onclick: () => setParam('sort', next) }, h('span', { class: 'kind' }, kindOf(c)), title, mark));
    }));
  }

  function renderRow(d: number): HTMLElement {
    const shown = pages?.display(d);
    if (!pages || !shown) return h('div', { class: 'grid-row' });
    if (shown.kind === 'group') {
      const g = shown.group;
      return h('div', { class: 'grid-row group-row', role: 'row' }, h('div', { class: 'cell group-cell' }, `${g.value ?? '(none)'}`, h('span', { class: 'muted' }, ` · ${g.count} run${g.count === 1 ? '' : 's'}`)));
    }
    const row = pages.row(shown.offset);
    if (!row) return h('div', { class: 'grid-row loading', role: 'row' }, h('div', { class: 'cell' }), h('div', { class: 'cell muted' }, '…'));
    return runRow(row, d);
  }

  function runRow(row: RunRow, d: number): HTMLElement {
    const box = h('input', { type: 'checkbox', 'aria-label': `select run ${row.id}`, checked: selected.has(row.id) });
    box.addEventListener('change', () => {
      if (box.checked) selected.add(row.id);
      else selected.delete(row.id);
      save();
      drawSelbar();
    });
    const cells = columns.map((c, i) => {
      const v = row.values[i];
      const text = formatCell(c, v);
      if (c === 'name') {
        return h('div', { class: 'cell name', style: `padding-left:${6 + row.depth * 16}px`, title: text },
          row.depth > 0 ? h('span', { class: 'muted' }, '└ ') : null, text,
          row.children > 0 ? h('span', { class: 'muted' }, ` (${row.children})`) : null);
      }
      if (c === 'status') return h('div', { class: `cell status status-${String(v)}` }, row.running ? '● running' : text);
      return h('div', { class: typeof v === 'number' ? 'cell num' : 'cell', title: text }, text);
    });
    return h('div', { class: `grid-row${row.running ? ' running' : ''}${selected.has(row.id) ? ' selected' : ''}`, role: 'row', 'data-run': row.id },
      h('div', { class: 'cell' }, box),
      h('div', { class: 'cell' }, h('a', { href: href('run', row.id), class: 'id', 'data-i': d }, row.id.slice(0, 8))),
      ...cells);
  }

  function moveFocus(e: KeyboardEvent) {
    const target = e.target as HTMLElement;
    const i = Number(target.closest('.grid-row')?.querySelector('a.id')?.getAttribute('data-i') ?? NaN);
    if (Number.isNaN(i) || (e.key !== 'ArrowDown' && e.key !== 'ArrowUp')) return;
    e.preventDefault();
    const next = i + (e.key === 'ArrowDown' ? 1 : -1);
    if (next < 0 || !pages || next >= pages.displayCount()) return;
    list.reveal(next);
    requestAnimationFrame(() => list.el.querySelector<HTMLElement>(`a.id[data-i="${next}"]`)?.focus());
  }

  drawSelbar();
  void load(false);

  // Runs logged, pulled, tagged or progressing while the page is open: fetch again, keeping the
  // scroll position (bursts of events coalesced; at once when the index has become whole).
  let timer = 0;
  const stop = source.subscribe((ev) => {
    if (ev.type === 'hello' || timer) return;
    timer = window.setTimeout(() => {
      timer = 0;
      void load(false);
    }, ev.type === 'run-progress' ? 1000 : ev.data['indexed'] === true ? 0 : 100);
  });
  return () => {
    stop();
    clearTimeout(timer);
    clearTimeout(indexingTimer);
    generation++;
  };
}

function kindOf(column: string): string {
  if (column.startsWith('params.')) return 'p ';
  if (column.startsWith('metrics.')) return 'm ';
  if (column.startsWith('tags.')) return 't ';
  return '';
}
