/**
 * Fields a filter or sort names that no run has: most often a typo (`metrics.f11`), which
 * would otherwise silently match nothing or leave the order unchanged.
 */
import type { Expr, Field } from './ast.js';
import { fieldKey } from './ast.js';
import { nearestNames } from '../runs/nearest-names.js';

/** Scopes whose names are open-ended (attributes are a fixed list, checked when parsed). */
const OPEN_SCOPES = new Set(['params', 'metrics', 'tags']);

/**
 * Every field an expression names.
 *
 * @example
 * fieldsOf(parseFilter('metrics.f1 > 0.8 AND params.lr < 0.1')); // [{ scope: 'metrics', … }, { scope: 'params', … }]
 */
export function fieldsOf(expr: Expr): Field[] {
  switch (expr.kind) {
    case 'or':
    case 'and':
      return [...fieldsOf(expr.left), ...fieldsOf(expr.right)];
    case 'not':
      return fieldsOf(expr.expr);
    default:
      return [expr.field];
  }
}

export interface UnknownField {
  field: string;
  /** Known fields of the same scope spelled closest to it. */
  nearest: string[];
}

/**
 * The params, metrics and tags among `fields` that are not in `known` (field keys such as
 * `metrics.f1`), each with the nearest known names.
 *
 * @example
 * unknownFields([{ scope: 'metrics', name: 'f11' }], ['metrics.f1']); // [{ field: 'metrics.f11', nearest: ['metrics.f1'] }]
 */
export function unknownFields(fields: Field[], known: Iterable<string>): UnknownField[] {
  const keys = [...known];
  const has = new Set(keys);
  const out = new Map<string, UnknownField>();
  for (const field of fields) {
    const key = fieldKey(field);
    if (!OPEN_SCOPES.has(field.scope) || has.has(key) || out.has(key)) continue;
    const prefix = `${field.scope}.`;
    const sameScope = keys.filter((k) => k.startsWith(prefix)).map((k) => k.slice(prefix.length));
    out.set(key, { field: key, nearest: nearestNames(sameScope, field.name).map((n) => `${prefix}${n}`) });
  }
  return [...out.values()];
}
