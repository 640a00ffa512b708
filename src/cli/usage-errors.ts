/**
 * commander's own errors (an unknown option, a missing argument, a mistyped command) in the
 * one style of every git-track error: `git-track: …` on one line.
 */

import { oneLine } from '../errors.js';
import { MAX_QUOTED_CHARS } from '../limits.js';

/** Commands whose arguments are a command line to run: `git-track run -- CMD ARGS…`. */
const RUNS_A_COMMAND = new Set(['run', 'sweep']);

/**
 * commander's `error: …` text (with its `(Did you mean …?)` line) as one `git-track: …` line,
 * plus a hint at `--` when an option meant for the command to run came before it.
 *
 * @example
 * formatUsageError("error: unknown option '--lr'\n", ['run', 'python', 'train.py', '--lr', '3']);
 * // "git-track: unknown option '--lr' (options of the command to run go after --: git-track run -- python train.py --lr 3)\n"
 */
export function formatUsageError(text: string, argv: string[]): string {
  const lines = text.trim().split('\n').map((l) => l.trim()).filter(Boolean);
  let message = (lines[0] ?? '').replace(/^error:\s*/, '');
  for (const extra of lines.slice(1)) {
    const m = /^\(Did you mean (?:one of )?(.+)\?\)$/.exec(extra);
    message += m ? ` (did you mean ${m[1]}?)` : ` ${extra}`;
  }
  if (/^unknown option /.test(message)) {
    const hint = doubleDashHint(argv);
    if (hint) message += ` (options of the command to run go after --: ${hint})`;
  }
  return `git-track: ${oneLine(message)}\n`;
}

/** `git-track run [our options] -- CMD ARGS…` rebuilt from an argv that lacks the `--`. */
function doubleDashHint(argv: string[]): string | undefined {
  if (argv.includes('--')) return undefined;
  const at = argv.findIndex((a) => RUNS_A_COMMAND.has(a));
  if (at < 0) return undefined;
  const rest = argv.slice(at + 1);
  // The command starts at the first word that is neither an option nor an option's value:
  // a word right after `-x`/`--xyz` (without `=`) is taken as that option's value.
  let start = -1;
  for (let i = 0; i < rest.length; i++) {
    const word = rest[i]!;
    if (word.startsWith('-')) {
      if (!word.includes('=') && i + 1 < rest.length && !rest[i + 1]!.startsWith('-')) i++;
      continue;
    }
    start = i;
    break;
  }
  if (start < 0) return undefined;
  const words = [...argv.slice(0, at + 1), ...rest.slice(0, start), '--', ...rest.slice(start)];
  const line = `git-track ${words.map(shellWord).join(' ')}`;
  return line.length <= MAX_QUOTED_CHARS ? line : `git-track ${argv[at]} [options] -- CMD ARGS...`;
}

function shellWord(word: string): string {
  return /^[\w@%+=:,./-]+$/.test(word) ? word : `'${word.replace(/'/g, `'\\''`)}'`;
}
