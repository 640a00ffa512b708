/**
 * Cheap scans of JSON and YAML text that run before a parser sees it. Parsers and the code
 * after them recurse once per level, and the `yaml` package spends seconds on a few MB of
 * `[[[[…` before giving up with "Maximum call stack size exceeded"; a linear scan refuses
 * such input in milliseconds with one line naming the limit. The JSON scan also finds
 * integers that a double would round (JSON.parse would do so without a word).
 */
import { GitTrackError } from '../errors.js';
import { MAX_INPUT_ENTRIES, MAX_NESTING_DEPTH } from '../limits.js';

/**
 * The error for input nested past {@link MAX_NESTING_DEPTH}.
 *
 * @example
 * tooDeep('params.json', 'line 3, column 7').message;
 */
export function tooDeep(source: string, at: string): GitTrackError {
  return new GitTrackError('BAD_INPUT', `${source}: ${at}: nested deeper than ${MAX_NESTING_DEPTH} levels (MAX_NESTING_DEPTH)`, { source });
}

/**
 * The error for a file of more than {@link MAX_INPUT_ENTRIES} entries.
 *
 * @example
 * tooManyEntries('params.yaml').message;
 */
export function tooManyEntries(source: string): GitTrackError {
  return new GitTrackError(
    'BAD_INPUT',
    `${source}: more than ${MAX_INPUT_ENTRIES.toLocaleString('en-US')} entries (MAX_INPUT_ENTRIES)`,
    { source },
  );
}

/**
 * The error for an integer a double cannot hold exactly.
 *
 * @example
 * unsafeInteger('-p seed', '9007199254740993').message;
 */
export function unsafeInteger(where: string, digits: string): GitTrackError {
  const shown = digits.length > 40 ? `${digits.slice(0, 40)}… (${digits.length} digits)` : digits;
  return new GitTrackError(
    'BAD_INPUT',
    `${where}: the integer ${shown} cannot be stored exactly (beyond ±2^53, a double would round it); quote it to keep it as text`,
    { where },
  );
}

/**
 * True when an integer literal (`-12`, `+007`, `0x1f`, `0o17`) would not read back as itself
 * through a double: its exact value is not the double's, and it is not the shortest form of
 * that double either (which is how a large double such as 1e20 or -3.7e18 is written, and
 * reads back unchanged). `9007199254740993` is rounded; `18446744073709551616` (2^64) and
 * `-3719082362949848000` are not.
 *
 * @example
 * isRoundedInteger('9007199254740993'); // true
 * isRoundedInteger('9007199254740992'); // false
 */
export function isRoundedInteger(text: string): boolean {
  const m = /^([-+]?)(?:0x([0-9a-fA-F]+)|0o([0-7]+)|([0-9]+))$/.exec(text);
  if (!m) return false;
  const body = m[2] ?? m[3] ?? m[4]!;
  const digits = body.replace(/^0+/, '');
  if (m[4] !== undefined && digits.length < 16) return false;
  // Past 330 digits even a double is Infinity: rounded, and not worth a BigInt of 4 MB.
  if (digits.length > 330) return true;
  const radix = m[2] !== undefined ? '0x' : m[3] !== undefined ? '0o' : '';
  const exact = BigInt(`${radix}${digits || '0'}`) * (m[1] === '-' ? -1n : 1n);
  const d = Number(exact);
  if (!Number.isFinite(d)) return true;
  return BigInt(d) !== exact && String(d) !== exact.toString();
}

/**
 * Checks JSON text: nesting within {@link MAX_NESTING_DEPTH}, at most {@link MAX_INPUT_ENTRIES}
 * entries, and no integer a double rounds.
 * Does not validate the syntax (JSON.parse does, after).
 *
 * @throws GitTrackError BAD_INPUT with the line and column
 * @example
 * checkJsonText('{"a": [1, 2]}', 'params.json'); // ok
 */
export function checkJsonText(text: string, source: string): void {
  let depth = 0;
  let entries = 0;
  const n = text.length;
  for (let i = 0; i < n; i++) {
    const c = text.charCodeAt(i);
    if (c === 0x22 /* " */) {
      for (i++; i < n; i++) {
        const d = text.charCodeAt(i);
        if (d === 0x5c) i++;
        else if (d === 0x22) break;
      }
    } else if (c === 0x5b || c === 0x7b) {
      if (++depth > MAX_NESTING_DEPTH) throw tooDeep(source, position(text, i));
      // A collection's first entry; each comma adds one more.
      if (++entries > MAX_INPUT_ENTRIES) throw tooManyEntries(source);
    } else if (c === 0x5d || c === 0x7d) {
      depth--;
    } else if (c === 0x2c /* , */) {
      if (++entries > MAX_INPUT_ENTRIES) throw tooManyEntries(source);
    } else if (c === 0x2d || (c >= 0x30 && c <= 0x39)) {
      let j = i + 1;
      while (j < n && text.charCodeAt(j) >= 0x30 && text.charCodeAt(j) <= 0x39) j++;
      const next = text[j];
      const integer = next !== '.' && next !== 'e' && next !== 'E';
      if (integer && isRoundedInteger(text.slice(i, j))) throw unsafeInteger(`${source}: ${position(text, i)}`, text.slice(i, j));
      // The fraction and exponent belong to this number: their digits are no integer of their own.
      while (j < n && /[0-9.eE+-]/.test(text[j]!)) j++;
      i = j - 1;
    }
  }
}

