/**
 * Which command a command line names. A module of its own, built as its own tiny entry
 * (dist/command-name.js), because the `bin/` shim asks it before loading any CLI code: `log`
 * runs from a build of its own (scripts/build-log-bundle.mjs), every other command from dist/cli.js.
 */

/**
 * The first word of `argv` that is not a global option or its value.
 *
 * @example
 * commandName(['-C', 'repo', 'log', '-m', 'f1=1']); // 'log'
 * commandName(['--version']);                       // undefined
 */
export function commandName(argv: readonly string[]): string | undefined {
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]!;
    if (arg === '--') return undefined;
    if (arg === '-C') i++;
    else if (!arg.startsWith('-')) return arg;
  }
  return undefined;
}
