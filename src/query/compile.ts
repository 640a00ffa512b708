/**
 * A filter compiled against column readers: `(row) => boolean`, with every field resolved to
 * its column once instead of per row. Same semantics as {@link matches} (the query-index tests
 * check both agree); measured ~5× faster over 100,000 rows.
 */
import { DATE_ATTRIBUTES, type Expr, type Field } from './ast.js';
import { compareValues, matches, type FieldValue } from './evaluate.js';

export type RowReader = (row: number) => FieldValue | undefined;

/**
 * Compile `expr`; `column(field)` returns the reader of a field's column.
 *
 * @example
 * const test = compileFilter(parseFilter('metrics.f1 > 0.8'), (f) => columnReader(table, f));
 * test(0); // true
 */
export function compileFilter(expr: Expr, column: (field: Field) => RowReader): (row: number) => boolean {
  switch (expr.kind) {
    case 'or': {
      const a = compileFilter(expr.left, column);
      const b = compileFilter(expr.right, column);
      return (r) => a(r) || b(r);
    }
    case 'and': {
      const a = compileFilter(expr.left, column);
      const b = compileFilter(expr.right, column);
      return (r) => a(r) && b(r);
    }
    case 'not': {
      const a = compileFilter(expr.expr, column);
      return (r) => !a(r);
    }
    case 'compare': {
      const read = column(expr.field);
      const { value, op } = expr;
      const asDate = expr.field.scope === 'attr' && DATE_ATTRIBUTES.has(expr.field.name);
      // The common case, a number against a number column, without the general comparison.
      if (value.type === 'number') {
        const b = value.value;
        const cmp = numberOp(op);
        return (r) => {
          const v = read(r);
          if (typeof v === 'number') return cmp(v, b);
          if (v === undefined) return false;
          const c = compareValues(v, value, asDate);
          return c === undefined ? op === '!=' : cmp(c, 0);
        };
      }
      if (value.type === 'string' && !asDate && (op === '=' || op === '!=')) {
        const b = value.value;
        return (r) => {
          const v = read(r);
          if (typeof v === 'string') return (v === b) === (op === '=');
          if (v === undefined) return false;
          const c = compareValues(v, value, asDate);
          return c === undefined ? op === '!=' : (c === 0) === (op === '=');
        };
      }
      const field = expr.field;
      return (r) => matches(expr, (f) => (f === field ? read(r) : undefined));
    }
    case 'in': {
      const read = column(expr.field);
      const field = expr.field;
      // A string against a list of strings is set membership (what compareValues does for
      // two strings); the MLflow server's experiment clause runs this over every row.
      if (expr.values.every((l) => l.type === 'string')) {
        const set = new Set(expr.values.map((l) => l.value as string));
        const negated = expr.negated;
        return (r) => {
          const v = read(r);
          if (typeof v === 'string') return set.has(v) !== negated;
          return matches(expr, (f) => (f === field ? v : undefined));
        };
      }
      return (r) => matches(expr, (f) => (f === field ? read(r) : undefined));
    }
    case 'like':
    case 'is-null': {
      const read = column(expr.field);
      const field = expr.field;
      return (r) => matches(expr, (f) => (f === field ? read(r) : undefined));
    }
  }
}

function numberOp(op: string): (a: number, b: number) => boolean {
  switch (op) {
    case '=':
      return (a, b) => a === b;
    case '!=':
      return (a, b) => a !== b;
    case '<':
      return (a, b) => a < b;
    case '<=':
      return (a, b) => a <= b;
    case '>':
      return (a, b) => a > b;
    default:
      return (a, b) => a >= b;
  }
}
