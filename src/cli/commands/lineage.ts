import { GitTrackError, quoteInput } from '../../errors.js';
import { lineage } from '../../provenance/lineage.js';
import type { CliContext } from '../context.js';
import { renderLineageMermaid, renderLineageText } from '../render/lineage.js';

/** `git-track lineage RUN`: an indented tree, `--json`, or `--format mermaid`. */
export default async function lineageCommand(cli: CliContext, [ref]: unknown[], options: { json?: boolean; format?: 'text' | 'json' | 'mermaid'; depth?: string }): Promise<number> {
  const depth = options.depth === undefined ? undefined : Number(options.depth);
  if (depth !== undefined && !(Number.isInteger(depth) && depth >= 0 && depth <= 1000)) throw new GitTrackError('USAGE', `--depth expects a whole number up to 1000, got ${quoteInput(options.depth)}`);
  const tree = lineage(cli.tracker(), String(ref), { depth });
  const format = options.json ? 'json' : options.format;
  cli.out(format === 'json' ? JSON.stringify(tree, null, 2) : format === 'mermaid' ? renderLineageMermaid(tree) : renderLineageText(tree));
  return 0;
}
