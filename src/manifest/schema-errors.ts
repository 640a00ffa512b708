/**
 * Zod issues as one readable line each: where (a JS-like path), what was expected, and what
 * was found. Used for manifests and for every other file validated with zod.
 */
import type * as z from 'zod';

/**
 * A zod issue path as people read it: JS-like, and close enough to the YAML to find the line.
 *
 * @example
 * formatPath(['artifacts', 2, 'sha256']); // 'artifacts[2].sha256'
 * formatPath(['params', 'a b']);          // 'params["a b"]'
 */
export function formatPath(path: readonly PropertyKey[]): string {
  let out = '';
  for (const seg of path) {
    if (typeof seg === 'number') out += `[${seg}]`;
    else if (typeof seg === 'string' && /^[^\s"'[\]\x00-\x1f]+$/.test(seg)) out += out ? `.${seg}` : seg;
    else out += `[${JSON.stringify(String(seg))}]`;
  }
  return out;
}

/**
 * The value at a zod issue path inside `root`; undefined when the path leads nowhere.
 *
 * @example
 * valueAt({ artifacts: [{ size: -1 }] }, ['artifacts', 0, 'size']); // -1
 */
export function valueAt(root: unknown, path: readonly PropertyKey[]): unknown {
  let cur = root;
  for (const seg of path) {
    if (cur === null || typeof cur !== 'object') return undefined;
    cur = (cur as Record<PropertyKey, unknown>)[seg];
  }
  return cur;
}

/**
 * A short rendering of a bad value for an error line.
 *
 * @example
 * describeValue('abc'); // "'abc'"
 * describeValue([1]);   // 'a list'
 */
export function describeValue(v: unknown): string {
  if (v === undefined) return 'nothing';
  if (v === null) return 'null';
  if (Array.isArray(v)) return 'a list';
  if (typeof v === 'object') return 'a map';
  if (typeof v === 'string') return `'${v.length > 60 ? `${v.slice(0, 57)}...` : v}'`.replace(/[\n\r]/g, '\\n');
  return String(v);
}

/**
 * One line saying what is wrong with the value at a zod issue's path in `root`.
 *
 * @example
 * describeIssue(result.error.issues[0]!, value); // "artifacts[0].size: must be at least 0, got -1"
 */
export function describeIssue(issue: z.core.$ZodIssue, root: unknown): string {
  const got = valueAt(root, issue.path);
  const where = formatPath(issue.path);
  const at = (why: string) => (where ? `${where}: ${why}` : why);
  if (got === undefined && issue.path.length > 0 && issue.code !== 'unrecognized_keys') return at('is required');
  switch (issue.code) {
    case 'unrecognized_keys': {
      const key = issue.keys[0]!;
      return `${formatPath([...issue.path, key])}: unknown field${where ? ` in ${where}` : ''}`;
    }
    case 'invalid_type':
      if (issue.path.length === 0) return `expected a map, got ${describeValue(got)}`;
      return at(`${issue.message.startsWith('Invalid input') ? `must be ${article(issue.expected)}` : issue.message}, got ${describeValue(got)}`);
    case 'invalid_value': {
      const allowed = issue.values.map((v) => String(v));
      const what = allowed.length === 1 ? allowed[0] : `one of ${allowed.join(', ')}`;
      return at(`must be ${what}, got ${describeValue(got)}`);
    }
    case 'invalid_union': {
      // zod names a discriminated union's allowed values (data entries by `kind`) only in its
      // message; say it the way enum errors are said.
      const options = /Expected (.+)$/.exec(issue.message)?.[1]?.replace(/'/g, '').split(' | ');
      if (options) return at(`must be one of ${options.join(', ')}, got ${describeValue(got)}`);
      return at(`${issue.message}, got ${describeValue(got)}`);
    }
    case 'invalid_key':
      return at(`invalid name: ${issue.issues[0]?.message ?? issue.message}`);
    case 'too_small':
    case 'too_big': {
      const bound = issue.code === 'too_small' ? issue.minimum : issue.maximum;
      const dir = issue.code === 'too_small' ? 'at least' : 'at most';
      const unit = issue.origin === 'string' ? ' characters' : issue.origin === 'array' ? ' items' : '';
      if (issue.code === 'too_small' && issue.origin === 'string' && bound === 1) return at('must not be empty');
      return at(`must be ${dir} ${String(bound)}${unit}${issue.origin === 'string' ? '' : `, got ${describeValue(got)}`}`);
    }
    default: {
      const desc = describeValue(got);
      const shown = got === undefined || typeof got === 'object' || issue.message.includes(desc) ? '' : `, got ${desc}`;
      return at(`${issue.message}${shown}`);
    }
  }
}

function article(expected: string): string {
  if (expected === 'number') return 'a finite number';
  if (expected === 'array') return 'a list';
  if (expected === 'int') return 'an integer';
  if (expected === 'object') return 'a map';
  return /^[aeiou]/.test(expected) ? `an ${expected}` : `a ${expected}`;
}
