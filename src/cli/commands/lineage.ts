import { lineage } from '../../provenance/lineage.js';
import type { CliContext } from '../context.js';
import { renderLineageMermaid, renderLineageText } from '../render/lineage.js';

/** `git-track lineage RUN`: an indented tree, `--json`, or `--format mermaid`. */
export default async function lineageCommand(cli: CliContext, [ref]: unknown[], options: { json?: boolean; format?: 'text' | 'json' | 'mermaid' }): Promise<number> {
  const tree = lineage(cli.tracker(), String(ref));
  const format = options.json ? 'json' : options.format;
  cli.out(format === 'json' ? JSON.stringify(tree, null, 2) : format === 'mermaid' ? renderLineageMermaid(tree) : renderLineageText(tree));
  return 0;
}
