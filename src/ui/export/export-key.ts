/**
 * How a static export names the API answers it holds (docs/ui-api.md, "Static export"). Pure
 * and free of Node APIs, so the front end's bundle can import it and compute the same names.
 */

/**
 * The key of a request: its API path without `/api/`, then its parameters sorted by name,
 * each `name=value` encoded with encodeURIComponent, joined by `&` after a `?`.
 *
 * @example
 * exportKey('runs', { limit: '10', all: '1' }); // 'runs?all=1&limit=10'
 * exportKey('run/3f9a21c0b7d4'); // 'run/3f9a21c0b7d4'
 */
export function exportKey(path: string, params: Record<string, string> = {}): string {
  const names = Object.keys(params).sort();
  if (names.length === 0) return path;
  return `${path}?${names.map((n) => `${encodeURIComponent(n)}=${encodeURIComponent(params[n]!)}`).join('&')}`;
}

/**
 * The file (under `data/`) holding the answer of `key`: the key with characters outside
 * `[A-Za-z0-9._-]` replaced by `_`, cut to 64, `-`, and the 32-bit FNV-1a of its UTF-8 bytes
 * in 8 hex digits.
 *
 * @example
 * exportFileName('info'); // 'info-<8 hex>.js'
 */
export function exportFileName(key: string): string {
  const safe = key.replace(/[^A-Za-z0-9._-]/g, '_').slice(0, 64);
  return `${safe}-${fnv1aHex(key)}.js`;
}

/** 32-bit FNV-1a of the UTF-8 bytes of `text`, 8 lowercase hex digits. */
export function fnv1aHex(text: string): string {
  let h = 0x811c9dc5;
  for (const b of new TextEncoder().encode(text)) h = Math.imul(h ^ b, 0x01000193) >>> 0;
  return (h >>> 0).toString(16).padStart(8, '0');
}

/**
 * The script text of one answer: `window.gtData(KEY, JSON);`. `<` is escaped so no answer can
 * close the script element it is loaded by.
 *
 * @example
 * exportScript('info', { version: '0.1.0' }); // 'window.gtData("info",{"version":"0.1.0"});\n'
 */
export function exportScript(key: string, body: unknown): string {
  const json = (v: unknown) => JSON.stringify(v).replace(/</g, '\\u003c').replace(/\u2028/g, '\\u2028').replace(/\u2029/g, '\\u2029');
  return `window.gtData(${json(key)},${json(body)});\n`;
}
