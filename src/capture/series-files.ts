/**
 * Metric step series as companion files of a run: one TSV per metric at
 * `series/<metric>.tsv` in the run directory, header `step\tvalue\ttimestamp`, one line per
 * step in the order logged. Forges render TSV as a table; `timestamp` is ISO 8601 UTC, or
 * empty when the step carried no time.
 */

export const SERIES_DIR = 'series';
export const SERIES_HEADER = 'step\tvalue\ttimestamp';

/** One logged step of a metric. */
export interface SeriesPoint {
  step: number;
  value: number;
  /** Milliseconds since the epoch, when known. */
  ts?: number;
}

/**
 * The run-directory path of a metric's series file.
 *
 * @example
 * seriesPath('val.loss'); // 'series/val.loss.tsv'
 */
export function seriesPath(metric: string): string {
  return `${SERIES_DIR}/${metric}.tsv`;
}

/**
 * The TSV text of one series.
 *
 * @example
 * encodeSeries([{ step: 0, value: 0.9, ts: 0 }]); // 'step\tvalue\ttimestamp\n0\t0.9\t1970-01-01T00:00:00.000Z\n'
 */
export function encodeSeries(points: SeriesPoint[]): string {
  let out = `${SERIES_HEADER}\n`;
  // Steps come many per second: format each second once, then append the milliseconds.
  let second = NaN;
  let prefix = '';
  for (const p of points) {
    let ts = '';
    if (p.ts !== undefined) {
      const s = Math.floor(p.ts / 1000);
      if (s !== second) {
        second = s;
        prefix = new Date(s * 1000).toISOString().slice(0, 20);
      }
      ts = `${prefix}${String(Math.floor(p.ts - s * 1000)).padStart(3, '0')}Z`;
    }
    out += `${p.step}\t${p.value}\t${ts}\n`;
  }
  return out;
}

/**
 * Companion files and the manifest's `series` list for a set of series, plus each metric's
 * last value (the manifest metric unless the run set it explicitly).
 *
 * @example
 * const { files, names, last } = seriesFiles(new Map([['loss', [{ step: 1, value: 0.4 }]]]));
 * last.loss; // 0.4
 */
export function seriesFiles(series: Map<string, SeriesPoint[]>): { files: Record<string, Buffer>; names: string[]; last: Record<string, number> } {
  const files: Record<string, Buffer> = {};
  const last: Record<string, number> = {};
  const names = [...series.keys()].filter((n) => series.get(n)!.length > 0).sort();
  for (const name of names) {
    const points = series.get(name)!;
    files[seriesPath(name)] = Buffer.from(encodeSeries(points));
    last[name] = points[points.length - 1]!.value;
  }
  return { files, names, last };
}
