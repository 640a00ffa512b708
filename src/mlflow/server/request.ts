/**
 * Reading request fields as MLflow's service.proto types them. GET endpoints carry them in the
 * query string (repeated keys for lists), POST endpoints in a JSON body; int64 fields arrive as
 * JSON numbers or as strings (proto3's JSON mapping), so both are accepted.
 */
import { invalid } from './errors.js';

/** The fields of one request, from its JSON body or its query string. */
export type Fields = Record<string, unknown>;

/**
 * Fields of a query string: a key given once is a string, a key repeated is a list.
 *
 * @example
 * queryFields(new URLSearchParams('run_ids=a&run_ids=b&metric_key=loss')); // { run_ids: ['a', 'b'], metric_key: 'loss' }
 */
export function queryFields(params: URLSearchParams): Fields {
  const out: Fields = {};
  for (const key of new Set(params.keys())) {
    const all = params.getAll(key);
    out[key] = all.length === 1 ? all[0] : all;
  }
  return out;
}

/** An optional string field; a list of one is that one (a query string cannot tell). */
export function optString(fields: Fields, key: string): string | undefined {
  const v = fields[key];
  if (v === undefined || v === null) return undefined;
  if (typeof v === 'string') return v;
  if (Array.isArray(v) && v.length === 1 && typeof v[0] === 'string') return v[0];
  throw invalid(`Invalid value ${JSON.stringify(v)?.slice(0, 200)} for parameter '${key}' supplied: it must be a string`);
}

/** A required string field: missing or empty is MLflow's "Missing value for required parameter". */
export function reqString(fields: Fields, key: string): string {
  const v = optString(fields, key);
  if (v === undefined || v === '') throw invalid(`Missing value for required parameter '${key}'. See the API docs for more information about request parameters.`);
  return v;
}

/** The run id of a request: `run_id`, or the deprecated `run_uuid`. */
export function runIdOf(fields: Fields): string {
  const id = optString(fields, 'run_id') || optString(fields, 'run_uuid');
  if (!id) throw invalid("Missing value for required parameter 'run_id'. See the API docs for more information about request parameters.");
  return id;
}

/** An optional int64 field (a number or a decimal string). */
export function optInt(fields: Fields, key: string): number | undefined {
  let v = fields[key];
  if (Array.isArray(v) && v.length === 1) v = v[0];
  if (v === undefined || v === null || v === '') return undefined;
  const n = typeof v === 'string' && /^-?\d+$/.test(v.trim()) ? Number(v) : v;
  if (typeof n !== 'number' || !Number.isSafeInteger(n)) throw invalid(`Invalid value ${JSON.stringify(v)?.slice(0, 200)} for parameter '${key}' supplied: it must be a whole number`);
  return n;
}

/** An optional double field: a number, or proto3's "NaN", "Infinity", "-Infinity". */
export function optDouble(fields: Fields, key: string): number | undefined {
  const v = fields[key];
  if (v === undefined || v === null) return undefined;
  if (typeof v === 'number') return v;
  if (typeof v === 'string') {
    if (v === 'NaN') return NaN;
    if (v === 'Infinity') return Infinity;
    if (v === '-Infinity') return -Infinity;
    const n = Number(v);
    if (v.trim() !== '' && !Number.isNaN(n)) return n;
  }
  throw invalid(`Invalid value ${JSON.stringify(v)?.slice(0, 200)} for parameter '${key}' supplied: it must be a number`);
}

/** An optional list of strings (a lone string is a list of one). */
export function optStrings(fields: Fields, key: string): string[] {
  const v = fields[key];
  if (v === undefined || v === null) return [];
  const list = Array.isArray(v) ? v : [v];
  if (!list.every((x) => typeof x === 'string')) throw invalid(`Invalid value for parameter '${key}' supplied: it must be a list of strings`);
  return list as string[];
}

/** A list of `{key, value}` objects (tags, params); values must be strings. */
export function keyValues(fields: Fields, key: string): { key: string; value: string }[] {
  const v = fields[key];
  if (v === undefined || v === null) return [];
  if (!Array.isArray(v)) throw invalid(`Invalid value for parameter '${key}' supplied: it must be a list`);
  return v.map((item) => {
    const k = (item as Fields)?.key;
    const value = (item as Fields)?.value ?? '';
    if (typeof k !== 'string' || k === '') throw invalid(`Missing value for required parameter '${key}.key'`);
    if (typeof value !== 'string') throw invalid(`Invalid value for parameter '${key}.value' of key '${k}': it must be a string`);
    return { key: k, value };
  });
}

/** A list of objects (metrics, datasets). */
export function objects(fields: Fields, key: string): Fields[] {
  const v = fields[key];
  if (v === undefined || v === null) return [];
  if (!Array.isArray(v) || !v.every((x) => x !== null && typeof x === 'object' && !Array.isArray(x))) {
    throw invalid(`Invalid value for parameter '${key}' supplied: it must be a list of objects`);
  }
  return v as Fields[];
}

/**
 * A paging token: the offset to start at, from a token this server gave (base64 JSON).
 *
 * @example
 * offsetOf(pageToken(100)); // 100
 */
export function offsetOf(token: string | undefined): number {
  if (!token) return 0;
  try {
    const parsed = JSON.parse(Buffer.from(token, 'base64').toString('utf8')) as { offset?: unknown };
    if (typeof parsed.offset === 'number' && Number.isSafeInteger(parsed.offset) && parsed.offset >= 0) return parsed.offset;
  } catch {
    // falls through to the error
  }
  throw invalid(`Invalid page token ${JSON.stringify(token.slice(0, 100))}`);
}

/** The token of the page starting at `offset`. */
export function pageToken(offset: number): string {
  return Buffer.from(JSON.stringify({ offset })).toString('base64');
}

/**
 * `max_results` bounded as MLflow bounds it.
 *
 * @example
 * maxResults(fields, 1000, 50000); // 1000 when absent
 */
export function maxResults(fields: Fields, fallback: number, max: number): number {
  const n = optInt(fields, 'max_results') ?? fallback;
  if (n <= 0 || n > max) throw invalid(`Invalid value ${n} for parameter 'max_results' supplied. It must be at most ${max}, and greater than 0.`);
  return n;
}
