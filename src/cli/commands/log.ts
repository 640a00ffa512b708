/**
 * `git-track log`: parse the flags into a run, record it, print its id (or the manifest).
 */
import { existsSync } from 'node:fs';
import { resolve } from 'node:path';
import { GitTrackError, quoteInput } from '../../errors.js';
import { seriesInput, type SeriesInput } from '../../series/series-input.js';
import { flattenValues, parseAssignment, parseMetricAssignment, readValuesFile, toMetrics } from '../../manifest/values.js';
import { readRunRecord } from '../../runs/import-record.js';
import { logRun, type LogRunInput, type Scalar } from '../../runs/log-run.js';
import { checkValueSizes } from '../../manifest/value-limits.js';
import { readInputFile } from '../../manifest/read-input-file.js';
import { MAX_SERIES_BYTES } from '../../limits.js';
import type { CliContext } from '../context.js';
import { renderManifestJson } from '../render/manifest.js';
import { recoverWithNotes } from './recover.js';

interface LogOptions {
  param?: string[];
  metric?: string[];
  tag?: string[];
  params?: string[];
  metrics?: string[];
  from?: string;
  data?: string[];
  artifact?: string[];
  name?: string;
  experiment?: string;
  parent?: string;
  note?: string;
  status?: 'finished' | 'failed' | 'killed';
  duration?: string;
  dryRun?: boolean;
  json?: boolean;
  series?: string[];
  remote?: string;
  codeCommit?: string;
}

export default async function log(cli: CliContext, _args: unknown[], options: LogOptions): Promise<number> {
  const input = parseLogOptions(cli, options);
  refuseEmptyRun(input);
  if (options.remote !== undefined || options.codeCommit !== undefined) return logToRemote(cli, input, options);
  const ctx = cli.tracker();
  // Loaded only when used: resolving a reference pulls in the query index code, which a plain
  // `log` must not pay for at start-up.
  if (options.parent !== undefined) input.parent = (await import('../../runs/resolve-parent.js')).resolveParent(ctx, options.parent);
  if (!options.dryRun) await recoverWithNotes(cli, ctx);
  const result = await logRun(ctx, input, { dryRun: options.dryRun });
  if (options.json) cli.out(renderManifestJson(result.manifest));
  else if (options.dryRun) cli.out(result.yaml);
  else cli.out(result.manifest.id);
  return 0;
}

/** `log --remote URL`: the run goes straight to the remote, no clone needed. */
async function logToRemote(cli: CliContext, input: LogRunInput, options: LogOptions): Promise<number> {
  const { openWriter, prepareWriter, pushWriter, refuseCodeCommitAlone } = await import('./log-remote.js');
  refuseCodeCommitAlone(options);
  const writer = await openWriter(cli, options);
  try {
    await prepareWriter(writer);
    const result = await logRun(writer.ctx, { ...input, base: cli.cwd, code: writer.code });
    await pushWriter(writer);
    cli.out(options.json ? renderManifestJson(result.manifest) : result.manifest.id);
    return 0;
  } finally {
    writer.close();
  }
}

/**
 * A run with nothing in it is almost always a forgotten flag (`log --name x` alone); an empty
 * run would sit in every listing forever, since runs are never deleted.
 */
function refuseEmptyRun(input: LogRunInput): void {
  const has = (o: object | undefined) => o !== undefined && Object.keys(o).length > 0;
  if (has(input.params) || has(input.metrics) || has(input.tags) || input.data?.length || input.dataVersion !== undefined) return;
  if (input.artifacts?.length || input.note !== undefined || input.series?.length) return;
  // A run that failed or was killed is a fact worth keeping even when it got nowhere.
  if (input.status === 'failed' || input.status === 'killed') return;
  throw new GitTrackError(
    'USAGE',
    'nothing to record: give at least one of -p/--param, -m/--metric, -t/--tag, -d/--data, -a/--artifact, --params, --metrics, --series, --from or --note',
  );
}

/**
 * Flags → run input. Values given on the command line override those of `--from` and files.
 *
 * @example
 * parseLogOptions(cli, { param: ['lr=0.01'], metric: ['f1=0.84'] }).params; // { lr: 0.01 }
 */
