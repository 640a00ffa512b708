/**
 * The API answers an export cannot hold, computed in the browser from the ones it does
 * (docs/ui-api.md "Static export"): runs pages (filter, sort, group, "only what differs"),
 * the values of parallel coordinates, and compare. The filter and sort are the library's own
 * parser and evaluator (pure code, bundled), so an export filters exactly like `git-track list`.
 */
import { parseFilter } from '../../query/parse.js';
import { matches, type FieldValue } from '../../query/evaluate.js';
import { fieldKey, type Field } from '../../query/ast.js';
import { parseSort, sortRows } from '../../query/sort.js';
import { compareRuns } from '../../compare/compare-runs.js';
import type { RunManifest } from '../../manifest/schema.js';
import type { Param } from './data-source.js';
import type { CompareAnswer, Group, RunAnswer, RunRow, RunsAnswer, ValuesAnswer } from './api-types.js';

const DEFAULT_COLUMNS = ['name', 'experiment', 'status', 'created', 'duration', 'author', 'code.commit', 'code.dirty'];

/** Every exported run (the `runs?all=1&limit=N` answer) as rows addressable by column. */
export class ExportRuns {
  private readonly at = new Map<string, number>();

  constructor(readonly all: RunsAnswer) {
    all.columns.forEach((c, i) => this.at.set(c, i));
  }

  value(row: RunRow, column: string): FieldValue | undefined {
    if (column === 'id') return row.id;
    if (column === 'parent') return row.parent;
    const i = this.at.get(column);
    return i === undefined ? undefined : (row.values[i] as FieldValue | undefined);
  }

  /** The rows a filter (plus the archived switch) keeps, in export order. Throws the parser's error. */
  select(filter: string | undefined, all: boolean): RunRow[] {
    const expr = filter ? parseFilter(filter) : null;
    return this.all.rows.filter((r) => (all || this.value(r, 'archived') !== true) && (!expr || matches(expr, (f: Field) => this.value(r, fieldKey(f)))));
  }

  /** `/api/runs` over the export. */
  runs(p: Record<string, Param>): RunsAnswer {
    let rows = this.select(str(p['filter']), p['all'] === '1');
    if (p['sort']) {
      const keys = parseSort(String(p['sort']));
      rows = sortRows(rows.map((_, i) => i), keys, (i, f) => this.value(rows[i]!, fieldKey(f))).map((i) => ({ ...rows[i]!, depth: 0 }));
    } else {
      const kept = new Set(rows.map((r) => r.id));
      const depth = new Map<string, number>();
      rows = rows.map((r) => {
        const d = r.parent && kept.has(r.parent) ? (depth.get(r.parent) ?? 0) + 1 : 0;
        depth.set(r.id, d);
        return { ...r, depth: d, children: 0 };
      });
      const byId = new Map(rows.map((r) => [r.id, r]));
      for (const r of rows) if (r.parent && byId.has(r.parent)) byId.get(r.parent)!.children++;
    }
    let columns = p['columns'] ? String(p['columns']).split(',') : [...DEFAULT_COLUMNS, ...this.all.columns.filter((c) => c.startsWith('metrics.'))];
    let hidden: string[] | undefined;
    if (p['differs'] === '1') {
      hidden = columns.filter((c) => /^(params|metrics|tags)\./.test(c) && new Set(rows.map((r) => JSON.stringify(this.value(r, c) ?? null))).size <= 1);
      columns = columns.filter((c) => !hidden!.includes(c));
    }
    let groups: Group[] | undefined;
    const group = str(p['group']);
    if (group) {
      const order = new Map<string | null, RunRow[]>();
      for (const r of rows) {
        const v = this.value(r, group);
        const key = v === undefined || v === null ? null : String(v);
        if (!order.has(key)) order.set(key, []);
        order.get(key)!.push(r);
      }
      const keys = [...order.keys()].sort((a, b) => (a === null ? 1 : b === null ? -1 : a < b ? -1 : a > b ? 1 : 0));
      groups = [];
      rows = [];
      for (const k of keys) {
        groups.push({ value: k, count: order.get(k)!.length, offset: rows.length });
        rows.push(...order.get(k)!);
      }
    }
    const offset = Number(p['offset'] ?? 0);
    const limit = Number(p['limit'] ?? 100);
    const page = rows.slice(offset, offset + limit).map((r) => ({ ...r, values: columns.map((c) => this.value(r, c) ?? null) }));
    return { tip: this.all.tip, total: rows.length, offset, limit, columns, ...(hidden ? { hidden } : {}), rows: page, ...(groups ? { groups } : {}), warnings: this.all.warnings };
  }

  /** `/api/values` over the export. */
  values(p: Record<string, Param>): ValuesAnswer {
    const fields = String(p['fields'] ?? '').split(',').filter(Boolean);
    const rows = this.select(str(p['filter']), p['all'] === '1');
    return {
      ids: rows.map((r) => r.id),
      names: rows.map((r) => (this.value(r, 'name') as string | null | undefined) ?? null),
      fields,
      values: fields.map((f) => rows.map((r) => this.value(r, f) ?? null)),
      warnings: [],
    };
  }
}

/** `/api/compare` from the runs' own answers, by the library's compareRuns (the CLI's rules). */
export function compareFromRuns(runs: RunAnswer[], all: boolean): CompareAnswer {
  const manifests = runs.map((r) => r.run as unknown as RunManifest);
  const c = compareRuns(manifests, { all });
  return { runs: c.runs, rows: c.rows, dataWarnings: dataWarnings(runs), warnings: [] };
}

/** The "different data" lines of `git-track diff`: each run's data inputs against the first run's. */
function dataWarnings(runs: RunAnswer[]): string[] {
  const [first, ...rest] = runs;
  if (!first) return [];
  const hashes = (r: RunAnswer) => new Map(r.data.filter((d) => d.path).map((d) => [d.path!, d.sha256 ?? d.label ?? '']));
  const a = hashes(first);
  const out: string[] = [];
  for (const other of rest) {
    const b = hashes(other);
    for (const path of new Set([...a.keys(), ...b.keys()])) {
      const x = a.get(path);
      const y = b.get(path);
      if (x === y) continue;
      const show = (h: string | undefined) => (h === undefined ? 'nothing' : h.slice(0, 8) + '…');
      out.push(`different data: ${path} has ${show(x)} in ${first.run.id.slice(0, 8)} and ${show(y)} in ${other.run.id.slice(0, 8)}`);
    }
  }
  return out;
}

function str(v: Param): string | undefined {
  return v === undefined || v === '' || v === false ? undefined : String(v);
}
