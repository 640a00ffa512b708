/**
 * Tabular output in every `--format`: an aligned text table, CSV, a Markdown table (ready to
 * paste in a pull request), JSON or YAML (a list of objects keyed by column).
 */
import { createRequire } from 'node:module';
import { GitTrackError, quoteInput } from '../../errors.js';
import { formatCell, renderTable, type Column } from './table.js';

export const FORMATS = ['table', 'json', 'csv', 'md', 'yaml'] as const;
export type OutputFormat = (typeof FORMATS)[number];

/**
 * Check a `--format` value against the formats a command offers.
 *
 * @example
 * parseFormat('md', ['text', 'md', 'json']); // 'md'
 */
export function parseFormat<T extends string>(value: string, allowed: readonly T[]): T {
  if (!(allowed as readonly string[]).includes(value)) {
    throw new GitTrackError('USAGE', `--format expects one of ${allowed.join(', ')}, got ${quoteInput(value)}`, { format: value });
  }
  return value as T;
}

/**
 * Rows of raw values under headers, in a format.
 *
 * @example
 * renderRows('csv', [{ header: 'id' }], [['3f9a21c0b7d4']]); // 'id\n3f9a21c0b7d4'
 */
export function renderRows(format: OutputFormat, columns: Column[], rows: unknown[][]): string {
  switch (format) {
    case 'table':
      return renderTable(columns, rows.map((r) => r.map(formatCell)));
    case 'csv':
      return [columns.map((c) => csvCell(c.header)), ...rows.map((r) => r.map((v) => csvCell(v === undefined ? '' : formatRaw(v))))].join('\n');
    case 'md':
      return renderMarkdownTable(columns, rows.map((r) => r.map(formatCell)));
    case 'json':
      return JSON.stringify(asObjects(columns, rows), null, 2);
    case 'yaml':
      // Loaded on use only: the yaml package costs start-up time every other format avoids.
      return (createRequire(import.meta.url)('yaml') as typeof import('yaml')).stringify(asObjects(columns, rows)).trimEnd();
  }
}

function asObjects(columns: Column[], rows: unknown[][]): Record<string, unknown>[] {
  return rows.map((r) => Object.fromEntries(columns.map((c, i) => [c.header, r[i] ?? null])));
}

/** Full precision in machine formats: CSV numbers are written as JavaScript prints them. */
function formatRaw(v: unknown): string {
  if (v === null) return '';
  if (Array.isArray(v)) return JSON.stringify(v);
  return String(v);
}

function csvCell(s: string): string {
  return /[",\n\r]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
}

/**
 * A GitHub-flavoured Markdown table; `|` in cells is escaped.
 *
 * @example
 * renderMarkdownTable([{ header: 'f1', align: 'right' }], [['0.84']]); // '| f1 |\n| ---: |\n| 0.84 |'
 */
export function renderMarkdownTable(columns: Column[], rows: string[][]): string {
  const cell = (s: string) => s.replace(/\\/g, '\\\\').replace(/\|/g, '\\|').replace(/\n/g, ' ');
  const line = (cells: string[]) => `| ${cells.map(cell).join(' | ')} |`;
  return [line(columns.map((c) => c.header)), `| ${columns.map((c) => (c.align === 'right' ? '---:' : '---')).join(' | ')} |`, ...rows.map(line)].join('\n');
}
