/**
 * The filter parser: tokens → {@link Expr}. Precedence, tightest first: comparisons, NOT, AND,
 * OR; AND and OR associate to the left. Keywords are case-insensitive.
 *
 * ```
 * or      := and (OR and)*
 * and     := unary (AND unary)*
 * unary   := NOT unary | '(' or ')' | predicate
 * predicate := field op value | field [NOT] (LIKE | ILIKE) string | field [NOT] IN '(' value, … ')'
 *            | field IS [NOT] NULL
 * ```
 */
import { GitTrackError, quoteInput } from '../errors.js';
import { MAX_FILTER_CHARS, MAX_NESTING_DEPTH } from '../limits.js';
import { resolveField, type CompareOp, type Expr, type Field, type Literal } from './ast.js';
import { filterError, tokenize, type Token } from './tokenize.js';

const KEYWORDS = new Set(['and', 'or', 'not', 'like', 'ilike', 'in', 'is', 'true', 'false', 'null']);

/**
 * Parse a filter expression. Throws USAGE with one line pointing at the offending column.
 *
 * @example
 * parseFilter("metrics.f1 > 0.8 AND params.model = 'xgb'");
 * parseFilter('metrics.f1 >'); // throws "filter: expected a value after '>' at column 13"
 */
export function parseFilter(source: string): Expr {
  // Filters also arrive from the network: bound the text before reading any of it.
  if (source.length > MAX_FILTER_CHARS) {
    throw filterError(`longer than the limit of ${MAX_FILTER_CHARS.toLocaleString('en-US')} characters (MAX_FILTER_CHARS)`, MAX_FILTER_CHARS + 1);
  }
  const parser = new Parser(tokenize(source));
  const expr = parser.or();
  const end = parser.peek();
  if (end.type !== 'end') {
    throw filterError(end.type === 'rparen' ? "unmatched ')'" : `expected AND, OR or the end, got ${describe(end)}`, end.column);
  }
  return expr;
}

/**
 * Parse a field name as written in `--sort` and `--columns`.
 *
 * @example
 * parseFieldName('metrics.f1'); // { scope: 'metrics', name: 'f1' }
 */
export function parseFieldName(text: string, what = 'field'): Field {
  if (text.length > MAX_FILTER_CHARS) {
    throw new GitTrackError('USAGE', `${what}: longer than the limit of ${MAX_FILTER_CHARS.toLocaleString('en-US')} characters (MAX_FILTER_CHARS)`);
  }
  const unquoted = text.startsWith('`') ? tokenize(text)[0]!.text : text;
  const field = resolveField(unquoted);
  if (!field) {
    throw new GitTrackError('USAGE', `${what}: unknown field ${quoteInput(text)} (use params.X, metrics.X, tags.X, data.PATH or an attribute such as name, created, status)`, { field: text });
  }
  return field;
}

class Parser {
  private pos = 0;
  /** Open parentheses and NOTs around the current token: the parser and evaluator recurse on them. */
  private depth = 0;
  constructor(private readonly tokens: Token[]) {}

  peek(): Token {
    return this.tokens[this.pos]!;
  }

  private next(): Token {
    return this.tokens[this.pos++]!;
  }

  private keyword(word: string): boolean {
    const t = this.peek();
    if (t.type === 'word' && !t.quoted && t.text.toLowerCase() === word) {
      this.pos++;
      return true;
    }
    return false;
  }

  or(): Expr {
    let left = this.and();
    while (this.keyword('or')) left = { kind: 'or', left, right: this.and() };
    return left;
  }

  private and(): Expr {
    let left = this.unary();
    while (this.keyword('and')) left = { kind: 'and', left, right: this.unary() };
    return left;
  }

