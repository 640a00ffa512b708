/**
 * What every command receives: the directory to work in, the real Env, and output sinks.
 */
import { scrubText } from '../git/credentials.js';
import { oneLine } from '../errors.js';
import { defaultEnv, type Env } from '../env.js';
import { openContext, type TrackerContext } from '../tracker-context.js';
import { terminalProgress } from './terminal.js';

export interface CliContext {
  cwd: string;
  env: Env;
  out(text: string): void;
  /** Opens the repository lazily: commands that fail on bad flags never touch it. */
  tracker(): TrackerContext;
}

/**
 * The CLI context for this process.
 *
 * @example
 * const cli = makeCliContext(process.cwd());
 */
export function makeCliContext(cwd: string): CliContext {
  const progress = terminalProgress(process.stderr);
  const env = defaultEnv({
    // One line each, whatever a warning quotes from a pulled run; a progress line on the
    // terminal is cleared first, so the warning does not land in the middle of it.
    warn: (message) => {
      progress.done('');
      process.stderr.write(`warning: ${oneLine(scrubText(message))}\n`);
    },
    progress,
  });
  let tracker: TrackerContext | undefined;
  return {
    cwd,
    env,
    out: (text) => process.stdout.write(text.endsWith('\n') || text === '' ? text : `${text}\n`),
    tracker: () => (tracker ??= openContext({ dir: cwd, env })),
  };
}
