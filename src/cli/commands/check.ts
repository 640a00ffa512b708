import { GitTrackError, quoteInput } from '../../errors.js';
import { checkRun } from '../../policy/check-run.js';
import type { CliContext } from '../context.js';
import { renderCheck } from '../render/check.js';

interface CheckOptions {
  requireParam?: string[];
  requireMetric?: string[];
  requireTag?: string[];
  requireRole?: string[];
  threshold?: string[];
  regression?: string | boolean;
  tolerance?: string;
  cleanCode?: boolean;
  policy?: boolean;
  format?: 'text' | 'md' | 'json';
}

/** `git-track check RUN`: exit 1 when any rule fails. */
export default async function check(cli: CliContext, [ref]: unknown[], options: CheckOptions): Promise<number> {
  const tolerance = Number(options.tolerance ?? '0');
  if (!Number.isFinite(tolerance) || tolerance < 0) throw new GitTrackError('USAGE', `--tolerance expects a non-negative number, got ${quoteInput(options.tolerance)}`);
  // commander reads `--no-regression <stage>` as the negation of a `regression` option holding the stage.
  const stage = typeof options.regression === 'string' ? options.regression : undefined;
  const result = await checkRun(cli.tracker(), String(ref), {
    usePolicyFile: options.policy !== false,
    extra: {
      params: options.requireParam,
      metrics: options.requireMetric,
      tags: options.requireTag,
      roles: options.requireRole,
      thresholds: options.threshold,
      cleanCode: options.cleanCode,
      noRegression: stage ? { stage, tolerance } : undefined,
    },
  });
  cli.out(renderCheck(result, options.format ?? 'text'));
  return result.ok ? 0 : 1;
}
