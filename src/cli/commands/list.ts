/**
 * `git-track list`: find runs with a filter, sort them, show chosen columns in a format. Runs
 * still in progress (from their staging dirs) come first, filtered like the others.
 */
import type { RunningRun } from '../../capture/recover.js';
import { GitTrackError, quoteInput } from '../../errors.js';
import { fieldKey, type Expr, type Field } from '../../query/ast.js';
import { indent, nestRows } from '../render/run-tree.js';
import { runFacts, withFacts } from '../../facts/read-facts.js';
import { matches, type FieldValue } from '../../query/evaluate.js';
import { parseFieldName, parseFilter } from '../../query/parse.js';
import { loadQueryIndexAsync } from '../../query/query-index.js';
import { queryRuns } from '../../query/query-runs.js';
import { parseSort } from '../../query/sort.js';
import { readListedManifests } from '../../query/load-runs.js';
import { readSkipped } from '../../query/skipped-runs.js';
import { allTagRecords, withTags } from '../../stages/read-stages.js';
import type { CliContext } from '../context.js';
import { FORMATS, parseFormat, renderRows } from '../render/formats.js';
import { chooseListColumns, omittedLine } from '../render/list-columns.js';
import { formatCell, type Column } from '../render/table.js';
import { warnUnknownFields } from '../field-warnings.js';
import { showRemoteRunsHint } from '../remote-hint.js';
import { recoverWithNotes } from './recover.js';

interface ListOptions {
  filter?: string;
  sort?: string;
  columns?: string;
  limit?: string;
  format?: string;
  json?: boolean;
  flat?: boolean;
  all?: boolean;
}

/** A run in progress, for the list: not a manifest (the stored status is never `running`). */
interface RunningRow {
  id: string;
  status: 'running';
  name?: string;
  created: string;
  command?: string[];
  pid: number;
  hostname: string;
  params: Record<string, FieldValue>;
  metrics: Record<string, number>;
}

type Get = (field: Field) => FieldValue | undefined;

export default async function list(cli: CliContext, _args: unknown[], options: ListOptions): Promise<number> {
  const limit = parseLimit(options.limit);
  const format = options.json ? 'json' : parseFormat(options.format ?? 'table', FORMATS);
  const given = parseOptionalFilter(options.filter);
  const filter = options.all ? given : withoutArchived(given);
  const sort = options.sort === undefined ? undefined : parseSort(options.sort);
  const fields = options.columns === undefined ? undefined : parseColumns(options.columns);
  const ctx = cli.tracker();
  showRemoteRunsHint(ctx);
  const { running } = await recoverWithNotes(cli, ctx);
  await loadQueryIndexAsync(ctx); // a cold index streams manifests from git while parsing them
  const result = queryRuns(ctx, { filter, sort, limit });
  warnUnknownFields(cli, ctx, result.table, { filter: given, sort }, running.map(runningRow).flatMap(runningKeys));
  const live = running
    .map(runningRow)
    .filter((r) => !filter || matches(filter, runningAccessor(r)))
    .slice(0, limit);
  const recordedRows = result.rows.slice(0, limit === undefined ? undefined : Math.max(0, limit - live.length));
  // Without --columns, JSON keeps its documented shape: the whole manifests.
  if (format === 'json' && !fields) {
    const tags = allTagRecords(ctx);
    const facts = runFacts(ctx);
    const manifests = readListedManifests(ctx, recordedRows.map((r) => ({ id: result.table.id(r), tree: result.table.tree(r) }))).map((m) => withFacts(withTags(m, tags.get(m.id)), facts.get(m.id)));
    cli.out(JSON.stringify([...live, ...manifests], null, 2));
    return 0;
  }
  if (result.table.size === 0 && live.length === 0 && format === 'table') {
    // Runs that could not be read were each named in a warning: the branch is not empty.
    if (readSkipped(ctx.repo.stateDir, result.table.tip).length > 0) cli.out('No run could be read: each was skipped (see the warnings above).');
    else cli.out('No runs yet. Record one with: git-track log -p lr=0.01 -m f1=0.84');
    return 0;
  }
  const nested = format === 'table' && !options.flat ? nestRows(recordedRows.map((r) => ({ id: result.table.id(r), parent: result.get(r, PARENT) as string | undefined }))) : undefined;
  const ordered = nested ? nested.map((n) => recordedRows[n.index]!) : recordedRows;
  const rows: Get[] = [...live.map(runningAccessor), ...ordered.map((r): Get => (f) => result.get(r, f))];
  const keys = [...new Set([...result.table.keys(), ...live.flatMap((r) => [...Object.keys(r.params).map((k) => `params.${k}`), ...Object.keys(r.metrics).map((k) => `metrics.${k}`)])])];
  const cellOf = (f: Field, v: FieldValue | undefined): FieldValue | undefined =>
    format === 'table' && f.scope === 'attr' && f.name === 'created' && typeof v === 'string' ? v.slice(0, 16).replace('T', ' ') : v;
  // Default table headers read as before: bare param and metric names.
  const headerOf = (f: Field): string => (fields ? fieldKey(f) : fieldKey(f).replace(/^(?:params|metrics)\./, ''));
  const { shown, omitted } = fields
    ? { shown: fields, omitted: [] }
    : chooseListColumns(rows, keys, { all: format !== 'table', width: format === 'table' ? terminalWidth() : undefined, cell: (f, v) => formatCell(cellOf(f, v)), header: headerOf });
  const columns: Column[] = shown.map((f) => ({ header: headerOf(f), align: f.scope === 'params' || f.scope === 'metrics' ? 'right' : 'left' }));
  const cells = rows.map((get) => shown.map((f) => cellOf(f, get(f))));
  // Children under their parent: the first column is indented.
  if (nested) nested.forEach((n, i) => cells[live.length + i]!.splice(0, 1, `${indent(n.depth)}${formatCell(cells[live.length + i]![0])}`));
  cli.out(renderRows(format, columns, cells));
  if (omitted.length > 0) cli.out(omittedLine(omitted));
  return 0;
}

