/**
 * `git-track compare` output: runs as columns, a row per param/metric, the best value of each
 * metric marked (`*` in text, bold in Markdown, `best` in JSON).
 */
import type { Comparison } from '../../compare/compare-runs.js';
import type { Palette } from './colour.js';
import { renderMarkdownTable, renderRows } from './formats.js';
import { formatCell, renderTable, type Column } from './table.js';

const runHeader = (r: Comparison['runs'][number]) => (r.name ? `${r.id.slice(0, 7)} ${r.name}` : r.id);

function rowLabel(row: Comparison['rows'][number]): string {
  const arrow = row.direction === 'higher' ? ' ↑' : row.direction === 'lower' ? ' ↓' : '';
  return `${row.section}.${row.key}${arrow}`;
}

/**
 * The comparison as text, Markdown, CSV or JSON.
 *
 * @example
 * renderComparison(comparison, 'md', palette(false));
 */
export function renderComparison(cmp: Comparison, format: 'text' | 'md' | 'json' | 'csv', c: Palette): string {
  if (format === 'json') return JSON.stringify(cmp, null, 2);
  const columns: Column[] = [{ header: '' }, ...cmp.runs.map((r) => ({ header: runHeader(r), align: 'right' as const }))];
  if (format === 'csv') {
    return renderRows('csv', [{ header: 'field' }, ...cmp.runs.map((r) => ({ header: r.id }))], cmp.rows.map((row) => [`${row.section}.${row.key}`, ...row.values]));
  }
  if (cmp.rows.length === 0) return 'The runs have the same params and metrics (use --all to list them).';
  if (format === 'md') {
    return renderMarkdownTable(
      columns,
      cmp.rows.map((row) => [rowLabel(row), ...row.values.map((v, i) => (row.best.includes(i) ? `**${formatCell(v)}**` : formatCell(v)))]),
    );
  }
  const cells = cmp.rows.map((row) => [rowLabel(row), ...row.values.map((v, i) => `${formatCell(v)}${row.best.includes(i) ? '*' : ' '}`)]);
  const lines = renderTable(columns, cells).split('\n');
  // Colour after layout so escape codes do not upset the column widths.
  const coloured = lines.map((line, i) => (i === 0 ? c.dim(line) : line.replace(/(\S+)\*/g, (m) => c.green(m))));
  const hasBest = cmp.rows.some((r) => r.best.length > 0);
  return [...coloured, ...(hasBest ? ['', '* best value (↑ higher is better, ↓ lower is better)'] : [])].join('\n');
}
