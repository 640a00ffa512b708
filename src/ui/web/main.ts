/**
 * The dashboard's entry: picks the data source (a `git-track ui` server, or an export opened
 * from file:// or a static host), then shows the view the URL hash names and follows it.
 */
import { h, replace } from './dom.js';
import { liveSource, type DataSource } from './data-source.js';
import { exportSource, isExport } from './export-source.js';
import { currentRoute, type Route } from './router.js';
import type { InfoAnswer } from './api-types.js';
import { runsTable } from './views/runs-table.js';
import { runPage } from './views/run-page.js';
import { chartsView } from './views/charts-view.js';
import { compareView } from './views/compare-view.js';
import { parallelView } from './views/parallel-view.js';
import { stagesView } from './views/stages-view.js';

type View = (root: HTMLElement, route: Route, source: DataSource) => (() => void) | void;

const VIEWS: Record<string, View> = {
  runs: runsTable,
  run: runPage,
  charts: chartsView,
  compare: compareView,
  parallel: parallelView,
  stages: stagesView,
};

async function start(): Promise<void> {
  performance.mark('gt:start');
  const source = (await isExport()) ? await exportSource() : liveSource();
  const main = document.getElementById('main')!;
  let stop: (() => void) | void;
  const show = () => {
    if (stop) stop();
    const route = currentRoute();
    for (const a of document.querySelectorAll<HTMLAnchorElement>('nav a')) {
      if (a.dataset['view'] === route.view) a.setAttribute('aria-current', 'page');
      else a.removeAttribute('aria-current');
    }
    const view = VIEWS[route.view];
    if (!view) {
      replace(main, h('p', null, `No view named '${route.view}'. `, h('a', { href: '#/runs' }, 'Show the runs')));
      return;
    }
    const root = h('div', { class: `view view-${route.view}` });
    replace(main, root);
    stop = view(root, route, source);
  };
  window.addEventListener('hashchange', show);
  show();
  document.addEventListener('keydown', (e) => {
    const t = e.target as HTMLElement;
    if (e.key === '/' && !(t instanceof HTMLInputElement || t instanceof HTMLTextAreaElement || t instanceof HTMLSelectElement)) {
      const input = document.querySelector<HTMLInputElement>('.filter-input');
      if (input) {
        e.preventDefault();
        input.focus();
      }
    }
  });
  source.get<InfoAnswer>('info').then((info) => {
    const repo = document.getElementById('repo')!;
    replace(repo, info.repo, info.filter ? ` · only ${info.filter}` : '', info.export ? ' · static export' : '');
    document.title = `${info.repo} · git-track`;
  }).catch(() => undefined);
}

void start();
