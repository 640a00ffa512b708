/**
 * YAML scalars, both ways: how a plain scalar resolves under the YAML 1.2 core schema (what
 * the `yaml` package does with `schema: 'core'`), and how to write a value so that it reads
 * back as exactly that value — also in YAML 1.1 readers such as PyYAML, which is what most
 * training scripts will load `run.yaml` with.
 */
import type { Scalar } from './schema.js';

const CORE_NULL = /^(?:~|[Nn]ull|NULL)?$/;
const CORE_TRUE = /^(?:[Tt]rue|TRUE)$/;
const CORE_FALSE = /^(?:[Ff]alse|FALSE)$/;
const CORE_OCT = /^0o[0-7]+$/;
const CORE_INT = /^[-+]?[0-9]+$/;
const CORE_HEX = /^0x[0-9a-fA-F]+$/;
const CORE_INF_NAN = /^(?:[-+]?\.(?:inf|Inf|INF)|\.nan|\.NaN|\.NAN)$/;
const CORE_FLOAT = /^[-+]?(?:\.[0-9]+|[0-9]+(?:\.[0-9]*)?)(?:[eE][-+]?[0-9]+)?$/;

/**
 * The value of an unquoted scalar under the YAML 1.2 core schema, mirroring the `yaml`
 * package exactly (same regexes, same parseInt/parseFloat calls, so the same doubles).
 *
 * @example
 * resolvePlain('007'); // 7
 * resolvePlain('yes'); // 'yes'
 */
export function resolvePlain(text: string): Scalar {
  if (text === '') return null;
  // Dispatch on the first character: on the query path most scalars are words or hex ids,
  // and running every core-schema regex on each was a third of the decode time.
  const c = text.charCodeAt(0);
  if ((c >= 0x30 && c <= 0x39) || c === 0x2b || c === 0x2d || c === 0x2e) {
    // An int also matches the float pattern; the yaml package tries int first (parseInt).
    if (CORE_INT.test(text)) return parseInt(text, 10);
    if (CORE_FLOAT.test(text)) return parseFloat(text);
    if (CORE_OCT.test(text)) return parseInt(text.substring(2), 8);
    if (CORE_HEX.test(text)) return parseInt(text.substring(2), 16);
    if (CORE_INF_NAN.test(text)) {
      if (text.slice(-3).toLowerCase() === 'nan') return NaN;
      return c === 0x2d ? -Infinity : Infinity;
    }
    return text;
  }
  if (c === 0x7e || c === 0x6e || c === 0x4e) return CORE_NULL.test(text) ? null : text;
  if (c === 0x74 || c === 0x54) return CORE_TRUE.test(text) ? true : text;
  if (c === 0x66 || c === 0x46) return CORE_FALSE.test(text) ? false : text;
  return text;
}

/**
 * Plain strings that a YAML 1.1 reader (PyYAML, yaml-cpp, old Ruby) would turn into a bool,
 * number, null, timestamp or merge key. Deliberately broader than any one implementation.
 */
const YAML11_WORDS = /^(?:y|Y|yes|Yes|YES|n|N|no|No|NO|on|On|ON|off|Off|OFF|<<|=)$/;
const YAML11_NUMBER =
  /^[-+]?(?:0b[01_]+|0x[0-9a-fA-F_]+|[0-9][0-9_]*(?::[0-5]?[0-9])*(?:\.[0-9_]*)?(?:[eE][-+]?[0-9]+)?|\.[0-9_]+(?:[eE][-+]?[0-9]+)?)$/;
const YAML11_DATE = /^[0-9]{4}-[0-9]{1,2}-[0-9]{1,2}(?:$|[Tt \t])/;

/**
 * Characters a plain scalar may hold: printable, and not one of the characters some YAML
 * versions treat as a line break (NEL, LS, PS) or a byte-order mark. Tabs are excluded too,
 * since they are invisible in a diff.
 */
const PLAIN_CHARS = /^(?:[\x20-\x7e\xa0-\u2027\u202a-\ud7ff\ue000-\ufefe\uff00-\ufffd]|[\ud800-\udbff][\udc00-\udfff])*$/;
/** Same for the body of a block literal, which may also hold tabs. */
export const LITERAL_CHARS = /^(?:[\t\n\x20-\x7e\xa0-\u2027\u202a-\ud7ff\ue000-\ufefe\uff00-\ufffd]|[\ud800-\udbff][\udc00-\udfff])*$/;

