import { describe, expect, it } from 'vitest';
import type { Expr, Field, Literal } from '../../src/query/ast.js';
import { GitTrackError } from '../../src/errors.js';
import { parseFilter } from '../../src/query/parse.js';
import { printFilter } from '../../src/query/print.js';
import { pick, rng, type Rng } from '../manifest/random.js';

function errorOf(source: string): GitTrackError {
  try {
    parseFilter(source);
  } catch (err) {
    if (err instanceof GitTrackError) return err;
    throw err;
  }
  throw new Error(`expected '${source}' to be refused`);
}

const NAMES = ['lr', 'f1', 'model.depth', 'a-b', 'x_1', 'weird name', "it's", 'back`tick', 'and', '1st', 'é', 'data/train.csv'];
const ATTRS = ['id', 'name', 'experiment', 'status', 'created', 'author', 'code.commit', 'code.branch', 'code.dirty'];

function randomField(r: Rng): Field {
  const scope = pick(r, ['params', 'metrics', 'tags', 'data', 'attr'] as const);
  return scope === 'attr' ? { scope, name: pick(r, ATTRS) } : { scope, name: pick(r, NAMES) };
}

function randomLiteral(r: Rng): Literal {
  switch (pick(r, ['number', 'string', 'boolean', 'null'] as const)) {
    case 'number':
      return { type: 'number', value: pick(r, [0, 1, -1, 0.5, 1e-9, -3.25e21, 42, Math.PI]) };
    case 'string':
      return { type: 'string', value: pick(r, ['', 'xgb', "o'brien", 'back\\slash', '%like_', '2026-05-30', 'a "q"', 'ünï']) };
    case 'boolean':
      return { type: 'boolean', value: r() < 0.5 };
    case 'null':
      return { type: 'null' };
  }
}

function randomExpr(r: Rng, depth: number): Expr {
  const leaf = depth <= 0 || r() < 0.3;
  if (leaf) {
    const field = randomField(r);
    switch (pick(r, ['compare', 'like', 'in'] as const)) {
      case 'compare':
        return { kind: 'compare', field, op: pick(r, ['=', '!=', '<', '<=', '>', '>='] as const), value: randomLiteral(r) };
      case 'like':
        return { kind: 'like', field, pattern: pick(r, ['x%', '_y', "%o'b%", '']), caseInsensitive: r() < 0.5, negated: r() < 0.5 };
      case 'in':
        return { kind: 'in', field, values: Array.from({ length: 1 + Math.floor(r() * 3) }, () => randomLiteral(r)), negated: r() < 0.5 };
    }
  }
  const kind = pick(r, ['and', 'or', 'not'] as const);
  if (kind === 'not') return { kind, expr: randomExpr(r, depth - 1) };
  return { kind, left: randomExpr(r, depth - 1), right: randomExpr(r, depth - 1) };
}