/**
 * Checks YAML text for nesting beyond {@link MAX_NESTING_DEPTH} (indentation levels, `- `
 * entries on one line and flow brackets together) and for more than {@link MAX_INPUT_ENTRIES}
 * entries (lines and flow commas). It over-counts only in odd cases (a block
 * scalar's text full of brackets); the parsed document is checked again exactly.
 *
 * @throws GitTrackError BAD_INPUT with the line
 * @example
 * checkYamlDepth('a:\n  b: [1, [2]]\n', 'params.yaml'); // ok
 */
export function checkYamlDepth(text: string, source: string): void {
  const indents: number[] = [];
  let flow = 0;
  let blockScalarIndent = -1;
  let line = 0;
  // Lines and flow commas: at least the entries there are, and cheap to count.
  let entries = 0;
  for (let start = 0; start <= text.length; ) {
    let end = text.indexOf('\n', start);
    if (end === -1) end = text.length;
    line++;
    let i = start;
    while (i < end && text.charCodeAt(i) === 0x20) i++;
    const indent = i - start;
    const blank = i === end || text[i] === '#' || text[i] === '\r';
    if (blockScalarIndent >= 0 && (blank || indent > blockScalarIndent)) {
      start = end + 1;
      continue;
    }
    blockScalarIndent = -1;
    if (blank) {
      start = end + 1;
      continue;
    }
    if (++entries > MAX_INPUT_ENTRIES) throw tooManyEntries(source);
    let depth = flow;
    if (flow === 0) {
      while (indents.length > 0 && indents[indents.length - 1]! > indent) indents.pop();
      if (indents.length === 0 || indents[indents.length - 1]! < indent) indents.push(indent);
      depth = indents.length;
    }
    let valueStart = true;
    for (; i < end; i++) {
      const c = text[i]!;
      if (c === ' ' || c === '\t' || c === '\r') continue;
      if (c === '#' && (i === start || text[i - 1] === ' ')) break;
      if (valueStart && (c === '"' || c === "'")) {
        i = skipQuoted(text, i, end);
        valueStart = false;
        continue;
      }
      // Only structure sets up a new value: inside a plain scalar (`x[1`) brackets are text.
      const wasStart = valueStart;
      valueStart = false;
      if ((c === '[' || c === '{') && (wasStart || flow > 0)) {
        flow++;
        depth++;
        valueStart = true;
      } else if ((c === ']' || c === '}') && flow > 0) {
        flow--;
      } else if (c === ',' && flow > 0) {
        valueStart = true;
        if (++entries > MAX_INPUT_ENTRIES) throw tooManyEntries(source);
      } else if (c === '-' && wasStart && flow === 0 && (i + 1 === end || text[i + 1] === ' ')) {
        depth++;
        valueStart = true;
      } else if (c === ':' && (flow > 0 || i + 1 === end || text[i + 1] === ' ')) {
        valueStart = true;
      } else if (c === '?' && wasStart) {
        valueStart = true;
      } else if ((c === '|' || c === '>') && wasStart && flow === 0) {
        blockScalarIndent = indent;
        break;
      }
      if (depth > MAX_NESTING_DEPTH) throw tooDeep(source, `line ${line}`);
    }
    if (depth > MAX_NESTING_DEPTH) throw tooDeep(source, `line ${line}`);
    start = end + 1;
  }
}

/** Skips a quoted scalar on one line; returns the index of its closing quote (or the line end). */
function skipQuoted(text: string, at: number, end: number): number {
  const q = text[at]!;
  for (let i = at + 1; i < end; i++) {
    if (q === '"' && text[i] === '\\') i++;
    else if (text[i] === q) {
      if (q === "'" && text[i + 1] === "'") i++;
      else return i;
    }
  }
  return end;
}

function position(text: string, offset: number): string {
  let line = 1;
  let lineStart = 0;
  for (let i = text.indexOf('\n'); i !== -1 && i < offset; i = text.indexOf('\n', i + 1)) {
    line++;
    lineStart = i + 1;
  }
  return `line ${line}, column ${offset - lineStart + 1}`;
}
