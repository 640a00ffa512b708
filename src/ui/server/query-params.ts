/**
 * Reading an API request's query parameters: each bad one is a USAGE error naming it, which
 * the server answers with 400 and `{error}`.
 */
import { GitTrackError, quoteInput } from '../../errors.js';
import { fieldKey, type Field } from '../../query/ast.js';
import { parseFieldName } from '../../query/parse.js';
import { MAX_UI_COLUMNS } from '../../limits.js';

/** A parameter's text, or undefined when absent or empty. */
export function textParam(q: URLSearchParams, name: string): string | undefined {
  const v = q.get(name);
  return v === null || v === '' ? undefined : v;
}

/**
 * A whole number within `[min, max]`, `fallback` when absent.
 *
 * @example
 * intParam(new URLSearchParams('limit=50'), 'limit', 100, 0, 1000); // 50
 */
export function intParam(q: URLSearchParams, name: string, fallback: number, min: number, max: number): number {
  const text = textParam(q, name);
  if (text === undefined) return fallback;
  const n = Number(text);
  if (!/^\d+$/.test(text) || !Number.isSafeInteger(n)) throw new GitTrackError('USAGE', `${name} expects a whole number, got ${quoteInput(text)}`);
  if (n < min || n > max) throw new GitTrackError('USAGE', `${name} must be between ${min} and ${max.toLocaleString('en-US')}, got ${n}`, { limit: max });
  return n;
}

/** A finite number, or undefined when absent. */
export function numberParam(q: URLSearchParams, name: string): number | undefined {
  const text = textParam(q, name);
  if (text === undefined) return undefined;
  const n = Number(text);
  if (!Number.isFinite(n)) throw new GitTrackError('USAGE', `${name} expects a number, got ${quoteInput(text)}`);
  return n;
}

/** `1`/`true` or `0`/`false`. */
export function flagParam(q: URLSearchParams, name: string, fallback: boolean): boolean {
  const text = textParam(q, name);
  if (text === undefined) return fallback;
  if (text === '1' || text === 'true') return true;
  if (text === '0' || text === 'false') return false;
  throw new GitTrackError('USAGE', `${name} expects 1 or 0, got ${quoteInput(text)}`);
}

/** A comma-separated list (empty items dropped), at most `max` items. */
export function listParam(q: URLSearchParams, name: string, max: number): string[] | undefined {
  const text = textParam(q, name);
  if (text === undefined) return undefined;
  const items = text.split(',').map((s) => s.trim()).filter((s) => s !== '');
  if (items.length > max) throw new GitTrackError('USAGE', `${name} names ${items.length} items, over the limit of ${max}`, { limit: max });
  return items;
}

/**
 * Fields written like `list --columns` (`params.lr,metrics.f1,name`), deduplicated.
 *
 * @example
 * fieldsParam(new URLSearchParams('columns=name,metrics.f1'), 'columns'); // [{scope:'attr',name:'name'}, {scope:'metrics',name:'f1'}]
 */
export function fieldsParam(q: URLSearchParams, name: string): Field[] | undefined {
  const names = listParam(q, name, MAX_UI_COLUMNS);
  if (!names) return undefined;
  const seen = new Set<string>();
  return names.map((n) => parseFieldName(n, name)).filter((f) => !seen.has(fieldKey(f)) && seen.add(fieldKey(f)));
}

/** One of `choices`. */
export function choiceParam<T extends string>(q: URLSearchParams, name: string, choices: readonly T[], fallback: T): T {
  const text = textParam(q, name);
  if (text === undefined) return fallback;
  if (!(choices as readonly string[]).includes(text)) throw new GitTrackError('USAGE', `${name} must be one of ${choices.join(', ')}, got ${quoteInput(text)}`);
  return text as T;
}