describe('filter parser', () => {
  it('print → parse gives back the same tree, for 2,000 random trees', () => {
    const r = rng(7);
    for (let i = 0; i < 2000; i++) {
      const expr = randomExpr(r, 4);
      const text = printFilter(expr);
      expect(parseFilter(text), text).toEqual(expr);
      expect(printFilter(parseFilter(text))).toBe(text);
    }
  });

  it('binds NOT tighter than AND, and AND tighter than OR', () => {
    const a = 'params.a = 1';
    const b = 'params.b = 2';
    const c = 'params.c = 3';
    const [ea, eb, ec] = [a, b, c].map((s) => parseFilter(s)) as [Expr, Expr, Expr];
    expect(parseFilter(`${a} OR ${b} AND ${c}`)).toEqual({ kind: 'or', left: ea, right: { kind: 'and', left: eb, right: ec } });
    expect(parseFilter(`${a} AND ${b} OR ${c}`)).toEqual({ kind: 'or', left: { kind: 'and', left: ea, right: eb }, right: ec });
    expect(parseFilter(`NOT ${a} AND ${b}`)).toEqual({ kind: 'and', left: { kind: 'not', expr: ea }, right: eb });
    expect(parseFilter(`NOT ${a} OR NOT ${b} AND ${c}`)).toEqual({
      kind: 'or',
      left: { kind: 'not', expr: ea },
      right: { kind: 'and', left: { kind: 'not', expr: eb }, right: ec },
    });
    expect(parseFilter(`NOT (${a} OR ${b})`)).toEqual({ kind: 'not', expr: { kind: 'or', left: ea, right: eb } });
    // Random check: a flat chain groups AND-runs under OR, left to right.
    const r = rng(3);
    for (let i = 0; i < 200; i++) {
      const ops = Array.from({ length: 4 }, () => pick(r, ['AND', 'OR']));
      const text = [a, ...ops.flatMap((op, j) => [op, `params.x${j} = ${j}`])].join(' ');
      const groups = text.split(' OR ').map((g) => printFilter(parseFilter(g)));
      expect(printFilter(parseFilter(text))).toBe(groups.join(' OR '));
    }
  });

  it('reads MLflow-style filters', () => {
    expect(parseFilter("metrics.f1 >= 0.8 and params.model = 'xgb'")).toEqual({
      kind: 'and',
      left: { kind: 'compare', field: { scope: 'metrics', name: 'f1' }, op: '>=', value: { type: 'number', value: 0.8 } },
      right: { kind: 'compare', field: { scope: 'params', name: 'model' }, op: '=', value: { type: 'string', value: 'xgb' } },
    });
    expect(parseFilter('attributes.status = "failed"')).toEqual({
      kind: 'compare',
      field: { scope: 'attr', name: 'status' },
      op: '=',
      value: { type: 'string', value: 'failed' },
    });
    expect(parseFilter('`params.learning rate` < 1e-3')).toMatchObject({ field: { scope: 'params', name: 'learning rate' }, value: { value: 0.001 } });
    expect(parseFilter("tags.team NOT IN ('a', 'b')")).toMatchObject({ kind: 'in', negated: true });
    expect(parseFilter('code.dirty = false')).toMatchObject({ value: { type: 'boolean', value: false } });
    expect(parseFilter('metrics.loss > -0.5')).toMatchObject({ value: { type: 'number', value: -0.5 } });
  });

  it.each([
    ['metrics.f1 >', "filter: expected a value after '>' at column 13"],
    ['params.model = xgb', "filter: expected a value after '=', got 'xgb' (quote strings: 'xgb') at column 16"],
    ['metrics.f1 > 0.8 AND', 'filter: expected a field name, got the end at column 21'],
    ['f1 > 0.8', "filter: unknown field 'f1' (use params.X, metrics.X, tags.X, data.PATH or an attribute such as name, created, status) at column 1"],
    ['(metrics.f1 > 1', "filter: expected ')' to close the '(' at column 1, got the end at column 16"],
    ['metrics.f1 > 1)', "filter: unmatched ')' at column 15"],
    ["name = 'abc", 'filter: unterminated string starting at column 8'],
    ['metrics.f1 0.5', "filter: expected an operator (=, !=, <, <=, >, >=, LIKE, IN) after 'metrics.f1', got '0.5' at column 12"],
    ['name LIKE 5', "filter: expected a quoted pattern after 'LIKE', got '5' at column 11"],
    ['name IN 1', "filter: expected '(' after 'IN', got '1' at column 9"],
    ['metrics.f1 > 1 metrics.f1 < 2', "filter: expected AND, OR or the end, got 'metrics.f1' at column 16"],
  ])('%s → one line pointing at the column', (source, message) => {
    const err = errorOf(source);
    expect(err.code).toBe('USAGE');
    expect(err.message).toBe(message);
  });
});

describe('filter limits', () => {
  it('refuses a filter over MAX_FILTER_CHARS with one line pointing past the limit', () => {
    const err = errorOf(`name = '${'x'.repeat(10001)}'`);
    expect(err.code).toBe('USAGE');
    expect(err.message).toBe('filter: longer than the limit of 10,000 characters (MAX_FILTER_CHARS) at column 10001');
  });

  it('refuses parentheses and NOTs nested past MAX_NESTING_DEPTH at the column of the opener', () => {
    expect(errorOf(`${'('.repeat(4000)}name = 'a'${')'.repeat(4000)}`).message).toBe(
      'filter: nested deeper than 64 parentheses and NOTs (MAX_NESTING_DEPTH) at column 65',
    );
    expect(errorOf(`${'NOT '.repeat(2000)}name = 'a'`).message).toBe('filter: nested deeper than 64 parentheses and NOTs (MAX_NESTING_DEPTH) at column 257');
    expect(() => parseFilter(`${'('.repeat(64)}name = 'a'${')'.repeat(64)}`)).not.toThrow();
    expect(() => parseFilter(`${'NOT '.repeat(64)}name = 'a'`)).not.toThrow();
  });

  it('takes a chain of ANDs as long as the length limit allows', () => {
    const chain = Array.from({ length: 1200 }, (_, i) => `params.p${i} = 1`).join(' AND ').slice(0, 10000).replace(/ AND [^A]*$/, '');
    expect(() => printFilter(parseFilter(chain))).not.toThrow();
  });

  it('quotes at most 200 characters of an unknown field, on one line', () => {
    const err = errorOf(`\`bad\nfield${'y'.repeat(500)}\` = 1`);
    expect(err.message).not.toContain('\n');
    expect(err.message).toContain("unknown field 'bad\\nfield");
    expect(err.message).toContain('…\' (509 characters)');
  });
});
