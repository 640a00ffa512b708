/**
 * `git-track diff` output: text for the terminal (coloured when it is one), Markdown for a
 * pull request, JSON for scripts.
 */
import type { ChangeKind, FileChange, MetricChange, RunDiff, RunSummary, ValueChange } from '../../compare/run-diff.js';
import type { RunDiffResult } from '../../runs/diff-runs.js';
import type { Palette } from './colour.js';
import { renderMarkdownTable } from './formats.js';
import { formatCell, renderTable } from './table.js';

const label = (r: RunSummary) => (r.name ? `${r.id} (${r.name})` : r.id);
const MARK: Record<ChangeKind, string> = { same: ' ', changed: '~', added: '+', removed: '-' };

/** Deltas read as `+0.012 (+1.4%)`. */
export function formatDelta(m: MetricChange): string {
  if (m.delta === undefined) return '';
  const sign = m.delta > 0 ? '+' : '';
  const rel = m.relative === undefined ? '' : ` (${m.relative > 0 ? '+' : ''}${percent(m.relative * 100)}%)`;
  return `${sign}${formatCell(m.delta)}${rel}`;
}

/** Percentages to three significant digits (`6.25`, `-16.7`, `0.0123`): more reads as noise. */
function percent(p: number): string {
  return String(Number(p.toPrecision(3)));
}

function betterText(m: MetricChange, d: RunDiff): string {
  if (!m.better) return m.direction && m.delta === 0 ? 'tie' : '';
  return m.better === 'a' ? `A (${d.a.id.slice(0, 7)})` : `B (${d.b.id.slice(0, 7)})`;
}

function hash(f: FileChange['a']): string {
  if (!f) return '';
  return f.sha256 ? f.sha256.slice(0, 12) : f.label ? `version ${f.label}` : 'missing';
}

/**
 * Plain or coloured text. Unchanged params and tags are left out unless `all`.
 *
 * @example
 * renderDiffText(result, palette(false));
 */
export function renderDiffText(result: RunDiffResult, c: Palette, all = false): string {
  const d = result.diff;
  const out: string[] = [`A: ${label(d.a)}  ${d.a.created}  ${d.a.status}`, `B: ${label(d.b)}  ${d.b.created}  ${d.b.status}`];
  for (const w of d.warnings) out.push(c.yellow(c.bold(`WARNING: ${w}`)));
  const section = (title: string, header: string[], rows: string[][], colourRow?: (row: string, i: number) => string) => {
    out.push('', c.bold(title));
    if (rows.length === 0) {
      out.push('  (none)');
      return;
    }
    const table = renderTable(header.map((h, i) => ({ header: h, align: i > 0 && i < 3 ? 'right' : 'left' })), rows).split('\n');
    out.push(`  ${c.dim(table[0]!)}`, ...table.slice(1).map((l, i) => `  ${colourRow ? colourRow(l, i) : l}`));
  };
  const values = (changes: ValueChange[]) => changes.filter((v) => all || v.kind !== 'same');
  const params = values(d.params);
  section('params', ['', 'A', 'B'], params.map((p) => [`${MARK[p.kind]} ${p.key}`, formatCell(p.a), formatCell(p.b)]));
  section(
    'metrics',
    ['', 'A', 'B', 'delta', 'better'],
    d.metrics.map((m) => [`${MARK[m.kind]} ${m.key}`, formatCell(m.a), formatCell(m.b), formatDelta(m), betterText(m, d)]),
    (line, i) => {
      const m = d.metrics[i]!;
      return m.better === 'b' ? c.green(line) : m.better === 'a' ? c.red(line) : line;
    },
  );
  const tags = values(d.tags);
  if (tags.length) section('tags', ['', 'A', 'B'], tags.map((t) => [`${MARK[t.kind]} ${t.key}`, String(t.a ?? ''), String(t.b ?? '')]));
  const fileRows = (fs: FileChange[]) => fs.map((f) => [`${MARK[f.kind]} ${f.path}`, hash(f.a), hash(f.b), f.kind]);
  section('data', ['', 'A sha256', 'B sha256', ''], fileRows(d.data));
  out.push('', c.bold('code'));
  if (d.code.same) out.push(`  same commit ${d.code.a ?? '(none)'}`);
  else {
    out.push(`  A ${d.code.a ?? '(none)'}${d.code.aBranch ? ` (${d.code.aBranch})` : ''}`, `  B ${d.code.b ?? '(none)'}${d.code.bBranch ? ` (${d.code.bBranch})` : ''}`);
    if (result.codeStat) out.push(...result.codeStat.split('\n').map((l) => `  ${l}`));
    else if (result.codeStat === '') out.push('  (no file changes)');
    if (result.codeNote) out.push(`  ${result.codeNote}`);
  }
  const artifacts = d.artifacts.filter((f) => all || f.kind !== 'same');
  if (artifacts.length) section('artifacts', ['', 'A sha256', 'B sha256', ''], fileRows(artifacts));
  const env = values(d.env);
  if (env.length) section('environment', ['', 'A', 'B'], env.map((e) => [`${MARK[e.kind]} ${e.key}`, String(e.a ?? ''), String(e.b ?? '')]));
  if (result.manifestPatch) out.push('', result.manifestPatch.trimEnd());
  return out.join('\n');
}

