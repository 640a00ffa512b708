/**
 * `git-track plot RUN…`: the runs' metric curves as an SVG or PNG file (or SVG on stdout).
 * Also the `--plot FILE` of `diff` and `compare --format md`.
 */
import { writeFileSync } from 'node:fs';
import { relative, resolve, sep } from 'node:path';
import { GitTrackError, quoteInput } from '../../errors.js';
import { plotRuns, svgToPng } from '../../plot/plot-runs.js';
import type { XAxis } from '../../series/series-lines.js';
import type { CliContext } from '../context.js';

interface PlotOptions {
  metric?: string[];
  x?: XAxis;
  output?: string;
}

export default async function plot(cli: CliContext, [refs]: unknown[], options: PlotOptions): Promise<number> {
  const format = options.output === undefined ? 'svg' : imageFormat(options.output, '-o');
  const result = plotRuns(cli.tracker(), refs as string[], { metrics: options.metric, x: options.x });
  for (const m of result.missing) cli.env.warn(`run ${m.run} has no series '${m.metric}'; left out of the chart`);
  if (options.output === undefined) {
    cli.out(result.svg);
    return 0;
  }
  writeFileSync(resolve(cli.cwd, options.output), format === 'png' ? await svgToPng(result.svg) : result.svg);
  return 0;
}

/**
 * Write the chart of `refs` to `file` for a markdown report and return its image line (a
 * link relative to the current directory, where the report is written); null with a warning
 * when no run has a series.
 *
 * @example
 * await writePlotFor(cli, ['baseline', 'latest'], 'curves.svg'); // '![metric curves](curves.svg)'
 */
export async function writePlotFor(cli: CliContext, refs: string[], file: string): Promise<string | null> {
  const format = imageFormat(file, '--plot');
  let svg: string;
  try {
    svg = plotRuns(cli.tracker(), refs).svg;
  } catch (err) {
    if (err instanceof GitTrackError && err.code === 'RUN_NOT_FOUND' && err.message.startsWith('no series to plot')) {
      cli.env.warn(`--plot: ${err.message}; no chart written`);
      return null;
    }
    throw err;
  }
  const path = resolve(cli.cwd, file);
  writeFileSync(path, format === 'png' ? await svgToPng(svg) : svg);
  const link = relative(cli.cwd, path).split(sep).join('/');
  return `![metric curves](${encodeURI(link)})`;
}

/** The format a file name asks for: .svg or .png, anything else a usage error. */
function imageFormat(file: string, option: string): 'svg' | 'png' {
  const lower = file.toLowerCase();
  if (lower.endsWith('.svg')) return 'svg';
  if (lower.endsWith('.png')) return 'png';
  throw new GitTrackError('USAGE', `${option} expects a file ending in .svg or .png, got ${quoteInput(file)}`);
}
