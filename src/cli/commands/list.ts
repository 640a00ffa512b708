/**
 * `git-track list`: find runs with a filter, sort them, show chosen columns in a format.
 */
import { GitTrackError } from '../../errors.js';
import { fieldKey, type Field } from '../../query/ast.js';
import { parseFieldName, parseFilter } from '../../query/parse.js';
import { queryRuns, type QueryResult } from '../../query/query-runs.js';
import { parseSort } from '../../query/sort.js';
import { readRunManifest } from '../../runs/read-runs.js';
import type { CliContext } from '../context.js';
import { FORMATS, parseFormat, renderRows } from '../render/formats.js';
import { renderManifestJson } from '../render/manifest.js';
import type { Column } from '../render/table.js';

interface ListOptions {
  filter?: string;
  sort?: string;
  columns?: string;
  limit?: string;
  format?: string;
  json?: boolean;
}

const MAX_PARAM_COLUMNS = 4;
const MAX_METRIC_COLUMNS = 4;

export default async function list(cli: CliContext, _args: unknown[], options: ListOptions): Promise<number> {
  const limit = parseLimit(options.limit);
  const format = options.json ? 'json' : parseFormat(options.format ?? 'table', FORMATS);
  const filter = options.filter === undefined ? undefined : parseFilter(options.filter);
  const sort = options.sort === undefined ? undefined : parseSort(options.sort);
  const fields = options.columns === undefined ? undefined : parseColumns(options.columns);
  const ctx = cli.tracker();
  const result = queryRuns(ctx, { filter, sort, limit });
  // Without --columns, JSON keeps its documented shape: the whole manifests.
  if (format === 'json' && !fields) {
    cli.out(renderManifestJson(result.rows.map((r) => readRunManifest(ctx, { id: result.table.id(r), tree: result.table.tree(r) }))));
    return 0;
  }
  if (result.table.size === 0 && format === 'table') {
    cli.out('No runs yet. Record one with: git-track log -p lr=0.01 -m f1=0.84');
    return 0;
  }
  const shown = fields ?? defaultColumns(result);
  const columns: Column[] = shown.map((f) => ({ header: fieldKey(f), align: f.scope === 'params' || f.scope === 'metrics' ? 'right' : 'left' }));
  const rows = result.rows.map((r) =>
    shown.map((f) => {
      const v = result.get(r, f);
      return format === 'table' && f.scope === 'attr' && f.name === 'created' && typeof v === 'string' ? v.slice(0, 16).replace('T', ' ') : v;
    }),
  );
  // Default table headers read as before: bare param and metric names.
  if (!fields) for (const c of columns) c.header = c.header.replace(/^(?:params|metrics)\./, '');
  cli.out(renderRows(format, columns, rows));
  return 0;
}

function parseLimit(text: string | undefined): number | undefined {
  if (text === undefined) return undefined;
  const limit = Number(text);
  if (!/^\d+$/.test(text.trim()) || !Number.isSafeInteger(limit)) throw new GitTrackError('USAGE', `--limit expects a whole number, got '${text}'`);
  return limit;
}

function parseColumns(text: string): Field[] {
  const names = text.split(',').map((s) => s.trim());
  if (names.some((n) => n === '')) throw new GitTrackError('USAGE', `--columns expects comma-separated fields, got '${text}'`);
  return names.map((n) => parseFieldName(n, '--columns'));
}

/** id, name, created, status, then the params and metrics whose values differ between the rows. */
function defaultColumns(result: QueryResult): Field[] {
  const attrs: Field[] = ['id', 'name', 'created', 'status'].map((name) => ({ scope: 'attr', name }));
  const differing = (scope: 'params' | 'metrics', max: number): Field[] => {
    const prefix = `${scope}.`;
    const keys = result.table.keys().filter((k) => k.startsWith(prefix)).map((k) => k.slice(prefix.length)).sort();
    const out: Field[] = [];
    for (const name of keys) {
      if (out.length >= max) break;
      const field: Field = { scope, name };
      const seen = new Set<string>();
      let missing = false;
      for (const r of result.rows) {
        const v = result.get(r, field);
        if (v === undefined) missing = true;
        else seen.add(JSON.stringify(v));
        if (seen.size > 1) break;
      }
      if (seen.size === 0) continue;
      if (result.rows.length === 1 || seen.size > 1 || missing) out.push(field);
    }
    return out;
  };
  return [...attrs, ...differing('params', MAX_PARAM_COLUMNS), ...differing('metrics', MAX_METRIC_COLUMNS)];
}
