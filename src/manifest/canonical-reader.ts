/**
 * A strict reader for exactly the YAML that `encodeManifest` writes: top-level `key: value`
 * lines, block maps and block sequences of maps one level down, flow sequences of scalars,
 * double-quoted strings, and block literals. It returns `undefined` at the first thing outside
 * that shape and the caller falls back to the `yaml` package, so it never has to be a YAML
 * parser — only to agree with one on what it accepts (the tests check that on fuzzed input).
 *
 * Why it exists: `yaml` takes 1.2–1.9 ms per typical manifest, this ~50 µs, and a cold query
 * reads every manifest on the branch.
 */
import { isPlainSafe, LITERAL_CHARS, resolvePlain } from './scalars.js';
import { isRoundedInteger } from './nesting.js';

type Value = unknown;
const FAIL = Symbol('fail');
type Maybe<T> = T | typeof FAIL;

/** Reads a double-quoted scalar starting at `start`; returns the string and the index after it. */
function readQuoted(s: string, start: number): Maybe<[string, number]> {
  let i = start + 1;
  let plain = true;
  while (i < s.length) {
    const c = s.charCodeAt(i);
    if (c === 0x5c) (i += 2), (plain = false);
    else if (c === 0x22) break;
    else {
      if (c < 0x20) plain = false;
      i++;
    }
  }
  if (i >= s.length) return FAIL;
  // No escape and no control character: JSON.parse would return the text between the quotes.
  if (plain) return [s.slice(start + 1, i), i + 1];
  try {
    // JSON string syntax is a subset of YAML double-quoted syntax with the same meaning; what
    // JSON rejects (YAML-only escapes like \x41, raw tabs) goes to the full parser.
    return [JSON.parse(s.slice(start, i + 1)) as string, i + 1];
  } catch {
    return FAIL;
  }
}

function readScalar(text: string, flow: boolean): Maybe<Value> {
  if (text.charCodeAt(0) === 0x22) {
    const q = readQuoted(text, 0);
    return q !== FAIL && q[1] === text.length ? q[0] : FAIL;
  }
  const quick = commonPlain(text, flow);
  if (quick !== undefined) return quick;
  return isPlainSafe(text, flow) ? exactPlain(text) : FAIL;
}

const isDigit = (c: number) => c >= 0x30 && c <= 0x39;
/**
 * Per ASCII code, 1 for letters, digits and `_ - . / @ +` and space: what a plain word may hold
 * and stay plain in any context (a table: a sha256 is 64 of them to check).
 */
const WORD = new Uint8Array(128);
for (const c of 'abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_-./@+ ') WORD[c.charCodeAt(0)] = 1;

/**
 * The value of the plain scalars manifests are made of (words, names with spaces, decimal
 * numbers) by one pass over their characters, or undefined for anything else, which takes the
 * general checks. A cold index reads ~80 scalars a manifest; the regexes of isPlainSafe and
 * resolvePlain on each were most of this reader's time. What this accepts is plain-safe in
 * block and flow context alike (no `:`, `#`, `,`, brackets; no leading indicator or space),
 * and its value is resolvePlain's: the same parseInt/parseFloat calls on the same text.
 */
function commonPlain(text: string, flow: boolean): Value | undefined {
  const n = text.length;
  if (n === 0) return undefined;
  const c0 = text.charCodeAt(0);
  if (isDigit(c0) || c0 === 0x2d) {
    const number = commonNumber(text);
    if (number !== undefined || c0 === 0x2d) return number ?? undefined;
    // Other digit-first words (versions, dates) are strings, but for 0x… and 0o… (numbers).
    const c1 = text.charCodeAt(1);
    if (c0 === 0x30 && (c1 === 0x78 || c1 === 0x6f)) return undefined;
    return wordLike(text, flow) ? text : undefined;
  }
  if (!((c0 >= 0x61 && c0 <= 0x7a) || (c0 >= 0x41 && c0 <= 0x5a) || c0 === 0x5f) || !wordLike(text, flow)) return undefined;
  // Words that resolve to null or a boolean start with one of these.
  return c0 === 0x6e || c0 === 0x4e || c0 === 0x74 || c0 === 0x54 || c0 === 0x66 || c0 === 0x46 ? resolvePlain(text) : text;
}

/**
 * Word characters and spaces throughout, not ending in a space; in block context also `:`
 * when neither last nor followed by a space (`2026-01-01T00:00:00Z`).
 */