export function parseLogOptions(cli: CliContext, options: LogOptions): LogRunInput {
  const input: LogRunInput = options.from ? readRunRecord(resolve(cli.cwd, options.from), cli.env, options.from) : {};
  const params: Record<string, Scalar | Scalar[]> = { ...input.params };
  for (const file of options.params ?? []) Object.assign(params, flattenValues(readValuesFile(resolve(cli.cwd, file)), file));
  for (const p of options.param ?? []) {
    const [key, value] = parseAssignment(p, '--param');
    params[key] = value;
  }
  const metrics: Record<string, number> = { ...input.metrics };
  for (const file of options.metrics ?? []) Object.assign(metrics, toMetrics(flattenValues(readValuesFile(resolve(cli.cwd, file), 'metrics'), file), file));
  for (const m of options.metric ?? []) {
    const [key, value] = parseMetricAssignment(m, '--metric');
    metrics[key] = value;
  }
  const tags: Record<string, string> = { ...input.tags };
  for (const t of options.tag ?? []) {
    const eq = t.indexOf('=');
    if (eq <= 0) throw new GitTrackError('USAGE', `--tag expects KEY=VALUE, got ${quoteInput(t)}`, { flag: '--tag', text: t });
    tags[t.slice(0, eq)] = t.slice(eq + 1);
  }
  const data = [...(input.data ?? []), ...(options.data ?? []).map((d) => splitSuffix(cli, d, '@', 'label'))].map((d) => ({
    path: resolve(cli.cwd, d.path),
    ...(d.label ? { label: d.label } : {}),
  }));
  const artifacts = [...(input.artifacts ?? []), ...(options.artifact ?? []).map((a) => splitSuffix(cli, a, ':', 'role'))].map((a) => ({
    path: resolve(cli.cwd, a.path),
    ...('role' in a && a.role ? { role: a.role } : {}),
    ...('optional' in a && a.optional ? { optional: true } : {}),
  }));
  let durationS = input.durationS;
  if (options.duration !== undefined) {
    durationS = Number(options.duration);
    if (!Number.isFinite(durationS) || durationS < 0) throw new GitTrackError('USAGE', `--duration expects seconds, got ${quoteInput(options.duration)}`);
  }
  // `run` parses its flags here too: a value over its limit is refused before training starts.
  checkValueSizes({ params, tags, note: options.note ?? input.note });
  const series = readSeriesFiles(cli, options.series ?? []);
  // A metric given explicitly (flag, file, record) wins over its series' last value.
  const withSeries = series ? { ...series.last, ...metrics } : metrics;
  return {
    ...input,
    ...(series ? { files: { ...input.files, ...series.files }, series: [...(input.series ?? []), ...series.series] } : {}),
    params,
    metrics: withSeries,
    tags,
    data,
    artifacts,
    durationS,
    name: options.name ?? input.name,
    experiment: options.experiment ?? input.experiment,
    note: options.note ?? input.note,
    status: options.status ?? input.status,
  };
}

/**
 * `path@label` / `path:role`: split at the last separator, unless the whole text is an
 * existing path (file names may contain '@' or ':').
 */
function splitSuffix(cli: CliContext, text: string, sep: '@' | ':', key: 'label' | 'role'): { path: string; label?: string; role?: string } {
  const at = text.lastIndexOf(sep);
  if (at <= 0 || existsSync(resolve(cli.cwd, text))) return { path: text };
  const suffix = text.slice(at + 1);
  if (suffix === '' || suffix.includes('/')) return { path: text };
  return { path: text.slice(0, at), [key]: suffix };
}

function readSeriesFiles(cli: CliContext, paths: string[]): SeriesInput | undefined {
  if (paths.length === 0) return undefined;
  return seriesInput(
    paths.map((p) => ({ source: p, text: readInputFile(resolve(cli.cwd, p), '--series file', { label: p, maxBytes: MAX_SERIES_BYTES, limitName: 'MAX_SERIES_BYTES' }) })),
  );
}
