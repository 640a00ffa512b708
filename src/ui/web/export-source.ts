/**
 * The data source of an export (`git-track ui --export DIR`) opened from file:// or a static
 * host. Pages on file:// cannot fetch(), so each answer is a script `data/<file>.js` calling
 * `window.gtData(key, json)`, loaded with a <script> tag; `data/index.js` (loaded first) sets
 * `window.gtExport`. Answers the export does not hold are computed here (export-query.ts).
 * Key and file name rules: docs/ui-api.md "Static export", computed by src/ui/export/export-key.ts.
 */
import { exportFileName, exportKey } from '../export/export-key.js';
import { ApiError, queryPairs, type DataSource, type Param } from './data-source.js';
import { compareFromRuns, ExportRuns } from './export-query.js';
import type { RunAnswer, RunsAnswer } from './api-types.js';
import { exportSeries } from './export-series.js';

interface ExportIndex {
  format: string;
  tip: string | null;
  filter: string | null;
  keys: string[];
}

declare global {
  interface Window {
    gtExport?: ExportIndex;
    gtData?: (key: string, json: unknown) => void;
  }
}

/**
 * True when the page is an export. A `git-track ui` server answers /api/info; a file:// page
 * cannot fetch and a static host has no /api/, so then `data/index.js` must name the export.
 */
export async function isExport(): Promise<boolean> {
  if (window.gtExport) return true;
  if (location.protocol !== 'file:') {
    const info = await fetch('api/info').then((r) => (r.ok ? (r.json() as Promise<{ export?: boolean }>) : null)).catch(() => null);
    if (info && info.export !== true) return false;
  }
  try {
    await loadScript('data/index.js');
  } catch {
    return false;
  }
  return window.gtExport !== undefined;
}

function loadScript(src: string): Promise<void> {
  return new Promise((resolve, reject) => {
    const s = document.createElement('script');
    s.src = src;
    s.onload = () => {
      s.remove();
      resolve();
    };
    s.onerror = () => {
      s.remove();
      reject(new Error(`could not load ${src}`));
    };
    document.head.appendChild(s);
  });
}

/** The export's data source. */
export async function exportSource(): Promise<DataSource> {
  const index = window.gtExport!;
  const keys = new Set(index.keys);
  const answers = new Map<string, unknown>();
  window.gtData = (key, json) => answers.set(key, json);

  const load = async <T>(key: string): Promise<T> => {
    if (!answers.has(key)) {
      if (!keys.has(key)) {
        // A link to a run the export left out (a lineage node, a parent) is the usual way here.
        const run = /^run\/([^/?]+)$/.exec(key)?.[1];
        const why = index.filter ? ` (it was exported with --filter ${JSON.stringify(index.filter)})` : '';
        throw new ApiError('FILE_NOT_FOUND', run ? `run ${run} is not in this export${why}` : `this export does not hold '${key}'`, 404);
      }
      await loadScript(`data/${exportFileName(key)}`);
    }
    return answers.get(key) as T;
  };
  const allKey = index.keys.find((k) => k.startsWith('runs?'));
  let runs: Promise<ExportRuns> | null = null;
  const allRuns = () => (runs ??= load<RunsAnswer>(allKey ?? 'runs').then((a) => new ExportRuns(a)));
  const asApiError = (e: unknown): never => {
    const column = (e as { data?: { column?: number } }).data?.column;
    throw new ApiError('USAGE', e instanceof Error ? e.message : String(e), 400, column);
  };

  return {
    live: false,
    async get<T>(path: string, params: Record<string, Param> = {}): Promise<T> {
      if (path === 'runs' || path === 'values') {
        const r = await allRuns();
        try {
          return (path === 'runs' ? r.runs(params) : r.values(params)) as T;
        } catch (e) {
          return asApiError(e);
        }
      }
      if (path === 'compare') {
        const ids = String(params['runs'] ?? '').split(',').filter(Boolean);
        const answers = await Promise.all(ids.map((id) => load<RunAnswer>(`run/${id}`)));
        return compareFromRuns(answers, params['all'] === '1') as T;
      }
      if (path === 'series') return (await exportSeries({ has: (k) => keys.has(k), load, take }, params)) as T;
      if (path.startsWith('run/') && path.endsWith('/output')) throw new ApiError('FILE_NOT_FOUND', 'an export holds only the tail of output.log', 404);
      return load<T>(exportKey(path, Object.fromEntries(queryPairs(params))));
    },
    subscribe: () => () => undefined,
  };

  // A chunk is read once per zoom and not kept: a long series would otherwise stay in memory whole.
  async function take<T>(key: string): Promise<T | undefined> {
    const v = await load<T>(key).catch(() => undefined);
    answers.delete(key);
    return v;
  }
}
