/**
 * DVCLive output, for programs that already log with it: `dvclive/params.yaml`,
 * `dvclive/metrics.json` and `dvclive/plots/metrics/**.tsv` (columns `timestamp`, `step`,
 * `<metric>`; timestamp in epoch milliseconds). Files older than the run are ignored, so a
 * previous run's output is not attributed to this one.
 */
import { readFileSync, statSync } from 'node:fs';
import { join, relative, sep } from 'node:path';
import { isValidName } from '../manifest/names.js';
import { flattenValues, readValuesFile } from '../manifest/values.js';
import type { Scalar } from '../runs/log-run.js';
import { listFilesBelow } from './list-files.js';
import { toMillis } from './metric-stream.js';
import type { SeriesPoint } from './series-files.js';

export interface DvcliveOutput {
  params: Record<string, Scalar | Scalar[]>;
  metrics: Record<string, number>;
  series: Map<string, SeriesPoint[]>;
}

/**
 * Read the DVCLive output under `dir` written since `sinceMs`; problems are warnings.
 *
 * @example
 * readDvclive('/repo/dvclive', Date.parse(state.started), env.warn).metrics.acc;
 */
export function readDvclive(dir: string, sinceMs: number, warn: (message: string) => void): DvcliveOutput {
  const out: DvcliveOutput = { params: {}, metrics: {}, series: new Map() };
  const fresh = (path: string) => {
    try {
      return statSync(path).mtimeMs >= sinceMs - 1000;
    } catch {
      return false;
    }
  };
  const values = (file: string): Record<string, unknown> | null => {
    const path = join(dir, file);
    if (!fresh(path)) return null;
    try {
      return flattenValues(readValuesFile(path, 'metrics'), path);
    } catch (err) {
      warn(`${(err as Error).message}; ignored`);
      return null;
    }
  };
  const params = values('params.yaml');
  if (params) out.params = params as Record<string, Scalar | Scalar[]>;
  const metrics = values('metrics.json');
  for (const [name, v] of Object.entries(metrics ?? {})) {
    // DVCLive writes the last step beside the metrics.
    if (name === 'step') continue;
    if (typeof v === 'number' && Number.isFinite(v)) out.metrics[name] = v;
    else warn(`${join(dir, 'metrics.json')}: metric '${name}' is not a finite number; ignored`);
  }
  const plots = join(dir, 'plots', 'metrics');
  for (const file of listFilesBelow(plots)) {
    if (!file.endsWith('.tsv') || !fresh(file)) continue;
    const name = relative(plots, file).slice(0, -4).split(sep).join('.').replace(/\//g, '.');
    if (!isValidName(name)) {
      warn(`${file}: metric name '${name}' is not valid; ignored`);
      continue;
    }
    out.series.set(name, readDvcliveTsv(file, warn));
  }
  return out;
}

function readDvcliveTsv(file: string, warn: (message: string) => void): SeriesPoint[] {
  const lines = readFileSync(file, 'utf8').split('\n');
  const header = lines[0]!.split('\t');
  const stepCol = header.indexOf('step');
  const tsCol = header.indexOf('timestamp');
  const valueCol = header.findIndex((h, i) => i !== stepCol && i !== tsCol);
  const points: SeriesPoint[] = [];
  for (let i = 1; i < lines.length; i++) {
    if (lines[i]!.trim() === '') continue;
    const cells = lines[i]!.split('\t');
    const value = Number(cells[valueCol]);
    const step = stepCol === -1 ? points.length : Number(cells[stepCol]);
    if (!Number.isFinite(value) || !Number.isInteger(step) || cells[valueCol]?.trim() === '') {
      warn(`${file} line ${i + 1}: expected a step and a finite number; skipped`);
      continue;
    }
    const ts = tsCol === -1 ? undefined : toMillis(Number(cells[tsCol]));
    points.push(ts === undefined ? { step, value } : { step, value, ts });
  }
  return points;
}

