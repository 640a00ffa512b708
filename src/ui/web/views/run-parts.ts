/** Pieces of the run page: key/value tables, the patch as a diff, output.log, artifacts. */
import { h, replace } from '../dom.js';
import type { DataSource } from '../data-source.js';
import { formatBytes, formatTime, formatValue } from '../format.js';
import { href } from '../router.js';
import type { RunAnswer, RunRef } from '../api-types.js';

/** A two-column table of names and values (empty values left out; elements kept as they are), or nothing when empty. */
export function kvTable(caption: string, all: [string, unknown][]): HTMLElement | null {
  const entries = all.filter(([, v]) => v !== '' && v !== null && v !== undefined);
  if (entries.length === 0) return null;
  return h('table', { class: 'kv' }, h('caption', null, caption),
    h('tbody', null, ...entries.map(([k, v]) => h('tr', null, h('th', { scope: 'row' }, k), h('td', null, v instanceof Node ? v : formatValue(v))))));
}

/** A run as a link: its name (or short id) to its page. */
export function runLink(r: RunRef): HTMLElement {
  return h('a', { href: href('run', r.id), title: r.id }, r.name ? `${r.name} (${r.id.slice(0, 8)})` : r.id.slice(0, 8));
}

/** The uncommitted patch with added, removed and hunk lines coloured. */
export function patchView(patch: NonNullable<RunAnswer['patch']>): HTMLElement {
  const lines = patch.text.split('\n').map((line) => {
    const cls = line.startsWith('+++') || line.startsWith('---') || line.startsWith('diff ') || line.startsWith('index ') ? 'd-file'
      : line.startsWith('@@') ? 'd-hunk' : line.startsWith('+') ? 'd-add' : line.startsWith('-') ? 'd-del' : '';
    return h('span', { class: `d-line ${cls}` }, `${line}\n`);
  });
  return h('div', null,
    h('pre', { class: 'diff', 'aria-label': 'uncommitted changes' }, ...lines),
    patch.truncated ? h('p', { class: 'muted' }, `Cut at ${formatBytes(patch.text.length)} of ${formatBytes(patch.bytes)}.`) : null);
}

/** The tail of output.log with a button that fetches the part before it. */
export function outputView(source: DataSource, id: string, output: NonNullable<RunAnswer['output']>): HTMLElement {
  const pre = h('pre', { class: 'log' }, output.text);
  let start = output.offset;
  const more = h('button', { type: 'button' }, 'Show earlier output');
  more.hidden = start === 0 || !source.live;
  more.addEventListener('click', async () => {
    const limit = Math.min(start, 65536);
    const part = await source.get<{ text: string; offset: number }>(`run/${id}/output`, { offset: start - limit, limit });
    pre.prepend(part.text);
    start = part.offset;
    more.hidden = start === 0;
  });
  return h('div', null,
    h('p', { class: 'muted' }, start > 0 ? `The last ${formatBytes(output.bytes - start)} of ${formatBytes(output.bytes)}${source.live ? '.' : ': a static export holds only the end of output.log.'}` : `The whole log, ${formatBytes(output.bytes)}.`, ' ', more),
    pre);
}

/** Artifacts with size, role, sha256 and a download the server verifies against the sha256. */
export function artifactsTable(id: string, artifacts: RunAnswer['artifacts'], exported = false): HTMLElement {
  const rows = artifacts.flatMap((a) => {
    const files = Array.isArray(a.files) ? a.files.map((f) => ({ ...f, path: `${a.path}/${f.path}`, role: a.role, kind: 'file' as const, cached: a.cached })) : [];
    return [a, ...files];
  });
  return h('table', { class: 'grid-table' },
    h('thead', null, h('tr', null, h('th', null, 'path'), h('th', null, 'role'), h('th', { class: 'num' }, 'size'), h('th', null, 'sha256'), h('th', null, 'download'))),
    h('tbody', null, ...rows.map((a) => h('tr', null,
      h('td', null, a.path, a.kind === 'dir' ? '/' : ''),
      h('td', null, a.role ?? ''),
      h('td', { class: 'num' }, formatBytes(a.size ?? undefined)),
      h('td', { class: 'mono', title: a.sha256 ?? '' }, a.sha256 ? a.sha256.slice(0, 12) : 'missing'),
      h('td', null, a.kind === 'dir' ? '' : a.download
        ? h('a', { href: a.download.replace(/^\//, ''), download: a.path.split('/').pop() ?? 'artifact', class: 'download', title: 'checked against its sha256 before it is sent' }, 'download')
        : exported ? h('span', { class: 'muted', title: `git-track get ${id}` }, a.sha256 ? 'not in a static export' : '')
          : h('span', { class: 'muted', title: `git-track get ${id}` }, a.sha256 ? 'not in this clone (git-track get)' : ''))))));
}

/** Later tags (added after the run) with who and when. */
export function laterTagsView(tags: RunAnswer['laterTags']): HTMLElement | null {
  if (tags.length === 0) return null;
  return h('ul', null, ...tags.map((t) => h('li', null, Object.entries(t.tags).map(([k, v]) => `${k}=${v}`).join(', '), h('span', { class: 'muted' }, ` · ${formatTime(t.added)}${t.by ? ` by ${t.by.name}` : ''}`))));
}

/** Replace `el`'s content with an error line. */
export function showError(el: HTMLElement, e: unknown): void {
  replace(el, h('p', { class: 'error' }, e instanceof Error ? e.message : String(e)));
}
