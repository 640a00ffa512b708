/**
 * The git-track command line. This is the one place that prints errors and sets the exit
 * code: library code throws {@link GitTrackError}s, mapped here to one clear line.
 *
 * Command implementations are imported on demand, so `git-track --version` and `--help` load
 * only commander.
 */
import { scrubText } from '../git/credentials.js';
import { CommanderError } from 'commander';
import { GitTrackError, oneLine } from '../errors.js';
import { exitQuietlyOnClosedPipe } from './closed-pipe.js';
import { damageHint } from './damage-hint.js';
import { buildProgram } from './program.js';

/** Exit codes: 0 success, 1 failure (a run not found, a check failed), 2 bad usage. */
const USAGE_CODES = new Set(['USAGE']);
/** As shells do: a command that cannot be found exits 127. */
const EXIT_CODES: Partial<Record<string, number>> = { COMMAND_NOT_FOUND: 127 };

/**
 * Run the CLI with `argv` (without node and script) and return the exit code.
 *
 * @example
 * process.exitCode = await main(process.argv.slice(2));
 */
export async function main(argv: string[]): Promise<number> {
  exitQuietlyOnClosedPipe([process.stdout, process.stderr]);
  const program = buildProgram(argv);
  const debug = argv.includes('--debug');
  try {
    await program.parseAsync(argv, { from: 'user' });
    return typeof process.exitCode === 'number' ? process.exitCode : 0;
  } catch (err) {
    const damaged = await damageHint(err, argv);
    if (damaged) {
      process.stderr.write(`git-track: ${damaged}\n`);
      if (debug && err instanceof Error && err.stack) process.stderr.write(`${err.stack}\n`);
      return 1;
    }
    return reportError(err, debug);
  }
}

function reportError(err: unknown, debug: boolean): number {
  if (err instanceof CommanderError) {
    // commander already printed its message (or the help/version text).
    if (err.code === 'commander.helpDisplayed' || err.code === 'commander.version' || err.code === 'commander.help') return 0;
    return 2;
  }
  if (err instanceof GitTrackError) {
    process.stderr.write(`git-track: ${oneLine(err.message)}\n`);
    if (debug && err.stack) process.stderr.write(`${err.stack}\n`);
    return EXIT_CODES[err.code] ?? (USAGE_CODES.has(err.code) ? 2 : 1);
  }
  // Not ours, so not scrubbed at construction: it may still quote a URL with a token.
  const message = scrubText(err instanceof Error ? err.message : String(err));
  process.stderr.write(`git-track: unexpected error: ${oneLine(message)}\n`);
  if (debug && err instanceof Error && err.stack) process.stderr.write(`${err.stack}\n`);
  else process.stderr.write('(run again with --debug for details)\n');
  return 1;
}
