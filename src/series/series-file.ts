/**
 * A metric series as stored on the branch: `series/<metric>.tsv` in the run directory, a
 * header `step\tvalue\ttimestamp` and one line per point (forges render it as a table).
 */
import { GitTrackError } from '../errors.js';
import type { SeriesPoint } from './parse-series.js';

export const SERIES_DIR = 'series';
const HEADER = 'step\tvalue\ttimestamp';

/**
 * Path of a metric's series file inside the run directory. `/`, `%` and `\` are
 * percent-encoded so every name is one file name.
 *
 * @example
 * seriesPath('train/loss'); // 'series/train%2Floss.tsv'
 */
export function seriesPath(metric: string): string {
  return `${SERIES_DIR}/${metric.replace(/[%/\\]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase().padStart(2, '0')}`)}.tsv`;
}

/**
 * Points → TSV text.
 *
 * @example
 * encodeSeries([{ step: 1, value: 0.5 }]); // 'step\tvalue\ttimestamp\n1\t0.5\t\n'
 */
export function encodeSeries(points: SeriesPoint[]): string {
  return `${HEADER}\n${points.map((p) => `${p.step}\t${p.value}\t${p.timestamp ?? ''}`).join('\n')}\n`;
}

/**
 * TSV text → points.
 *
 * @example
 * decodeSeries('step\tvalue\ttimestamp\n1\t0.5\t\n', 'series/loss.tsv'); // [{ step: 1, value: 0.5 }]
 */
export function decodeSeries(text: string, source: string): SeriesPoint[] {
  const lines = text.split('\n');
  if (lines[0] !== HEADER) throw new GitTrackError('INVALID_MANIFEST', `${source}: expected the header '${HEADER.replace(/\t/g, '\\t')}'`, { source });
  const out: SeriesPoint[] = [];
  for (let i = 1; i < lines.length; i++) {
    if (lines[i] === '') continue;
    const [step, value, timestamp] = lines[i]!.split('\t');
    const p: SeriesPoint = { step: Number(step), value: Number(value) };
    if (!Number.isFinite(p.step) || !Number.isFinite(p.value)) throw new GitTrackError('INVALID_MANIFEST', `${source}:${i + 1}: not a step and a finite value`, { source });
    if (timestamp) p.timestamp = timestamp;
    out.push(p);
  }
  return out;
}
