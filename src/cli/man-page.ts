/**
 * The manual page `git-track(1)`, written from the command declarations at build time
 * (scripts/build.mjs), so `git track --help` — which git answers with `man git-track` — finds
 * the same commands and options as `git-track --help`.
 */
import type { Command, Option } from 'commander';

/** roff text: a backslash or a leading dot/quote would be read as a request. */
function roff(text: string): string {
  return text
    .replace(/\\/g, '\\e')
    .replace(/-/g, '\\-')
    .replace(/^([.'])/gm, '\\&$1');
}

function optionLines(option: Option): string[] {
  const extra: string[] = [];
  if (option.argChoices) extra.push(`one of: ${option.argChoices.join(', ')}`);
  if (option.defaultValue !== undefined && option.defaultValue !== false) extra.push(`default: ${String(option.defaultValue)}`);
  const description = option.description + (extra.length > 0 ? ` (${extra.join('; ')})` : '');
  return ['.TP', `.B ${roff(option.flags)}`, roff(description)];
}

function synopsis(command: Command): string {
  const args = command.registeredArguments.map((a) => {
    const name = `${a.name()}${a.variadic ? '...' : ''}`;
    return a.required ? `<${name}>` : `[${name}]`;
  });
  const usage = command.usage();
  // A hand-written usage (run's `[log options] -- CMD`) says more than the generated one.
  return usage.includes('--') ? usage : ['[options]', ...args].join(' ');
}

/**
 * The roff source of the manual page, for `program` (every command declared).
 *
 * @example
 * writeFileSync('git-track.1', renderManPage(buildProgram(), '0.1.0'));
 */
export function renderManPage(program: Command, version: string): string {
  const lines = [
    `.TH GIT\\-TRACK 1 "" "git-track ${roff(version)}" "git-track manual"`,
    '.SH NAME',
    `git\\-track \\- ${roff(program.description())}`,
    '.SH SYNOPSIS',
    '.B git-track',
    '[\\-C \\fIpath\\fR] \\fIcommand\\fR [\\fIoptions\\fR] [\\fIarguments\\fR]',
    '.br',
    '.B git track',
    '\\fIcommand\\fR ...',
    '.SH DESCRIPTION',
    roff(
      'Every training run becomes one commit on the orphan `runs` branch of your repository: a canonical YAML manifest of params, metrics, code version, data version, environment and artifact pointers. Logging writes git objects and moves the `runs` ref only; HEAD, the index, the working tree and other branches are never touched unless a command says so.',
    ),
    '.PP',
    roff('RUN arguments accept an id or unique id prefix (at least 4 characters), a name (the newest run with it), `latest`, `stage:NAME`, or the run commit.'),
    '.SH GLOBAL OPTIONS',
    ...program.options.flatMap(optionLines),
    '.SH COMMANDS',
  ];
  for (const command of program.commands) {
    const aliases = command.aliases().length > 0 ? ` (${command.aliases().join(', ')})` : '';
    lines.push(`.SS "${roff(`git-track ${command.name()}${aliases} ${synopsis(command)}`).replace(/"/g, '""')}"`, roff(command.description()));
    for (const argument of command.registeredArguments) {
      if (argument.description) lines.push('.TP', `.I ${roff(argument.name())}`, roff(argument.description));
    }
    for (const option of command.options) lines.push(...optionLines(option));
  }
  lines.push(
    '.SH EXIT STATUS',
    roff('0 success; 1 failure (a run not found, a check that fails, a push rejected); 2 bad usage; 127 a command to run that does not exist; 141 output into a closed pipe.'),
    '.SH SEE ALSO',
    roff('README.md and docs/run-contract.md in the git-track package; git(1).'),
    '',
  );
  return lines.join('\n');
}
