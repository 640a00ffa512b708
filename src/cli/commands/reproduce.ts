import { GitTrackError, quoteInput } from '../../errors.js';
import { reproduceRun, type ReproduceResult } from '../../reproduce/reproduce-run.js';
import { createInterface } from 'node:readline';
import { MAX_QUOTED_CHARS } from '../../limits.js';
import type { RunManifest } from '../../manifest/schema.js';
import type { CliContext } from '../context.js';
import { formatCell, renderTable } from '../render/table.js';

/** `git-track reproduce RUN`: exit 0 when every metric matches within the tolerance, else 1. */
export default async function reproduce(
  cli: CliContext,
  [ref]: unknown[],
  options: { metrics?: string; tolerance?: string; keep?: boolean; json?: boolean; yes?: boolean },
): Promise<number> {
  const tolerance = Number(options.tolerance ?? '0');
  if (!Number.isFinite(tolerance) || tolerance < 0) throw new GitTrackError('USAGE', `--tolerance expects a non-negative number, got ${quoteInput(options.tolerance)}`);
  const r = await reproduceRun(cli.tracker(), String(ref), {
    tolerance,
    metricsFile: options.metrics,
    keep: options.keep,
    confirm: options.yes ? undefined : confirmOnTerminal,
  });
  cli.out(options.json ? renderJson(r) : renderText(r, tolerance));
  return r.matches ? 0 : 1;
}

/**
 * The recorded command may be someone else's (a pulled run): show it and who recorded it,
 * and run it only when a person at a terminal says yes. Scripts pass --yes.
 */
async function confirmOnTerminal(run: RunManifest): Promise<boolean> {
  const who = `${run.author.name}${run.author.email ? ` <${run.author.email}>` : ''}`;
  const command = run.command!.map(quoteArg).join(' ');
  if (!process.stdin.isTTY || !process.stderr.isTTY) {
    const shown = command.length > MAX_QUOTED_CHARS ? `${command.slice(0, MAX_QUOTED_CHARS)}…` : command;
    throw new GitTrackError('USAGE', `reproduce runs the command recorded in run ${run.id} by ${who}: ${shown}; confirm on a terminal or pass --yes`, { id: run.id });
  }
  process.stderr.write(`Run ${run.id} was recorded by ${who} on ${run.created}.\nReproducing it runs its command in a checkout of its code:\n  ${command}\n`);
  const rl = createInterface({ input: process.stdin, output: process.stderr });
  try {
    const answer = await new Promise<string>((done) => {
      rl.question('Run it? [y/N] ', done);
      rl.once('close', () => done(''));
    });
    return /^y(es)?$/i.test(answer.trim());
  } finally {
    rl.close();
  }
}

/** An argument as a shell would need it, with control characters made visible. */
function quoteArg(arg: string): string {
  const visible = arg.replace(/[\x00-\x1f\x7f]/g, (c) => `\\x${c.charCodeAt(0).toString(16).padStart(2, '0')}`);
  return /^[A-Za-z0-9_@%+=:,./-]+$/.test(visible) ? visible : `'${visible.replace(/'/g, `'\\''`)}'`;
}

function renderJson(r: ReproduceResult): string {
  return JSON.stringify({ original: r.original.id, reproduction: r.reproduction.id, exit_code: r.exitCode, verdict: r.verdict, matches: r.matches, metrics: r.metrics, artifacts: r.artifacts, dir: r.dir }, null, 2);
}

const ARTIFACT_OUTCOME = { same: 'same bytes', different: 'different ', missing: 'MISSING   ', unrecorded: 'unrecorded' } as const;

function renderText(r: ReproduceResult, tolerance: number): string {
  const head =
    r.verdict === 'nothing-to-compare'
      ? `NOTHING TO COMPARE: run ${r.original.id} re-run as ${r.reproduction.id}, but neither run has a metric and the original no artifact with recorded bytes`
      : `${r.matches ? 'REPRODUCED' : 'DIFFERENT'}: run ${r.original.id} re-run as ${r.reproduction.id} (tolerance ${tolerance})`;
  const rows = r.metrics.map((m) => [m.name, formatCell(m.before ?? undefined), formatCell(m.after ?? undefined), m.before !== null && m.after !== null ? formatCell(m.after - m.before) : '', m.matches ? 'ok' : 'DIFFERS']);
  const lines = [head];
  if (r.exitCode !== 0) lines.push(`the command exited with ${r.exitCode}; its output ended with:`, r.output.trimEnd());
  if (rows.length) lines.push('', renderTable([{ header: 'metric' }, { header: 'original', align: 'right' }, { header: 'reproduced', align: 'right' }, { header: 'delta', align: 'right' }, { header: '' }], rows));
  const arts = r.artifacts.map((a) => `  ${ARTIFACT_OUTCOME[a.outcome]}  ${a.path}`);
  if (arts.length) lines.push('', 'artifacts:', ...arts);
  if (r.dir) lines.push('', `checkout kept in ${r.dir}`);
  return lines.join('\n');
}
