/**
 * Evaluating a filter against one run, seen through an accessor (a manifest or a row of the
 * query index). A missing field matches nothing, not even `!=`. Numbers compare as numbers
 * (a numeric string such as a tag value counts), dates as dates, strings by code point; a
 * list-valued param matches only `=`/`!=`/IN against its written form `[a, b]`.
 */
import { DATE_ATTRIBUTES, type Expr, type Field, type Literal } from './ast.js';
import { compileLike, type LikeMatcher } from './like.js';

export type FieldValue = number | string | boolean | null | FieldValue[];

/** Returns a field's value for the run being tested, or undefined when the run lacks it. */
export type FieldAccessor = (field: Field) => FieldValue | undefined;

/**
 * True when the run behind `get` matches `expr`.
 *
 * @example
 * matches(parseFilter('metrics.f1 > 0.8'), manifestAccessor(run)); // true
 */
export function matches(expr: Expr, get: FieldAccessor): boolean {
  switch (expr.kind) {
    case 'or':
      return matches(expr.left, get) || matches(expr.right, get);
    case 'and':
      return matches(expr.left, get) && matches(expr.right, get);
    case 'not':
      return !matches(expr.expr, get);
    case 'compare': {
      const v = get(expr.field);
      if (v === undefined) return false;
      const c = compareValues(v, expr.value, DATE_ATTRIBUTES.has(expr.field.name) && expr.field.scope === 'attr');
      if (c === undefined) return expr.op === '!=';
      switch (expr.op) {
        case '=':
          return c === 0;
        case '!=':
          return c !== 0;
        case '<':
          return c < 0;
        case '<=':
          return c <= 0;
        case '>':
          return c > 0;
        case '>=':
          return c >= 0;
      }
    }
    // falls through (unreachable: every op returns)
    case 'like': {
      const v = get(expr.field);
      if (v === undefined || v === null) return false;
      return likeMatcher(expr).test(valueText(v)) !== expr.negated;
    }
    case 'in': {
      const v = get(expr.field);
      if (v === undefined) return false;
      return expr.values.some((l) => compareValues(v, l, false) === 0) !== expr.negated;
    }
    case 'is-null': {
      const v = get(expr.field);
      return (v === undefined || v === null) !== expr.negated;
    }
  }
}

/**
 * Order of a run's value against a literal: negative, 0, positive, or undefined when they
 * cannot be ordered (different kinds).
 */
export function compareValues(v: FieldValue, literal: Literal, asDate: boolean): number | undefined {
  if (literal.type === 'null') return v === null ? 0 : undefined;
  if (v === null) return undefined;
  if (Array.isArray(v)) return literal.type === 'string' && valueText(v) === literal.value ? 0 : undefined;
  if (literal.type === 'boolean') return typeof v === 'boolean' ? Number(v) - Number(literal.value) : undefined;
  if (typeof v === 'boolean') return literal.type === 'string' && String(v) === literal.value ? 0 : undefined;
  if (asDate && typeof v === 'string' && literal.type === 'string') {
    const a = Date.parse(v);
    const b = Date.parse(literal.value);
    if (!Number.isNaN(a) && !Number.isNaN(b)) return Math.sign(a - b);
  }
  if (typeof v === 'string' && literal.type === 'string') return v < literal.value ? -1 : v > literal.value ? 1 : 0;
  // A number on one side: a numeric string on the other (a tag such as epoch=12) counts.
  const a = typeof v === 'number' ? v : numeric(v);
  const b = literal.type === 'number' ? literal.value : numeric(literal.value);
  return a !== undefined && b !== undefined ? Math.sign(a - b) : undefined;
}

// Unambiguous on purpose: `\d+\.?\d*` could split a run of digits two ways, and a
// 6,000-digit value that is not a number took 0.65 s a row to refuse (quadratic backtracking).
function numeric(s: string): number | undefined {
  if (!/^\s*[+-]?(?:\d+(?:\.\d*)?|\.\d+)(?:e[+-]?\d+)?\s*$/i.test(s)) return undefined;
  return Number(s);
}

/** A value as LIKE and list equality see it. */
export function valueText(v: FieldValue): string {
  if (Array.isArray(v)) return `[${v.map(valueText).join(', ')}]`;
  return String(v);
}

type LikeExpr = Extract<Expr, { kind: 'like' }>;

/** Compiled once per parsed filter; held by the tree, so a long-running server keeps none. */
const likeMatchers = new WeakMap<LikeExpr, LikeMatcher>();

function likeMatcher(expr: LikeExpr): LikeMatcher {
  let m = likeMatchers.get(expr);
  if (!m) {
    m = compileLike(expr.pattern, expr.caseInsensitive);
    likeMatchers.set(expr, m);
  }
  return m;
}
