/**
 * Plain text tables: left-aligned text, right-aligned numbers, cells cut to a width.
 */

/** Widest a table cell gets; longer text is cut with an ellipsis. */
export const MAX_CELL = 32;

export interface Column {
  header: string;
  align?: 'left' | 'right';
}

/**
 * Render rows under headers, columns separated by two spaces.
 *
 * @example
 * renderTable([{ header: 'id' }, { header: 'f1', align: 'right' }], [['3f9a21c0b7d4', '0.84']]);
 */
export function renderTable(columns: Column[], rows: string[][]): string {
  const cut = (s: string): string => (s.length > MAX_CELL ? `${s.slice(0, MAX_CELL - 1)}…` : s);
  const cells = rows.map((r) => r.map(cut));
  // A loop, not Math.max(...cells): spreading a 1,000,000-step series overflows the stack.
  const widths = columns.map((c, i) => cells.reduce((w, r) => Math.max(w, (r[i] ?? '').length), c.header.length));
  const line = (values: string[]) =>
    values
      .map((v, i) => (columns[i]?.align === 'right' ? v.padStart(widths[i]!) : v.padEnd(widths[i]!)))
      .join('  ')
      .trimEnd();
  return [line(columns.map((c) => c.header)), ...cells.map(line)].join('\n');
}

/**
 * A value as it reads in a table cell.
 *
 * @example
 * formatCell(0.8423); // '0.8423'
 */
export function formatCell(value: unknown): string {
  if (value === undefined) return '';
  if (value === null) return 'null';
  if (typeof value === 'number') return Number.isInteger(value) ? String(value) : String(Number(value.toPrecision(6)));
  if (Array.isArray(value)) return `[${value.map(formatCell).join(', ')}]`;
  return String(value);
}
