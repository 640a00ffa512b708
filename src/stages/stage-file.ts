/**
 * The review file of a stage, `.git-track/stages/<stage>.yaml` in the working tree:
 *
 * ```yaml
 * # comment saying what wrote it
 * promotion:
 *   stage: production
 *   …
 * run:
 *   format: git-track/run@1     # the run's run.yaml, byte for byte, indented by two spaces
 *   …
 * ```
 *
 * The manifest part is the canonical `run.yaml` indented, so a pull request that changes the
 * file shows exactly which params, metrics, data and code changed for the stage, and CI can
 * compare it byte for byte with the run on `runs` (`verify --stages`).
 */
import { loadYaml } from '../manifest/yaml-text.js';
import { GitTrackError } from '../errors.js';
import { promotionSchema, type Promotion } from './records.js';

export const STAGE_FILES_DIR = '.git-track/stages';

const HEADER = '# Written by `git-track promote`. CI checks it with `git-track verify --stages`; do not edit by hand.\n';

/**
 * The stage file's text.
 *
 * @example
 * renderStageFile(promotion, encodeManifest(manifest));
 */
export function renderStageFile(promotion: Promotion, manifestYaml: string): string {
  const promo = loadYaml().stringify({ promotion }, { lineWidth: 0 });
  return `${HEADER}${promo}run:\n${indent(manifestYaml)}`;
}

export interface ParsedStageFile {
  promotion: Promotion;
  /** The manifest text, un-indented: equal to the run's run.yaml when the file is intact. */
  manifestYaml: string;
}

/**
 * Split a stage file into its promotion record and its manifest text.
 *
 * @throws GitTrackError BAD_INPUT when the file is not a stage file
 * @example
 * parseStageFile(readFileSync('.git-track/stages/production.yaml', 'utf8'), 'production.yaml').promotion.run;
 */
export function parseStageFile(text: string, source: string): ParsedStageFile {
  const lines = text.split('\n');
  const at = lines.indexOf('run:');
  if (at < 0) throw new GitTrackError('BAD_INPUT', `${source}: no 'run:' section`, { source });
  let head: unknown;
  try {
    head = loadYaml().parse(lines.slice(0, at).join('\n'), { schema: 'core' });
  } catch (err) {
    throw new GitTrackError('BAD_INPUT', `${source}: not valid YAML: ${(err as Error).message.split('\n')[0]}`, { source });
  }
  const parsed = promotionSchema.safeParse((head as { promotion?: unknown } | null)?.promotion);
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!;
    throw new GitTrackError('BAD_INPUT', `${source}: promotion.${issue.path.join('.')}: ${issue.message}`, { source });
  }
  const body = lines.slice(at + 1).map((l) => (l.startsWith('  ') ? l.slice(2) : l));
  return { promotion: parsed.data, manifestYaml: body.join('\n') };
}

/** Indent non-empty lines by two spaces (empty lines stay empty, as YAML block scalars allow). */
function indent(text: string): string {
  return text
    .split('\n')
    .map((l) => (l === '' ? l : `  ${l}`))
    .join('\n');
}
