/**
 * The value rules of a run manifest that are not plain types: shared by the zod schema
 * (schema.ts, the source of truth) and the zod-free check on the path of `git-track log`
 * (check-manifest.ts), so the two test the very same patterns.
 */

export const SHA256_HEX = /^[0-9a-f]{64}$/;
export const ISO_UTC = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(?:\.\d{3})?Z$/;
export const SINGLE_LINE = /^[^\x00-\x1f\x7f-\x9f\u2028\u2029]*$/;
/** Author names and emails end up in commit headers: `<`, `>` and newlines would break them. */
export const AUTHOR_TEXT = /^[^<>\n\r]*$/;
/** A run id: 12 lowercase hex characters. */
export const RUN_ID = /^[0-9a-f]{12}$/;

/**
 * True for a real UTC calendar time in the manifest's form (checked against ISO_UTC first).
 *
 * @example
 * isValidUtc('2026-02-30T00:00:00Z'); // false
 */
export function isValidUtc(s: string): boolean {
  const t = Date.parse(s);
  // Date.parse rolls 2026-02-30 over to March; a round trip through toISOString catches that.
  return !Number.isNaN(t) && new Date(t).toISOString() === (s.length === 20 ? `${s.slice(0, 19)}.000Z` : s);
}

/**
 * Artifact paths are restored by `get`, so they must stay inside the tree they came from.
 *
 * @example
 * isInsidePath('models/a.pkl'); // true
 * isInsidePath('../a.pkl');     // false
 */
export function isInsidePath(p: string): boolean {
  if (p.startsWith('/') || p.includes('\\')) return false;
  return p.split('/').every((seg) => seg !== '' && seg !== '.' && seg !== '..');
}
