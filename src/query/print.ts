/**
 * A filter's syntax tree written back as text that parses to the same tree (the property the
 * parser's tests check), with parentheses only where precedence needs them.
 */
import { fieldKey, resolveField, type Expr, type Field, type Literal } from './ast.js';

const PRECEDENCE: Record<Expr['kind'], number> = { or: 1, and: 2, not: 3, compare: 4, like: 4, in: 4, 'is-null': 4 };

/**
 * Print a filter.
 *
 * @example
 * printFilter(parseFilter("metrics.f1>0.8 and not params.x='y'")); // "metrics.f1 > 0.8 AND NOT params.x = 'y'"
 */
export function printFilter(expr: Expr): string {
  switch (expr.kind) {
    case 'or':
    case 'and': {
      const p = PRECEDENCE[expr.kind];
      const left = wrap(expr.left, PRECEDENCE[expr.left.kind] < p);
      // Left-associative: a right operand of the same operator needs parentheses.
      const right = wrap(expr.right, PRECEDENCE[expr.right.kind] <= p);
      return `${left} ${expr.kind.toUpperCase()} ${right}`;
    }
    case 'not':
      return `NOT ${wrap(expr.expr, PRECEDENCE[expr.expr.kind] < PRECEDENCE.not)}`;
    case 'compare':
      return `${printField(expr.field)} ${expr.op} ${printLiteral(expr.value)}`;
    case 'like':
      return `${printField(expr.field)} ${expr.negated ? 'NOT ' : ''}${expr.caseInsensitive ? 'ILIKE' : 'LIKE'} ${quote(expr.pattern)}`;
    case 'in':
      return `${printField(expr.field)} ${expr.negated ? 'NOT ' : ''}IN (${expr.values.map(printLiteral).join(', ')})`;
    case 'is-null':
      return `${printField(expr.field)} IS ${expr.negated ? 'NOT ' : ''}NULL`;
  }
}

function wrap(expr: Expr, needed: boolean): string {
  return needed ? `(${printFilter(expr)})` : printFilter(expr);
}

/** A field, backtick-quoted when its name would not read back as one bare word. */
export function printField(field: Field): string {
  const key = fieldKey(field);
  const bare = /^[^\s'"`()=!<>,]+$/.test(key) && !/^[+-]?[\d.]/.test(key) && !/^(?:and|or|not|like|ilike|in|is|true|false|null)$/i.test(key);
  const back = resolveField(key);
  if (bare && back && back.scope === field.scope && back.name === field.name) return key;
  return `\`${key.replace(/[`\\]/g, (c) => `\\${c}`)}\``;
}

function printLiteral(value: Literal): string {
  switch (value.type) {
    case 'number':
      return Object.is(value.value, -0) ? '-0' : String(value.value);
    case 'string':
      return quote(value.value);
    case 'boolean':
      return String(value.value);
    case 'null':
      return 'null';
  }
}

function quote(s: string): string {
  return `'${s.replace(/['\\]/g, (c) => `\\${c}`)}'`;
}
