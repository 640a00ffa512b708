/**
 * The git-track CLI program: global options, and the commands a command line needs (see
 * command-declarations.ts).
 */
import { Command } from 'commander';
import { gitTrackVersion } from '../version.js';
import { COMMANDS } from './command-declarations.js';
import { commandName } from './command-name.js';
import { formatUsageError } from './usage-errors.js';

/**
 * The commander program: the command `argv` names, or every command when it names none.
 *
 * @example
 * await buildProgram(argv).parseAsync(argv, { from: 'user' });
 */
export function buildProgram(argv: string[] = []): Command {
  const program = new Command('git-track')
    .description('Git-native experiment tracker: every run is a commit on the `runs` branch of your repository.')
    .version(gitTrackVersion(), '-V, --version')
    .option('-C <path>', 'run as if started in <path>')
    .option('--debug', 'show stack traces of unexpected errors')
    .configureOutput({ outputError: (text, write) => write(formatUsageError(text, argv)) })
    .showHelpAfterError('(run with --help for usage)')
    .exitOverride();

  // Declaring every command costs ~13 ms of start-up; a command line naming one needs only
  // that one (help for everything, and commander's suggestion for a mistyped name, need all).
  const named = commandName(argv);
  const wanted = COMMANDS.filter(([names]) => named !== undefined && names.includes(named));
  for (const [, declare] of wanted.length > 0 ? wanted : COMMANDS) declare(program);

  return program;
}
