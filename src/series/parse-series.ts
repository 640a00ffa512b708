/**
 * Metric step series as users give them: CSV or TSV (long `metric,step,value[,timestamp]` or
 * wide `step,loss,acc[,timestamp]`, with a header row) or JSON lines (`{"metric":"loss",
 * "step":1,"value":0.5}` or `{"step":1,"loss":0.5,"acc":0.7}`). Pure: text in, points out.
 * Every bad line is reported as `<file>:<line>: <reason>` (BAD_INPUT).
 */
import { basename } from 'node:path';
import { GitTrackError } from '../errors.js';
import { isValidName } from '../manifest/names.js';

import type { SeriesPoint } from '../capture/series-files.js';

export type { SeriesPoint };

export type SeriesMap = Map<string, SeriesPoint[]>;

const TIME_COLUMNS = new Set(['timestamp', 'time', 'wall_time', 'ts']);

/**
 * Parse one series file (timestamps become milliseconds since the epoch). `format` comes from the extension, else from the content.
 *
 * @example
 * parseSeries('step,loss\n1,0.9\n2,0.5\n', 'train.csv').get('loss'); // [{ step: 1, value: 0.9 }, { step: 2, value: 0.5 }]
 */
export function parseSeries(text: string, source: string): SeriesMap {
  const lower = source.toLowerCase();
  const firstLine = text.slice(0, text.indexOf('\n') >>> 0);
  if (/\.(?:jsonl|ndjson)$/.test(lower) || (!/\.(?:csv|tsv|txt)$/.test(lower) && firstLine.trimStart().startsWith('{'))) return parseJsonLines(text, source);
  const sep = lower.endsWith('.tsv') || (!lower.endsWith('.csv') && firstLine.includes('\t')) ? '\t' : ',';
  return parseDelimited(text, source, sep);
}

function fail(source: string, line: number, reason: string): never {
  throw new GitTrackError('BAD_INPUT', `${source}:${line}: ${reason}`, { source, line });
}

class Collector {
  readonly series: SeriesMap = new Map();
  constructor(private readonly source: string) {}

  add(line: number, metric: string, step: unknown, value: unknown, timestamp: unknown): void {
    if (!isValidName(metric)) fail(this.source, line, `invalid metric name '${metric}' (dot-separated segments without spaces or '=')`);
    const s = toNumber(step);
    if (s === undefined || !Number.isFinite(s)) fail(this.source, line, `step must be a number, got ${show(step)}`);
    const v = toNumber(value);
    if (v === undefined) fail(this.source, line, `metric '${metric}' value must be a number, got ${show(value)}`);
    if (!Number.isFinite(v)) fail(this.source, line, `metric '${metric}' has a non-finite value ${show(value)} (only finite numbers are stored)`);
    const point: SeriesPoint = { step: s, value: v };
    if (timestamp !== undefined && timestamp !== null && timestamp !== '') {
      const ts = toTime(timestamp);
      if (ts === undefined) fail(this.source, line, `timestamp ${show(timestamp)} is not a time (ISO 8601, or seconds or milliseconds since 1970)`);
      point.ts = ts;
    }
    let list = this.series.get(metric);
    if (!list) this.series.set(metric, (list = []));
    list.push(point);
  }
}

/** Milliseconds since the epoch: ISO text, or a number of seconds (below 1e11) or milliseconds. */
function toTime(v: unknown): number | undefined {
  const n = toNumber(v);
  if (n !== undefined) return Number.isFinite(n) && n >= 0 ? (n < 1e11 ? Math.round(n * 1000) : Math.round(n)) : undefined;
  if (typeof v !== 'string' || !/^\d{4}-\d\d-\d\d/.test(v.trim())) return undefined;
  const t = Date.parse(v.trim());
  return Number.isNaN(t) ? undefined : t;
}

function toNumber(v: unknown): number | undefined {
  if (typeof v === 'number') return v;
  if (typeof v !== 'string') return undefined;
  const t = v.trim().toLowerCase();
  if (t === 'nan' || t === '.nan') return NaN;
  if (/^[+-]?(?:inf|infinity|\.inf)$/.test(t)) return t.startsWith('-') ? -Infinity : Infinity;
  if (!/^[+-]?(?:\d+(?:\.\d*)?|\.\d+)(?:e[+-]?\d+)?$/.test(t)) return undefined;
  return Number(t);
}

