/**
 * `git-track ui --export DIR`: the dashboard as a static site — the built pages plus every API
 * answer they need as `data/<file>.js` scripts (pages opened from file:// cannot fetch JSON,
 * but can load scripts). Nothing is written outside DIR: every file and directory is created
 * new (exclusive create, no symlink followed), and a DIR that holds anything but a previous
 * export is refused.
 */
import { closeSync, constants, lstatSync, mkdirSync, openSync, readdirSync, readFileSync, rmSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import { GitTrackError, quoteInput, systemCode } from '../../errors.js';
import type { TrackerContext } from '../../tracker-context.js';
import { answerApi } from '../server/answer-api.js';
import { orderedRuns } from '../server/ordered-runs.js';
import { NOT_BUILT_PAGE, webRoot } from '../server/static-files.js';
import { makeUiState } from '../server/ui-state.js';
import { exportFileName, exportKey, exportScript } from './export-key.js';
import { exportRunSeries, fullBudget, type FullBudget } from './export-series.js';

/** The marker that makes a directory a previous export (replaced without asking). */
export const EXPORT_MARKER = 'git-track-export.json';
export const EXPORT_FORMAT = 'git-track/ui-export@1';

export interface ExportResult {
  dir: string;
  runs: number;
  files: number;
}

/**
 * Write the static site of `ctx`'s runs (those `filter` selects) into `dir`.
 *
 * @example
 * await exportSite(ctx, '/tmp/site', { filter: "experiment = 'churn'" }); // { runs: 12, files: 31, … }
 */
export async function exportSite(ctx: TrackerContext, dir: string, options: { filter?: string; root?: string | null; budget?: FullBudget } = {}): Promise<ExportResult> {
  const state = makeUiState(ctx, { filter: options.filter, exporting: true });
  prepare(dir);
  let files = 0;
  const write = (rel: string, data: string | Buffer) => {
    writeNew(join(dir, rel), data);
    files++;
  };
  // The pages first: a copy of dist/ui/ (or the not-built page).
  const root = options.root === undefined ? webRoot() : options.root;
  if (root) files += copyTree(root, dir);
  else write('index.html', NOT_BUILT_PAGE);
  mkdirNew(join(dir, 'data'));
  const keys: string[] = [];
  const put = (key: string, path: string, params: Record<string, string> = {}) => {
    const answer = answerApi(state, path, new URLSearchParams(params));
    if (answer.status !== 200) throw new GitTrackError('INTERNAL', `export: ${key}: ${(answer.body as { error?: { message?: string } }).error?.message ?? answer.status}`);
    write(join('data', exportFileName(key)), exportScript(key, answer.body));
    keys.push(key);
  };
  put('info', 'info');
  put('fields', 'fields');
  put('stages', 'stages');
  const ordered = orderedRuns(state, { all: true });
  const ids = Array.from({ length: ordered.order.length }, (_, i) => ordered.id(i)).filter((_, i) => ordered.order[i]! >= 0);
  const n = String(ordered.order.length);
  put(exportKey('runs', { all: '1', limit: n }), 'runs', { all: '1', limit: n });
  for (const id of ids) put(exportKey(`run/${id}`), `run/${id}`);
  const budget = options.budget ?? fullBudget();
  const putBody = (key: string, body: unknown) => {
    write(join('data', exportFileName(key)), exportScript(key, body));
    keys.push(key);
  };
  for (const id of ids) exportRunSeries(state, id, putBody, budget);
  const tip = (answerApi(state, 'info', new URLSearchParams()).body as { tip: string | null }).tip;
  const meta = { format: EXPORT_FORMAT, tip, filter: options.filter ?? null, created: new Date(ctx.env.now()).toISOString(), keys };
  write(join('data', 'index.js'), `window.gtExport=${JSON.stringify(meta).replace(/</g, '\\u003c')};\n`);
  write(EXPORT_MARKER, `${JSON.stringify({ format: EXPORT_FORMAT, tip, filter: meta.filter, created: meta.created }, null, 2)}\n`);
  return { dir, runs: ids.length, files };
}

/** DIR new or empty (created), or a previous export (emptied); anything else is refused. */
function prepare(dir: string): void {
  let entries: string[];
  try {
    entries = readdirSync(dir);
  } catch (err) {
    if (systemCode(err) === 'ENOENT') {
      mkdirSync(dir, { recursive: true });
      return;
    }
    if (systemCode(err) === 'ENOTDIR') throw new GitTrackError('USAGE', `--export: ${quoteInput(dir)} is not a directory`);
    throw err;
  }
  if (entries.length === 0) return;
  let marker = false;
  try {
    const st = lstatSync(join(dir, EXPORT_MARKER));
    marker = st.isFile() && (JSON.parse(readFileSync(join(dir, EXPORT_MARKER), 'utf8')) as { format?: unknown }).format === EXPORT_FORMAT;
  } catch {
    marker = false;
  }
  if (!marker) throw new GitTrackError('USAGE', `--export: ${quoteInput(dir)} is not empty and is not a previous export (no ${EXPORT_MARKER}); name an empty or new directory`);
  // A previous export is ours: replace it whole (rm removes symlinks, never what they point to).
  for (const name of entries) rmSync(join(dir, name), { recursive: true, force: true });
}

/** Copy the site's files into `dest` (created new), skipping symlinks; returns the file count. */
function copyTree(src: string, dest: string): number {
  let count = 0;
  for (const e of readdirSync(src, { withFileTypes: true })) {
    if (e.isDirectory()) {
      mkdirNew(join(dest, e.name));
      count += copyTree(join(src, e.name), join(dest, e.name));
    } else if (e.isFile()) {
      writeNew(join(dest, e.name), readFileSync(join(src, e.name)));
      count++;
    }
  }
  return count;
}

function mkdirNew(path: string): void {
  mkdirSync(path);
}

/** Create `path` anew: O_EXCL fails on anything already there, a symlink included. */
function writeNew(path: string, data: string | Buffer): void {
  const fd = openSync(path, constants.O_WRONLY | constants.O_CREAT | constants.O_EXCL | constants.O_NOFOLLOW, 0o644);
  try {
    const buf = typeof data === 'string' ? Buffer.from(data) : data;
    for (let off = 0; off < buf.length; ) off += writeSync(fd, buf, off);
  } finally {
    closeSync(fd);
  }
}
