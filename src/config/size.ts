/**
 * Size settings (`5MB`, `512KB`, a number of bytes), kept apart from the zod schema so the
 * push/pull path can read them without loading zod.
 */

export const DEFAULT_GIT_MAX_BYTES = 5 * 1024 * 1024;

/** A size: digits, optional fraction, optional unit (powers of 1024), any case. */
export const SIZE_PATTERN = /^(\d+(?:\.\d+)?) *([kKmMgG]?[bB])?$/;

const UNITS: Record<string, number> = { '': 1, b: 1, kb: 1024, mb: 1024 ** 2, gb: 1024 ** 3 };

/**
 * Bytes of a size setting (NaN when it is not one).
 *
 * @example
 * parseSize('5MB'); // 5242880
 */
export function parseSize(value: number | string): number {
  if (typeof value === 'number') return value;
  const match = SIZE_PATTERN.exec(value.trim());
  if (!match) return Number.NaN;
  return Math.floor(Number(match[1]) * UNITS[(match[2] ?? '').toLowerCase()]!);
}

/**
 * A byte count as a size setting reads (powers of 1024).
 *
 * @example
 * formatBytes(5242880); // '5.0 MB'
 */
export function formatBytes(n: number): string {
  const units = ['B', 'KB', 'MB', 'GB', 'TB'];
  let unit = 0;
  while (n >= 1024 && unit < units.length - 1) (n /= 1024), unit++;
  return `${unit === 0 ? n : n.toFixed(1)} ${units[unit]}`;
}