function wordLike(text: string, flow: boolean): boolean {
  const n = text.length;
  if (text.charCodeAt(n - 1) === 0x20 || text.charCodeAt(n - 1) === 0x3a) return false;
  for (let i = 1; i < n; i++) {
    const c = text.charCodeAt(i);
    if (c < 128 && WORD[c] === 1) continue;
    if (c === 0x3a && !flow && text.charCodeAt(i + 1) !== 0x20) continue;
    return false;
  }
  return true;
}

/**
 * `text` as a number when it has one of the forms CORE_INT and CORE_FLOAT share
 * (`[-]digits[.digits][e[-+]digits]`); null for an integer of 16 digits or more, which may not
 * fit a double exactly (exactPlain decides); undefined when it is not of those forms.
 */
function commonNumber(text: string): number | null | undefined {
  const n = text.length;
  let i = text.charCodeAt(0) === 0x2d ? 1 : 0;
  const digits = i;
  while (i < n && isDigit(text.charCodeAt(i))) i++;
  if (i === digits) return undefined;
  if (i === n) return n - digits < 16 ? parseInt(text, 10) : null;
  if (text.charCodeAt(i) === 0x2e) for (i++; i < n && isDigit(text.charCodeAt(i)); ) i++;
  if (i < n && (text.charCodeAt(i) | 0x20) === 0x65) {
    i++;
    if (i < n && (text.charCodeAt(i) === 0x2d || text.charCodeAt(i) === 0x2b)) i++;
    const exp = i;
    while (i < n && isDigit(text.charCodeAt(i))) i++;
    if (i === exp) return undefined;
  }
  return i === n ? parseFloat(text) : undefined;
}

/**
 * A plain scalar's value, or FAIL for an integer a double would round: the general reader then
 * refuses it with its line instead of this one reading it rounded.
 */
function exactPlain(text: string): Value | typeof FAIL {
  const v = resolvePlain(text);
  return typeof v === 'number' && Number.isInteger(v) && !Number.isSafeInteger(v) && isRoundedInteger(text) ? FAIL : v;
}

function readFlowSeq(text: string): Maybe<Value[]> {
  const items: Value[] = [];
  if (text === '[]') return items;
  let i = 1;
  for (;;) {
    let item: Value;
    if (text.charCodeAt(i) === 0x22) {
      const q = readQuoted(text, i);
      if (q === FAIL) return FAIL;
      [item, i] = q;
    } else {
      let j = i;
      while (j < text.length && text[j] !== ',' && text[j] !== ']') j++;
      const token = text.slice(i, j);
      const quick = commonPlain(token, true);
      const plain = quick !== undefined ? quick : isPlainSafe(token, true) ? exactPlain(token) : FAIL;
      if (plain === FAIL) return FAIL;
      item = plain;
      i = j;
    }
    items.push(item);
    if (text[i] === ']') return i === text.length - 1 ? items : FAIL;
    if (text[i] !== ',' || text[i + 1] !== ' ') return FAIL;
    i += 2;
  }
}

/** The value after `key: ` on one line: a scalar, a flow sequence or `{}`. */
function readInline(text: string): Maybe<Value> {
  const c = text.charCodeAt(0);
  if (c === 0x5b /* [ */) return text.charCodeAt(text.length - 1) === 0x5d ? readFlowSeq(text) : FAIL;
  if (c === 0x7b /* { */) return text === '{}' ? {} : FAIL;
  return readScalar(text, false);
}

/**
 * Splits `key: rest` where the key starts at `at`. Returns the key and what follows the colon
 * ('' for a block value, ' value' otherwise).
 */
function splitKey(line: string, at: number): Maybe<[string, string]> {
  const c = line.charCodeAt(at);
  if (c === 0x22) {
    const q = readQuoted(line, at);
    if (q === FAIL || line[q[1]] !== ':') return FAIL;
    return [q[0], line.slice(q[1] + 1)];
  }
  let colon = line.indexOf(': ', at);
  if (colon === -1) {
    if (line.charCodeAt(line.length - 1) !== 0x3a) return FAIL;
    colon = line.length - 1;
  }
  const key = line.slice(at, colon);
  const quick = commonPlain(key, false);
  if (quick !== undefined ? typeof quick !== 'string' : !isPlainSafe(key, false) || typeof resolvePlain(key) !== 'string') return FAIL;
  return [key, line.slice(colon + 1)];
}

/** Adds a key, refusing duplicates (the full parser reports them) and `__proto__`. */
function put(map: Record<string, Value>, key: string, value: Value): boolean {
  if (key === '__proto__' || Object.prototype.hasOwnProperty.call(map, key)) return false;
  map[key] = value;
  return true;
}

