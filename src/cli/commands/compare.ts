/**
 * `git-track compare RUN… [--filter EXPR]`: N runs in one table.
 */
import { parseFilter } from '../../query/parse.js';
import { queryRuns } from '../../query/query-runs.js';
import { parseSort } from '../../query/sort.js';
import { compareRefs } from '../../runs/compare-refs.js';
import { GitTrackError, quoteInput } from '../../errors.js';
import type { CliContext } from '../context.js';
import { warnUnknownFields } from '../field-warnings.js';
import { palette } from '../render/colour.js';
import { renderComparison } from '../render/comparison.js';
import { parseFormat } from '../render/formats.js';
import { useColour } from '../terminal.js';
import { parseDirections } from './directions.js';

interface CompareOptions {
  filter?: string;
  sort?: string;
  limit?: string;
  all?: boolean;
  format?: string;
  children?: string;
  higherIsBetter?: string[];
  lowerIsBetter?: string[];
  plot?: string;
}

export default async function compare(cli: CliContext, [refs]: unknown[], options: CompareOptions): Promise<number> {
  const format = parseFormat(options.format ?? 'text', ['text', 'md', 'json', 'csv'] as const);
  if (options.plot !== undefined && format !== 'md') throw new GitTrackError('USAGE', '--plot goes with --format md (the chart is linked from the markdown)');
  const names = (refs as string[] | undefined) ?? [];
  if (names.length === 0 && options.filter === undefined && options.children === undefined) {
    throw new GitTrackError('USAGE', 'compare needs runs to compare: name them, or give --filter EXPR or --children RUN');
  }
  const filter = options.filter === undefined ? undefined : parseFilter(options.filter);
  const sort = options.sort === undefined ? undefined : parseSort(options.sort);
  // A sweep is compared whole; a filter could select thousands.
  const limit = options.limit === undefined ? (options.children !== undefined && options.filter === undefined ? undefined : 20) : Number(options.limit);
  if (limit !== undefined && (!Number.isInteger(limit) || limit < 1)) throw new GitTrackError('USAGE', `--limit expects a positive whole number, got ${quoteInput(options.limit)}`);
  const directions = parseDirections(options);
  const ctx = cli.tracker();
  if (filter || sort) warnUnknownFields(cli, ctx, queryRuns(ctx, { limit: 0 }).table, { filter, sort });
  const cmp = compareRefs(ctx, names, { filter, sort, limit, children: options.children }, { ...directions, all: options.all });
  const image = options.plot === undefined ? null : await (await import('./plot.js')).writePlotFor(cli, cmp.runs.map((r) => r.id), options.plot);
  const text = renderComparison(cmp, format, palette(useColour()));
  cli.out(image ? `${text.trimEnd()}\n\n${image}\n` : text);
  return 0;
}