/**
 * A Markdown comparison ready to paste in a pull request.
 *
 * @example
 * renderDiffMarkdown(result); // '### Run comparison\n\n| | A | B |…'
 */
export function renderDiffMarkdown(result: RunDiffResult, all = false): string {
  const d = result.diff;
  const out: string[] = [`### Run comparison: \`${d.a.id}\` → \`${d.b.id}\``, '', `- **A**: \`${d.a.id}\`${d.a.name ? ` ${d.a.name}` : ''} (${d.a.created}, ${d.a.status})`, `- **B**: \`${d.b.id}\`${d.b.name ? ` ${d.b.name}` : ''} (${d.b.created}, ${d.b.status})`];
  for (const w of d.warnings) out.push('', `> [!WARNING]`, `> ${w}`);
  const right = { align: 'right' as const };
  out.push('', '#### Metrics', '');
  out.push(
    d.metrics.length
      ? renderMarkdownTable(
          [{ header: 'metric' }, { header: 'A', ...right }, { header: 'B', ...right }, { header: 'Δ', ...right }, { header: 'better' }],
          d.metrics.map((m) => [m.key, formatCell(m.a), formatCell(m.b), formatDelta(m), m.better ? `**${m.better.toUpperCase()}**` : m.direction && m.delta === 0 ? 'tie' : '']),
        )
      : '_no metrics_',
  );
  const params = d.params.filter((p) => all || p.kind !== 'same');
  out.push('', '#### Params', '');
  out.push(params.length ? renderMarkdownTable([{ header: 'param' }, { header: 'A', ...right }, { header: 'B', ...right }], params.map((p) => [p.key, formatCell(p.a), formatCell(p.b)])) : '_same params_');
  if (d.data.length) {
    out.push('', '#### Data', '');
    out.push(renderMarkdownTable([{ header: 'path' }, { header: 'A sha256' }, { header: 'B sha256' }, { header: '' }], d.data.map((f) => [`\`${f.path}\``, hash(f.a), hash(f.b), f.kind])));
  }
  out.push('', '#### Code', '');
  if (d.code.same) out.push(`Same commit \`${d.code.a ?? 'none'}\`.`);
  else {
    out.push(`\`${d.code.a?.slice(0, 12) ?? 'none'}\` → \`${d.code.b?.slice(0, 12) ?? 'none'}\``);
    if (result.codeStat) out.push('', '```', result.codeStat, '```');
    if (result.codeNote) out.push('', result.codeNote);
  }
  if (result.manifestPatch) out.push('', '<details><summary>run.yaml diff</summary>', '', '```diff', result.manifestPatch.trimEnd(), '```', '', '</details>');
  return out.join('\n');
}
