/**
 * Tokens of the filter language. Positions are 1-based columns, so an error can point at them.
 */
import { GitTrackError, quoteInput } from '../errors.js';

export type TokenType = 'word' | 'number' | 'string' | 'op' | 'lparen' | 'rparen' | 'comma' | 'end';

export interface Token {
  type: TokenType;
  /** The word, the operator, the decoded string, or the number's source text. */
  text: string;
  /** True for a backtick-quoted word: never a keyword. */
  quoted?: boolean;
  column: number;
}

const OPERATORS = ['<=', '>=', '!=', '<>', '==', '=', '<', '>'];
/** Characters that end a bare word: whitespace, quotes, operators, parentheses, commas. */
const WORD_END = /[\s'"`()=!<>,]/;
const NUMBER = /^[+-]?(?:\d+(?:\.\d*)?|\.\d+)(?:e[+-]?\d+)?/i;

/**
 * Split a filter into tokens; throws USAGE pointing at an unterminated quote or a stray character.
 *
 * @example
 * tokenize('metrics.f1 > 0.8').map((t) => t.text); // ['metrics.f1', '>', '0.8', '']
 */
export function tokenize(source: string): Token[] {
  const tokens: Token[] = [];
  let i = 0;
  while (i < source.length) {
    const c = source[i]!;
    const column = i + 1;
    if (/\s/.test(c)) {
      i++;
      continue;
    }
    if (c === '(' || c === ')' || c === ',') {
      tokens.push({ type: c === '(' ? 'lparen' : c === ')' ? 'rparen' : 'comma', text: c, column });
      i++;
      continue;
    }
    const op = OPERATORS.find((o) => source.startsWith(o, i));
    if (op) {
      tokens.push({ type: 'op', text: op === '==' ? '=' : op === '<>' ? '!=' : op, column });
      i += op.length;
      continue;
    }
    if (c === "'" || c === '"' || c === '`') {
      const [text, next] = readQuoted(source, i);
      tokens.push(c === '`' ? { type: 'word', text, quoted: true, column } : { type: 'string', text, column });
      i = next;
      continue;
    }
    const number = NUMBER.exec(source.slice(i));
    if (number && (i + number[0].length === source.length || WORD_END.test(source[i + number[0].length]!))) {
      tokens.push({ type: 'number', text: number[0], column });
      i += number[0].length;
      continue;
    }
    let j = i;
    while (j < source.length && !WORD_END.test(source[j]!)) j++;
    if (j === i) throw filterError(`unexpected ${quoteInput(c)}`, column);
    tokens.push({ type: 'word', text: source.slice(i, j), column });
    i = j;
  }
  tokens.push({ type: 'end', text: '', column: source.length + 1 });
  return tokens;
}

/** A quoted string or field: the quote doubled or a backslash escapes it. */
function readQuoted(source: string, start: number): [string, number] {
  const quote = source[start]!;
  let out = '';
  let i = start + 1;
  while (i < source.length) {
    const c = source[i]!;
    if (c === '\\' && i + 1 < source.length) {
      out += source[i + 1];
      i += 2;
    } else if (c === quote && source[i + 1] === quote) {
      out += quote;
      i += 2;
    } else if (c === quote) {
      return [out, i + 1];
    } else {
      out += c;
      i++;
    }
  }
  throw filterError(`unterminated ${quote === '`' ? 'quoted field' : 'string'} starting`, start + 1);
}

/**
 * The one error line of a bad filter.
 *
 * @example
 * filterError("expected a value after '>'", 14).message; // "filter: expected a value after '>' at column 14"
 */
export function filterError(what: string, column: number): GitTrackError {
  return new GitTrackError('USAGE', `filter: ${what} at column ${column}`, { column });
}