/** The width a table must fit: the terminal's, else $COLUMNS; none when piped without it. */
function terminalWidth(): number | undefined {
  if (process.stdout.isTTY && process.stdout.columns > 0) return process.stdout.columns;
  const columns = Number(process.env.COLUMNS);
  return Number.isInteger(columns) && columns > 0 ? columns : undefined;
}

function runningRow(r: RunningRun): RunningRow {
  const { state } = r;
  return {
    id: state.id,
    status: 'running',
    ...(state.input.name ? { name: state.input.name } : {}),
    created: state.started.replace(/\.\d{3}Z$/, 'Z'),
    ...(state.command ? { command: state.command } : {}),
    pid: state.pid,
    hostname: state.hostname,
    params: state.input.params ?? {},
    metrics: { ...state.input.metrics, ...r.metrics },
  };
}

/** The param and metric keys of a run in progress. */
function runningKeys(r: RunningRow): string[] {
  return [...Object.keys(r.params).map((k) => `params.${k}`), ...Object.keys(r.metrics).map((k) => `metrics.${k}`)];
}

function runningAccessor(r: RunningRow): Get {
  return (f) => {
    if (f.scope === 'params') return r.params[f.name];
    if (f.scope === 'metrics') return r.metrics[f.name];
    if (f.scope !== 'attr') return undefined;
    if (f.name === 'id' || f.name === 'name' || f.name === 'created' || f.name === 'status') return r[f.name];
    return undefined;
  };
}

const PARENT: Field = { scope: 'attr', name: 'parent' };

function parseOptionalFilter(text: string | undefined): Expr | undefined {
  return text === undefined ? undefined : parseFilter(text);
}

/** Archived runs are left out unless --all. */
function withoutArchived(filter: Expr | undefined): Expr {
  const live: Expr = { kind: 'not', expr: { kind: 'compare', field: { scope: 'attr', name: 'archived' }, op: '=', value: { type: 'boolean', value: true } } };
  return filter ? { kind: 'and', left: filter, right: live } : live;
}

function parseLimit(text: string | undefined): number | undefined {
  if (text === undefined) return undefined;
  const limit = Number(text);
  if (!/^\d+$/.test(text.trim()) || !Number.isSafeInteger(limit)) throw new GitTrackError('USAGE', `--limit expects a whole number, got ${quoteInput(text)}`);
  return limit;
}

function parseColumns(text: string): Field[] {
  const names = text.split(',').map((s) => s.trim());
  if (names.some((n) => n === '')) throw new GitTrackError('USAGE', `--columns expects comma-separated fields, got ${quoteInput(text)}`);
  return names.map((n) => parseFieldName(n, '--columns'));
}
