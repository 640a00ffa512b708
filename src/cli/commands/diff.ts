/**
 * `git-track diff A B`: what changed between two runs.
 */
import { GitTrackError } from '../../errors.js';
import { diffRunRefs } from '../../runs/diff-runs.js';
import type { CliContext } from '../context.js';
import { palette } from '../render/colour.js';
import { parseFormat } from '../render/formats.js';
import { renderDiffMarkdown, renderDiffText } from '../render/run-diff.js';
import { useColour } from '../terminal.js';
import { parseDirections } from './directions.js';

interface DiffOptions {
  format?: string;
  manifest?: boolean;
  all?: boolean;
  higherIsBetter?: string[];
  lowerIsBetter?: string[];
  plot?: string;
}

export default async function diff(cli: CliContext, [a, b]: unknown[], options: DiffOptions): Promise<number> {
  const format = parseFormat(options.format ?? 'text', ['text', 'md', 'json'] as const);
  if (options.plot !== undefined && format !== 'md') throw new GitTrackError('USAGE', '--plot goes with --format md (the chart is linked from the markdown)');
  const directions = parseDirections(options);
  const result = await diffRunRefs(cli.tracker(), String(a), String(b), { ...directions, manifest: options.manifest });
  if (format === 'json') cli.out(JSON.stringify(result, null, 2));
  else if (format === 'md') {
    const image = options.plot === undefined ? null : await (await import('./plot.js')).writePlotFor(cli, [result.diff.a.id, result.diff.b.id], options.plot);
    cli.out(image ? `${renderDiffMarkdown(result, options.all).trimEnd()}\n\n${image}\n` : renderDiffMarkdown(result, options.all));
  }
  else cli.out(renderDiffText(result, palette(useColour()), options.all));
  for (const w of result.diff.warnings) if (format !== 'text') cli.env.warn(w);
  return 0;
}
