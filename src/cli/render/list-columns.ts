/**
 * Which params and metrics `list` shows without `--columns`. A table shows those whose values
 * differ between the listed runs (all of a single run's), as many as fit the terminal, and
 * names what it left out; the machine formats (csv, md, yaml) never leave a column out.
 */
import type { Field } from '../../query/ast.js';
import type { FieldValue } from '../../query/evaluate.js';
import { MAX_CELL } from './table.js';

type Get = (field: Field) => FieldValue | undefined;

const ATTRS = ['id', 'name', 'created', 'status'];
const GAP = 2;
/** Omitted columns named in the "+N more" line; the rest are counted. */
const NAMED_OMITTED = 5;

export interface ListColumns {
  shown: Field[];
  /** Differing params and metrics that did not fit the width. */
  omitted: Field[];
}

export interface ColumnChoice {
  /** Every param and metric (machine formats), not only those that differ. */
  all: boolean;
  /** Terminal width to fit; undefined: no limit. */
  width?: number;
  /** A cell as the table prints it, to measure widths. */
  cell: (field: Field, value: FieldValue | undefined) => string;
  /** The header a column gets. */
  header: (field: Field) => string;
}

/**
 * The default columns of `list`: id, name, created, status, then params and metrics.
 *
 * @example
 * chooseListColumns(rows, ['params.lr', 'metrics.f1'], { all: false, width: 80, cell, header });
 */
export function chooseListColumns(rows: Get[], keys: string[], choice: ColumnChoice): ListColumns {
  const attrs: Field[] = ATTRS.map((name) => ({ scope: 'attr', name }));
  const params = candidates(rows, keys, 'params', choice.all);
  const metrics = candidates(rows, keys, 'metrics', choice.all);
  if (choice.width === undefined) return { shown: [...attrs, ...params, ...metrics], omitted: [] };
  const width = (f: Field): number => Math.min(MAX_CELL, Math.max(choice.header(f).length, ...rows.map((get) => choice.cell(f, get(f)).length))) + GAP;
  let used = attrs.reduce((sum, f) => sum + width(f), 0);
  // Params and metrics take turns, so a wide sweep cannot push every metric off the screen.
  const kept = new Set<Field>();
  const omitted: Field[] = [];
  for (let i = 0; i < Math.max(params.length, metrics.length); i++) {
    for (const f of [params[i], metrics[i]]) {
      if (!f) continue;
      const w = width(f);
      if (omitted.length === 0 && used + w <= choice.width + GAP) {
        kept.add(f);
        used += w;
      } else omitted.push(f);
    }
  }
  return { shown: [...attrs, ...params.filter((f) => kept.has(f)), ...metrics.filter((f) => kept.has(f))], omitted };
}

/**
 * The line under a table that left columns out.
 *
 * @example
 * omittedLine([{ scope: 'params', name: 'seed' }]); // '+1 more: use --columns (params.seed)'
 */
export function omittedLine(omitted: Field[]): string {
  const names = omitted.slice(0, NAMED_OMITTED).map((f) => `${f.scope}.${f.name}`);
  const rest = omitted.length > NAMED_OMITTED ? ', …' : '';
  return `+${omitted.length} more: use --columns (${names.join(', ')}${rest})`;
}

/** A scope's fields, in name order: those that differ between the rows, or all of them. */
function candidates(rows: Get[], keys: string[], scope: 'params' | 'metrics', all: boolean): Field[] {
  const prefix = `${scope}.`;
  const names = keys.filter((k) => k.startsWith(prefix)).map((k) => k.slice(prefix.length)).sort();
  const out: Field[] = [];
  for (const name of names) {
    const field: Field = { scope, name };
    const seen = new Set<string>();
    let missing = false;
    for (const get of rows) {
      const v = get(field);
      if (v === undefined) missing = true;
      else seen.add(JSON.stringify(v));
      if (seen.size > 1) break;
    }
    if (seen.size === 0) continue;
    if (all || rows.length === 1 || seen.size > 1 || missing) out.push(field);
  }
  return out;
}