const INDICATOR_START = /^[#,[\]{}&*!|>'"%@`?:]/;

/**
 * True when `text` can be written unquoted and still read back as this string by YAML parsers.
 * `flow` is for items of a `[a, b]` sequence, where commas, brackets and colons are special.
 *
 * @example
 * isPlainSafe('train.py', true); // true
 * isPlainSafe('a: b', false);    // false
 */
export function isPlainSafe(text: string, flow: boolean): boolean {
  const n = text.length;
  if (n === 0) return false;
  const first = text.charCodeAt(0);
  const last = text.charCodeAt(n - 1);
  if (first === 0x20 || last === 0x20 || last === 0x3a /* : */) return false;
  if (INDICATOR_START.test(text[0]!)) return false;
  // '-x' is a plain scalar ('--max-depth'); '- x' would be a sequence entry. '---' and '...'
  // end a document when they start a line.
  if (first === 0x2d && (n === 1 || text.charCodeAt(1) === 0x20 || text.startsWith('---'))) return false;
  if (first === 0x2e && text.startsWith('...')) return false;
  let ascii = true;
  for (let i = 0; i < n; i++) {
    const c = text.charCodeAt(i);
    if (c < 0x20 || c > 0x7e) {
      ascii = false;
      continue;
    }
    if (c === 0x3a /* : */ && (flow || text.charCodeAt(i + 1) === 0x20)) return false;
    if (c === 0x23 /* # */ && text.charCodeAt(i - 1) === 0x20) return false;
    if (flow && (c === 0x2c || c === 0x5b || c === 0x5d || c === 0x7b || c === 0x7d || c === 0x3f)) return false;
  }
  return ascii || PLAIN_CHARS.test(text);
}

/** A string that reads back as itself everywhere, unquoted, given the context. */
function canBePlain(text: string, flow: boolean): boolean {
  return (
    isPlainSafe(text, flow) &&
    typeof resolvePlain(text) === 'string' &&
    !YAML11_WORDS.test(text) &&
    !YAML11_NUMBER.test(text) &&
    !YAML11_DATE.test(text)
  );
}

// Printable per YAML, so they may stay raw inside double quotes; everything else is escaped.
const NEEDS_ESCAPE = /[\x7f-\x9f\u2028\u2029\ufeff\ufffe\uffff]/g;

/**
 * A YAML double-quoted scalar. JSON string syntax is a subset of YAML's double-quoted style
 * with the same meaning, so JSON.stringify does the work; the rest are characters YAML wants
 * escaped and JSON does not.
 *
 * @example
 * quoteString('007'); // '"007"'
 */
export function quoteString(text: string): string {
  return JSON.stringify(text).replace(NEEDS_ESCAPE, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`);
}

/**
 * A string as a YAML scalar: plain when nothing could misread it, else double-quoted.
 *
 * @example
 * formatString('churn-baseline'); // 'churn-baseline'
 * formatString('true');           // '"true"'
 */
export function formatString(text: string, flow = false): string {
  return canBePlain(text, flow) ? text : quoteString(text);
}

/**
 * A finite number in its shortest round-trip form (JS `String(n)`), adjusted so every YAML
 * reader sees a number: exponents get a fraction (`1.0e+21`, which PyYAML needs to see a
 * float) and -0 keeps its sign as `-0.0`.
 *
 * @example
 * formatNumber(0.1);  // '0.1'
 * formatNumber(1e21); // '1.0e+21'
 */
export function formatNumber(n: number): string {
  if (!Number.isFinite(n)) throw new RangeError(`cannot write ${n} in a manifest`);
  if (Object.is(n, -0)) return '-0.0';
  const s = String(n);
  const e = s.indexOf('e');
  if (e === -1 || s.lastIndexOf('.', e) !== -1) return s;
  return `${s.slice(0, e)}.0${s.slice(e)}`;
}

/**
 * A scalar (string, finite number, boolean or null) as YAML text.
 *
 * @example
 * formatScalar(null); // 'null'
 */
export function formatScalar(v: Scalar, flow = false): string {
  if (typeof v === 'string') return formatString(v, flow);
  if (typeof v === 'number') return formatNumber(v);
  if (v === null) return 'null';
  return v ? 'true' : 'false';
}

/**
 * Orders strings by Unicode code point (UTF-16 `<` does not, for characters above U+FFFF
 * against U+E000–U+FFFF), so key order matches what other languages' sorts produce.
 *
 * @example
 * ['b', 'a'].sort(compareCodePoints); // ['a', 'b']
 */
export function compareCodePoints(a: string, b: string): number {
  const n = Math.min(a.length, b.length);
  for (let i = 0; i < n; i++) {
    let x = a.charCodeAt(i);
    let y = b.charCodeAt(i);
    if (x === y) continue;
    // Shift surrogates above U+E000..U+FFFF so the comparison follows code points.
    if (x >= 0xd800) x = x >= 0xe000 ? x - 0x800 : x + 0x2000;
    if (y >= 0xd800) y = y >= 0xe000 ? y - 0x800 : y + 0x2000;
    return x - y;
  }
  return a.length - b.length;
}
