/**
 * The categories of a parallel-coordinates axis whose values are not all numbers: distinct
 * values as text (null as "(none)"), sorted. Shared by the chart (plots-chunk.ts) and the
 * keyboard brush (views/parallel-keys.ts), which must agree on the order: a category axis is
 * brushed by index.
 *
 * @example axisCategories(['b', null, 'a', 'b']); // ['(none)', 'a', 'b']
 */
export function axisCategories(values: readonly unknown[]): string[] {
  return [...new Set(values.map((v) => (v === null || v === undefined ? '(none)' : String(v))))].sort();
}

/**
 * True when every value is a number or missing: a value axis.
 * @example isNumericAxis([1, null, 2.5]); // true
 */
export function isNumericAxis(values: readonly unknown[]): boolean {
  return values.every((v) => v === null || v === undefined || typeof v === 'number');
}