function show(v: unknown): string {
  if (v === undefined) return 'nothing';
  return typeof v === 'string' ? `'${v}'` : JSON.stringify(v) ?? String(v);
}

function splitCells(line: string, sep: string): string[] {
  if (sep === '\t' || !line.includes('"')) return line.split(sep).map((c) => c.trim());
  const cells: string[] = [];
  let cur = '';
  let quoted = false;
  for (let i = 0; i < line.length; i++) {
    const c = line[i]!;
    if (quoted) {
      if (c === '"' && line[i + 1] === '"') (cur += '"'), i++;
      else if (c === '"') quoted = false;
      else cur += c;
    } else if (c === '"') quoted = true;
    else if (c === sep) cells.push(cur.trim()), (cur = '');
    else cur += c;
  }
  cells.push(cur.trim());
  return cells;
}

function parseDelimited(text: string, source: string, sep: string): SeriesMap {
  const lines = text.split(/\r?\n/);
  const header = splitCells(lines[0] ?? '', sep);
  const lowerHeader = header.map((h) => h.toLowerCase());
  const col = (name: string) => lowerHeader.indexOf(name);
  const stepCol = col('step');
  if (stepCol < 0) fail(source, 1, `header must name a 'step' column (long: metric,step,value[,timestamp]; wide: step,loss,acc)`);
  const timeCol = lowerHeader.findIndex((h) => TIME_COLUMNS.has(h));
  const long = col('metric') >= 0 && col('value') >= 0;
  // `step,value[,timestamp]` is one metric named by its file — the format of the
  // series/<metric>.tsv files git-track itself stores, so they can be given back as they are.
  const named = !long && header.length === (timeCol >= 0 ? 3 : 2) && col('value') >= 0 ? metricOfFile(source) : undefined;
  const out = new Collector(source);
  for (let i = 1; i < lines.length; i++) {
    const raw = lines[i]!;
    if (raw.trim() === '') continue;
    const cells = splitCells(raw, sep);
    if (cells.length !== header.length) fail(source, i + 1, `expected ${header.length} fields like the header, got ${cells.length}`);
    const ts = timeCol >= 0 ? cells[timeCol] : undefined;
    if (long) out.add(i + 1, cells[col('metric')]!, cells[stepCol], cells[col('value')], ts);
    else if (named) out.add(i + 1, named, cells[stepCol], cells[col('value')], ts);
    else {
      header.forEach((name, c) => {
        if (c === stepCol || c === timeCol || cells[c] === '') return;
        out.add(i + 1, name, cells[stepCol], cells[c], ts);
      });
    }
  }
  if (out.series.size === 0) fail(source, 1, 'no data rows');
  return out.series;
}

/** `runs/series/loss.tsv` → `loss`. */
function metricOfFile(source: string): string {
  return basename(source).replace(/\.(tsv|csv|txt)$/i, '');
}

function parseJsonLines(text: string, source: string): SeriesMap {
  const out = new Collector(source);
  text.split(/\r?\n/).forEach((raw, i) => {
    if (raw.trim() === '') return;
    let obj: unknown;
    try {
      obj = JSON.parse(raw);
    } catch {
      fail(source, i + 1, 'not a JSON object');
    }
    if (typeof obj !== 'object' || obj === null || Array.isArray(obj)) fail(source, i + 1, 'not a JSON object');
    const o = obj as Record<string, unknown>;
    const ts = Object.keys(o).find((k) => TIME_COLUMNS.has(k));
    if ('metric' in o) {
      if (typeof o.metric !== 'string') fail(source, i + 1, `'metric' must be a string, got ${show(o.metric)}`);
      out.add(i + 1, o.metric, o.step, o.value, ts === undefined ? undefined : o[ts]);
      return;
    }
    const names = Object.keys(o).filter((k) => k !== 'step' && k !== ts);
    if (names.length === 0) fail(source, i + 1, "no metric values (expected {\"metric\":…,\"step\":…,\"value\":…} or {\"step\":…,\"loss\":…})");
    for (const name of names) out.add(i + 1, name, o.step, o[name], ts === undefined ? undefined : o[ts]);
  });
  if (out.series.size === 0) fail(source, 1, 'no data lines');
  return out.series;
}