  private unary(): Expr {
    const t = this.peek();
    if (this.keyword('not')) return { kind: 'not', expr: this.nested(t, () => this.unary()) };
    if (t.type === 'lparen') {
      this.pos++;
      const inner = this.nested(t, () => this.or());
      const close = this.next();
      if (close.type !== 'rparen') throw filterError(`expected ')' to close the '(' at column ${t.column}, got ${describe(close)}`, close.column);
      return inner;
    }
    return this.predicate();
  }

  private nested<T>(opener: Token, parse: () => T): T {
    if (++this.depth > MAX_NESTING_DEPTH) {
      throw filterError(`nested deeper than ${MAX_NESTING_DEPTH} parentheses and NOTs (MAX_NESTING_DEPTH)`, opener.column);
    }
    const inner = parse();
    this.depth--;
    return inner;
  }

  private predicate(): Expr {
    const t = this.next();
    if (t.type !== 'word' || (!t.quoted && KEYWORDS.has(t.text.toLowerCase()))) {
      throw filterError(`expected a field name, got ${describe(t)}`, t.column);
    }
    const field = resolveField(t.text);
    if (!field) {
      throw filterError(`unknown field ${quoteInput(t.text)} (use params.X, metrics.X, tags.X, data.PATH or an attribute such as name, created, status)`, t.column);
    }
    if (this.keyword('is')) {
      const negated = this.keyword('not');
      if (!this.keyword('null')) throw filterError(`expected NULL after IS${negated ? ' NOT' : ''}, got ${describe(this.peek())}`, this.peek().column);
      return { kind: 'is-null', field, negated };
    }
    const negated = this.keyword('not');
    if (this.keyword('like')) return this.like(field, negated, false);
    if (this.keyword('ilike')) return this.like(field, negated, true);
    if (this.keyword('in')) return this.in(field, negated);
    const op = this.next();
    if (negated) throw filterError(`expected LIKE or IN after NOT, got ${describe(op)}`, op.column);
    if (op.type !== 'op') throw filterError(`expected an operator (=, !=, <, <=, >, >=, LIKE, IN) after ${quoteInput(t.text)}, got ${describe(op)}`, op.column);
    return { kind: 'compare', field, op: op.text as CompareOp, value: this.value(op) };
  }

  private like(field: Field, negated: boolean, caseInsensitive: boolean): Expr {
    const keyword = this.tokens[this.pos - 1]!;
    const t = this.next();
    if (t.type !== 'string') throw filterError(`expected a quoted pattern after '${keyword.text}', got ${describe(t)}`, t.column);
    return { kind: 'like', field, pattern: t.text, caseInsensitive, negated };
  }

  private in(field: Field, negated: boolean): Expr {
    const keyword = this.tokens[this.pos - 1]!;
    const open = this.next();
    if (open.type !== 'lparen') throw filterError(`expected '(' after '${keyword.text}', got ${describe(open)}`, open.column);
    const values: Literal[] = [this.value(open)];
    for (;;) {
      const t = this.next();
      if (t.type === 'rparen') break;
      if (t.type !== 'comma') throw filterError(`expected ',' or ')' in the IN list, got ${describe(t)}`, t.column);
      values.push(this.value(t));
    }
    return { kind: 'in', field, values, negated };
  }

  private value(after: Token): Literal {
    const t = this.next();
    if (t.type === 'number') return { type: 'number', value: Number(t.text) };
    if (t.type === 'string') return { type: 'string', value: t.text };
    if (t.type === 'word' && !t.quoted) {
      const w = t.text.toLowerCase();
      if (w === 'true' || w === 'false') return { type: 'boolean', value: w === 'true' };
      if (w === 'null') return { type: 'null' };
    }
    const hint = t.type === 'word' && !KEYWORDS.has(t.text.toLowerCase()) ? ` (quote strings: ${quoteInput(t.text)})` : '';
    throw filterError(`expected a value after '${after.text}'${t.type === 'end' ? '' : `, got ${describe(t)}${hint}`}`, t.column);
  }
}

function describe(t: Token): string {
  if (t.type === 'end') return 'the end';
  return quoteInput(t.text);
}
