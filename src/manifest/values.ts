/**
 * Params and metrics as users give them: `-p lr=0.01` flags and params/metrics files
 * (YAML or JSON, nested maps allowed), turned into the flat dotted-name maps of a manifest.
 */
import { extname } from 'node:path';
import { GitTrackError, quoteInput } from '../errors.js';
import { checkJsonText, isRoundedInteger, unsafeInteger } from './nesting.js';
import { readInputFile } from './read-input-file.js';
import { parseYaml } from './yaml-text.js';
import { jsonErrorOffset, lineColumn } from './json-position.js';
import { resolvePlain } from './scalars.js';
import { isValidName } from './names.js';
import type { ParamValue, Scalar } from './schema.js';
import { describeValue } from './schema-errors.js';

const NAME_RULE = "names are dot-separated segments without spaces, control characters or '='";

function isMap(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function isScalar(v: unknown): v is Scalar {
  return v === null || typeof v === 'string' || typeof v === 'boolean' || (typeof v === 'number' && Number.isFinite(v));
}

/** Plain `a: b` or `a:` is a map in YAML; saying so beats silently storing either reading. */
const LOOKS_LIKE_MAP = /: |:$/;

function splitAssignment(text: string, flag: string): [string, string] {
  const eq = text.indexOf('=');
  if (eq <= 0) throw new GitTrackError('USAGE', `${flag} expects KEY=VALUE, got ${quoteInput(text)}`, { flag, text });
  const key = text.slice(0, eq);
  if (!isValidName(key)) throw new GitTrackError('USAGE', `${flag}: invalid name ${quoteInput(key)} (${NAME_RULE})`, { flag, text });
  return [key, text.slice(eq + 1)];
}

/**
 * Reads the value of a `-p KEY=VALUE` flag.
 *
 * The text after the first `=` is one YAML 1.2 core-schema scalar, surrounding spaces ignored:
 * - numbers: `8` → 8, `0.01` → 0.01, `1e-3` → 0.001, `007` → 7, `0x1f` → 31;
 * - `true` / `false` → booleans; `null`, `~` or nothing at all (`KEY=`) → null;
 * - anything else is a string, taken as a whole: `abc`, `run #3`, `*.csv`, `yes`, `1_000`;
 * - quote to force a string, with YAML quoting rules: `"007"` → "007", `'true'` → "true",
 *   `"a\tb"` has a tab;
 * - a flow sequence gives a list of scalars: `[64, 32]` → [64, 32], `[relu, "8"]`;
 * - maps (`{a: 1}`, `a: 1`) are refused: use dotted keys (`-p model.depth=8`) or quote the text.
 * - `.inf` and `.nan` are refused: manifests hold finite numbers only.
 *
 * @throws GitTrackError USAGE for a missing `=`, an empty or invalid key, a map or a bad
 *   quoted value; BAD_INPUT for a non-finite number
 * @example
 * parseAssignment('lr=0.01', '--param');      // ['lr', 0.01]
 * parseAssignment('layers=[64, 32]', '-p');   // ['layers', [64, 32]]
 * parseAssignment('tag="007"', '-p');         // ['tag', '007']
 */
export function parseAssignment(text: string, flag: string): [key: string, value: Scalar | Scalar[]] {
  const [key, raw] = splitAssignment(text, flag);
  const t = raw.trim();
  const where = `${flag} ${key.length > 200 ? quoteInput(key) : key}`;
  const usage = (why: string) => new GitTrackError('USAGE', `${where}: ${why}`, { flag, text });
  if (t.startsWith('{') || (!/^["'[]/.test(t) && LOOKS_LIKE_MAP.test(t))) {
    throw usage(`${quoteInput(t)} is a map; use dotted keys (${flag} ${key}.NAME=VALUE) or quote the value to store it as text`);
  }
  let value: unknown;
  if (t.startsWith('"') || t.startsWith("'") || t.startsWith('[')) {
    try {
      value = parseYaml(t, where);
    } catch (err) {
      throw usage(`cannot read ${quoteInput(t)}: ${(err as Error).message.slice(where.length + 2).replace(/^line \d+: /, '')}`);
    }
    if (Array.isArray(value) ? !value.every((v) => isScalar(v) || typeof v === 'number') : typeof value !== 'string') {
      throw usage(`${quoteInput(t)} must be a quoted string or a list of numbers, strings, booleans and nulls`);
    }
  } else {
    value = resolvePlain(t);
    if (isUnsafeInteger(value, t)) throw unsafeInteger(where, t);
  }
  for (const v of Array.isArray(value) ? value : [value]) {
    if (typeof v === 'number' && !Number.isFinite(v)) {
      throw new GitTrackError('BAD_INPUT', `param ${quoteInput(key)} must be a finite number or text, got ${quoteInput(t)}`, { flag, text });
    }
  }
  return [key, value as Scalar | Scalar[]];
}

/**
 * Reads a `-m KEY=VALUE` flag: like {@link parseAssignment}, but the value must be a finite
 * number (`0.84`, `1e-3`, `12`); `NaN`, `.nan`, `inf`, text and lists are refused.
 *
 * @throws GitTrackError USAGE for a malformed assignment, BAD_INPUT for a non-number
 * @example
 * parseMetricAssignment('f1=0.842', '--metric'); // ['f1', 0.842]
 */
export function parseMetricAssignment(text: string, flag: string): [key: string, value: number] {
  const [key, raw] = splitAssignment(text, flag);
  const value = resolvePlain(raw.trim());
  if (typeof value !== 'number' || !Number.isFinite(value)) {
    throw new GitTrackError('BAD_INPUT', `metric ${quoteInput(key)} must be a finite number, got ${quoteInput(raw)}`, { flag, text });
  }
  if (isUnsafeInteger(value, raw.trim())) throw unsafeInteger(`${flag} ${key}`, raw.trim());
  return [key, value];
}

/** An integer literal (decimal, 0x, 0o) that a double would round. */
function isUnsafeInteger(value: unknown, text: string): boolean {
  return typeof value === 'number' && Number.isInteger(value) && !Number.isSafeInteger(value) && isRoundedInteger(text);
}

/** Sets a key even when it is `__proto__`, which plain assignment would treat as the prototype. */
function setKey<T>(target: Record<string, T>, key: string, value: T): void {
  Object.defineProperty(target, key, { value, enumerable: true, writable: true, configurable: true });
}

/**
 * Flattens a params or metrics map into dotted names: `{model: {depth: 8}}` becomes
 * `{'model.depth': 8}`. Lists of scalars stay lists; empty nested maps add nothing.
 *
 * @param source names the input in error messages (a file path, `run.json: params`)
 * @throws GitTrackError BAD_INPUT for a non-map, a list holding maps or lists, a non-finite
 *   number, an invalid name, or a name given twice (`a.b` both nested and dotted)
 * @example
 * flattenValues({ model: { depth: 8 }, lr: 0.01 }, 'params.yaml'); // { 'model.depth': 8, lr: 0.01 }
 */
export function flattenValues(obj: unknown, source: string): Record<string, ParamValue> {
  if (!isMap(obj)) {
    throw new GitTrackError('BAD_INPUT', `${source}: expected a map of names to values, got ${describeValue(obj)}`, { source });
  }
  const out: Record<string, ParamValue> = {};
  const bad = (message: string, name: string) => new GitTrackError('BAD_INPUT', `${source}: ${message}`, { source, name });
  const walk = (map: Record<string, unknown>, prefix: string) => {
    for (const [k, v] of Object.entries(map)) {
      const name = prefix === '' ? k : `${prefix}.${k}`;
      if (isMap(v)) {
        walk(v, name);
        continue;
      }
      if (!isValidName(name)) throw bad(`invalid name ${quoteInput(name)} (${NAME_RULE})`, name);
      let value: ParamValue;
      if (Array.isArray(v)) {
        const odd = v.find((x) => !isScalar(x));
        if (odd !== undefined) {
          const what = typeof odd === 'number' ? `the non-finite number ${odd}` : describeValue(odd);
          throw bad(`${quoteInput(name)} is a list holding ${what}; only lists of numbers, strings, booleans and nulls are allowed`, name);
        }
        value = v.slice() as Scalar[];
      } else if (isScalar(v)) {
        value = v;
      } else {
        const what = typeof v === 'number' ? String(v) : v instanceof Date ? 'a date' : typeof v;
        throw bad(`${quoteInput(name)} must be a finite number, string, boolean, null or list of those, got ${what}`, name);
      }
      if (Object.prototype.hasOwnProperty.call(out, name)) throw bad(`${quoteInput(name)} is given twice (nested and dotted)`, name);
      setKey(out, name, value);
    }
  };
  walk(obj, '');
  return out;
}

/**
 * Checks that every flattened value is a finite number.
 *
 * @throws GitTrackError BAD_INPUT naming the metric and the source
 * @example
 * toMetrics(flattenValues(readValuesFile('metrics.json', 'metrics'), 'metrics.json'), 'metrics.json');
 */
export function toMetrics(flat: Record<string, unknown>, source: string): Record<string, number> {
  const out: Record<string, number> = {};
  for (const [name, v] of Object.entries(flat)) {
    if (typeof v !== 'number' || !Number.isFinite(v)) {
      throw new GitTrackError('BAD_INPUT', `metric ${quoteInput(name)} in ${source} must be a finite number, got ${describeValue(v)}`, {
        source,
        name,
      });
    }
    setKey(out, name, v);
  }
  return out;
}

function parseJson(text: string, path: string): unknown {
  const body = text.charCodeAt(0) === 0xfeff ? text.slice(1) : text;
  checkJsonText(body, path);
  try {
    return JSON.parse(body);
  } catch (err) {
    const offset = jsonErrorOffset(body);
    const at = offset === -1 ? '' : (({ line, column }) => `line ${line}, column ${column}: `)(lineColumn(body, offset));
    // V8 appends a position or a multi-line snippet of the text; the line and column replace both.
    const reason = (err as Error).message.replace(/ in JSON at position \d+.*$/s, '').replace(/, (?:\.\.\.)?".*$/s, '');
    throw new GitTrackError('BAD_INPUT', `${path}: ${at}invalid JSON: ${reason}`, { path, offset });
  }
}

/**
 * Reads a params or metrics file: `.json` as JSON, anything else as YAML (core schema).
 *
 * @param what names the file's role in the not-found message
 * @throws GitTrackError FILE_NOT_FOUND, or BAD_INPUT for unreadable or malformed content or a
 *   top level that is not a map
 * @example
 * const params = flattenValues(readValuesFile('params.yaml'), 'params.yaml');
 */
export function readValuesFile(path: string, what: 'params' | 'metrics' = 'params'): Record<string, unknown> {
  const text = readInputFile(path, `${what} file`);
  const value = extname(path).toLowerCase() === '.json' ? parseJson(text, path) : parseYaml(text, path);
  if (!isMap(value)) {
    const got = value === null || value === undefined ? 'an empty document' : describeValue(value);
    throw new GitTrackError('BAD_INPUT', `${path}: expected a map of names to values at the top level, got ${got}`, { path });
  }
  return value;
}