/** Reads one `key: value` line whose key starts at `at` into `map`. */
function readEntry(line: string, at: number, map: Record<string, Value>): boolean {
  const kv = splitKey(line, at);
  if (kv === FAIL || kv[1].charCodeAt(0) !== 0x20) return false;
  const v = readInline(kv[1].slice(1));
  return v !== FAIL && put(map, kv[0], v);
}

/** Reads `key: value` lines at exactly `indent` from line `i`; returns the index after them. */
function readEntries(lines: string[], i: number, indent: string, map: Record<string, Value>): Maybe<number> {
  const width = indent.length;
  for (let line = lines[i]; line?.startsWith(indent) && line.charCodeAt(width) !== 0x20; line = lines[++i]) {
    if (!readEntry(line, width, map)) return FAIL;
  }
  return i;
}

/** A block sequence of maps: `  - k: v` then `    k: v` lines. */
function readSeqOfMaps(lines: string[], i: number, out: Value[]): Maybe<number> {
  while (lines[i]?.startsWith('  - ')) {
    const item: Record<string, Value> = {};
    if (!readEntry(lines[i]!, 4, item)) return FAIL;
    const next = readEntries(lines, i + 1, '    ', item);
    if (next === FAIL) return FAIL;
    i = next;
    out.push(item);
  }
  return i;
}

/** A block literal whose header is `|`, `|-`, `|+`, optionally with indentation indicator 2. */
function readLiteral(lines: string[], i: number, header: string): Maybe<[string, number]> {
  const m = /^\|(2?)([-+]?)$/.exec(header);
  if (!m) return FAIL;
  const content: string[] = [];
  for (let line = lines[i]; line !== undefined && (line === '' || line.startsWith('  ')); line = lines[++i]) {
    content.push(line.slice(2));
  }
  if (!LITERAL_CHARS.test(content.join(''))) return FAIL;
  const firstText = content.findIndex((l) => l !== '');
  if (firstText === -1) return FAIL;
  // Without an indicator, the indentation is detected from the first non-empty line, so
  // it must be exactly our two spaces.
  if (m[1] === '' && content[firstText]!.charCodeAt(0) === 0x20) return FAIL;
  let end = content.length;
  while (end > 0 && content[end - 1] === '') end--;
  // The emitter never ends a literal with a blank-looking line; parsers differ on them.
  if (/^[ \t]+$/.test(content[end - 1]!)) return FAIL;
  const body = content.slice(0, end).join('\n');
  const kept = content.length - end;
  const text = m[2] === '-' ? body : m[2] === '+' ? `${body}\n${'\n'.repeat(kept)}` : `${body}\n`;
  return [text, i];
}

/**
 * The manifest object when `text` is in canonical form, else `undefined`.
 *
 * @example
 * readCanonical('format: git-track/run@1\nid: 3f9a21c0b7d4\n'); // { format: ..., id: ... }
 * readCanonical('a: {b: 1}\n'); // undefined: use the full parser
 */
export function readCanonical(text: string): Record<string, Value> | undefined {
  if (text.includes('\r') || text.charCodeAt(0) === 0xfeff || !text.endsWith('\n')) return undefined;
  const lines = text.split('\n');
  lines.pop();
  const root: Record<string, Value> = {};
  let i = 0;
  while (i < lines.length) {
    const kv = splitKey(lines[i]!, 0);
    if (kv === FAIL) return undefined;
    const [key, rest] = kv;
    i++;
    let value: Value;
    if (rest === '') {
      const next = lines[i];
      if (next?.startsWith('  - ')) {
        const list: Value[] = [];
        const after = readSeqOfMaps(lines, i, list);
        if (after === FAIL) return undefined;
        [value, i] = [list, after];
      } else if (next?.startsWith('  ') && next.charCodeAt(2) !== 0x20) {
        const map: Record<string, Value> = {};
        const after = readEntries(lines, i, '  ', map);
        if (after === FAIL) return undefined;
        [value, i] = [map, after];
      } else return undefined;
    } else if (rest.charCodeAt(0) !== 0x20) {
      return undefined;
    } else if (rest.charCodeAt(1) === 0x7c /* | */) {
      const lit = readLiteral(lines, i, rest.slice(1));
      if (lit === FAIL) return undefined;
      [value, i] = lit;
    } else {
      value = readInline(rest.slice(1));
      if (value === FAIL) return undefined;
    }
    if (!put(root, key, value)) return undefined;
  }
  return root;
}
