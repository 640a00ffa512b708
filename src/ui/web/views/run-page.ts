/**
 * View 2, one run: status and timings, command, author, environment, code (with the patch as
 * a diff), data inputs, params, metrics, tags (and tags added later), note, artifacts with
 * verified downloads, output.log, a chart per step series, lineage, stages. A run in progress
 * updates as it reports.
 */
import { h, replace } from '../dom.js';
import type { DataSource } from '../data-source.js';
import { formatDuration, formatTime } from '../format.js';
import { href } from '../router.js';
import type { Route } from '../router.js';
import type { RunAnswer } from '../api-types.js';
import { artifactsTable, kvTable, laterTagsView, outputView, patchView, runLink, showError } from './run-parts.js';
import { lineageView } from './lineage-graph.js';
import { seriesPanels, type SeriesPanels } from './series-panels.js';

const section = (title: string, ...body: (HTMLElement | null | string)[]) =>
  body.some((b) => b !== null) ? h('section', { class: 'run-section', 'data-section': title.toLowerCase() }, h('h3', null, title), ...body) : null;

/** Show the run page for `route.arg` (any run reference). */
export function runPage(root: HTMLElement, route: Route, source: DataSource): () => void {
  let panels: SeriesPanels | null = null;
  let runId = route.arg;
  let shownTip: string | null | undefined;

  const draw = (a: RunAnswer) => {
    const m = a.run;
    runId = m.id;
    shownTip = a.tip;
    const status = a.running ? 'running' : String(m['status']);
    const code = (m['code'] ?? null) as Record<string, unknown> | null;
    const author = m['author'] as { name?: string; email?: string } | undefined;
    const env = (m['env'] ?? {}) as Record<string, unknown>;
    const command = m['command'] as string[] | undefined;
    const data = a.data.map((d) => h('tr', null, h('td', null, d.path ?? ''), h('td', null, d.label ?? ''), h('td', { class: 'mono', title: d.sha256 ?? '' }, d.sha256?.slice(0, 12) ?? d.kind),
      h('td', null, ...(d.producedBy ?? []).map(runLink))));
    panels?.destroy();
    panels = a.series.length > 0 || a.running ? seriesPanels(source, { runs: [m.id], x: 'step', smooth: 0, log: false }) : null;
    replace(root,
      h('article', { class: 'run-page' },
        h('header', { class: 'run-head' },
          h('h2', null, (m['name'] as string | undefined) ?? m.id, ' ', h('span', { class: `badge status-${status}` }, a.running ? '● running' : status),
            a.archived ? h('span', { class: 'badge' }, 'archived') : null),
          h('p', { class: 'muted mono' }, m.id, m['experiment'] ? ` · experiment ${String(m['experiment'])}` : '', ` · `, h('a', { href: href('charts', '', { runs: m.id }) }, 'charts'),
            ' · ', h('a', { href: href('compare', '', { runs: m.id }) }, 'compare with…')),
          a.renamed ? h('p', { class: 'muted' }, `renamed from ${a.renamed.from}`) : null,
          ...a.warnings.map((w) => h('p', { class: 'warning' }, w))),
        h('div', { class: 'run-cols' },
          h('div', null,
            kvTable('Run', [
              ['status', status], ['created', formatTime(m['created'])], ['duration', formatDuration(m['duration_s']) || (a.running ? `running since ${formatTime(a.running.started)}` : '')],
              ['author', author ? `${author.name ?? ''}${author.email ? ` <${author.email}>` : ''}` : ''],
              ...(a.running ? [['host', `${a.running.hostname} (pid ${a.running.pid})`] as [string, unknown], ['last activity', formatTime(a.running.lastActivity)] as [string, unknown]] : []),
              ...(typeof m['parent'] === 'string' ? [['parent', runLink({ id: m['parent'] })] as [string, unknown]] : []),
            ]),
            kvTable('Params', Object.entries((m['params'] ?? {}) as Record<string, unknown>)),
            kvTable('Metrics', Object.entries((m['metrics'] ?? {}) as Record<string, unknown>)),
            kvTable('Tags', Object.entries((m['tags'] ?? {}) as Record<string, unknown>)),
            m['note'] ? section('Note', h('p', { class: 'note' }, String(m['note']))) : null),
          h('div', null,
            command ? section('Command', h('pre', { class: 'command' }, command.map((c) => (/^[\w@%+=:,./-]+$/.test(c) ? c : `'${c.replace(/'/g, `'\\''`)}'`)).join(' '))) : null,
            code ? kvTable('Code', [['commit', code['commit']], ['branch', code['branch'] ?? '(detached)'], ['remote', code['remote'] ?? ''], ['uncommitted changes', code['dirty'] ? 'yes' : 'no']]) : null,
            kvTable('Environment', Object.entries(env)),
            a.stages.length ? section('Stages', h('ul', null, ...a.stages.map((s) => h('li', null, h('a', { href: href('stages') }, s.stage), s.current ? ' (current)' : ' (earlier)', h('span', { class: 'muted' }, ` · ${formatTime(s.promoted)}${s.by ? ` by ${s.by.name}` : ''}${s.reason ? `: ${s.reason}` : ''}`))))) : null,
            section('Tags added later', laterTagsView(a.laterTags)))),
        section('Step series', panels?.el ?? null),
        section('Lineage', lineageView(a)),
        a.data.length ? section('Data inputs', h('table', { class: 'grid-table' }, h('thead', null, h('tr', null, h('th', null, 'path'), h('th', null, 'label'), h('th', null, 'sha256'), h('th', null, 'made by'))), h('tbody', null, ...data))) : null,
        a.artifacts.length ? section('Artifacts', artifactsTable(m.id, a.artifacts, !source.live)) : null,
        a.patch ? section('Uncommitted changes', patchView(a.patch)) : null,
        a.output ? section('output.log', outputView(source, m.id, a.output)) : null,
        a.children.length ? section('Child runs', childRuns(a, (m['tags'] ?? {}) as Record<string, unknown>)) : null));
  };

  const load = () => source.get<RunAnswer>(`run/${encodeURIComponent(runId)}`).then(draw, (e) => showError(root, e));
  replace(root, h('p', { class: 'muted' }, 'Loading run…'));
  void load();

  // A running run grows: new points for its charts; when it is recorded (a tip), the full page.
  let timer = 0;
  const stop = source.subscribe((ev) => {
    const id = ev.data['id'];
    if (ev.type === 'run-progress' && id === runId) {
      if (!timer) timer = window.setTimeout(() => { timer = 0; void panels?.refresh(); }, 300);
    } else if ((ev.type === 'tip' && ev.data['tip'] !== shownTip) || (ev.type === 'run-finished' && id === runId)) {
      void load();
    }
  });
  return () => {
    stop();
    clearTimeout(timer);
    panels?.destroy();
  };
}

/** A parent's children (a sweep's combinations): each a link, the sweep's best marked, and all of them to compare or chart. */
function childRuns(a: RunAnswer, tags: Record<string, unknown>): HTMLElement {
  const ids = a.children.map((c) => c.id).join(',');
  const best = typeof tags['sweep.best'] === 'string' ? tags['sweep.best'] : null;
  const metric = typeof tags['sweep.metric'] === 'string' ? ` by ${tags['sweep.metric']}` : '';
  return h('div', null,
    a.children.length > 1 ? h('p', { class: 'child-links' }, h('a', { href: href('compare', '', { runs: ids }) }, `compare all ${a.children.length}`), ' · ', h('a', { href: href('charts', '', { runs: ids }) }, 'chart them')) : null,
    h('ul', null, ...a.children.map((c) => h('li', null, runLink(c),
      c.id === best ? h('strong', { class: 'best-child' }, ` ★ best${metric}`) : null,
      h('span', { class: 'muted' }, ` · ${c.status ?? ''}${c.archived ? ' · archived' : ''}`)))));
}
