/**
 * Reading a stored metric series back (`series/<metric>.tsv`, written by
 * src/capture/series-files.ts): header `step\tvalue\ttimestamp`, one line per point.
 */
import { SERIES_HEADER } from '../capture/series-files.js';
import { GitTrackError } from '../errors.js';

export { seriesPath } from '../capture/series-files.js';

/** A stored point; the timestamp as written (ISO 8601 UTC), when there is one. */
export interface StoredPoint {
  step: number;
  value: number;
  timestamp?: string;
}

/**
 * TSV text → points.
 *
 * @example
 * decodeSeries('step\tvalue\ttimestamp\n1\t0.5\t\n', 'series/loss.tsv'); // [{ step: 1, value: 0.5 }]
 */
export function decodeSeries(text: string, source: string): StoredPoint[] {
  const lines = text.split('\n');
  if (lines[0] !== SERIES_HEADER) throw new GitTrackError('INVALID_MANIFEST', `${source}: expected the header '${SERIES_HEADER.replace(/\t/g, '\\t')}'`, { source });
  const out: StoredPoint[] = [];
  for (let i = 1; i < lines.length; i++) {
    if (lines[i] === '') continue;
    const [step, value, timestamp] = lines[i]!.split('\t');
    const p: StoredPoint = { step: Number(step), value: Number(value) };
    if (!Number.isFinite(p.step) || !Number.isFinite(p.value)) throw new GitTrackError('INVALID_MANIFEST', `${source}:${i + 1}: not a step and a finite value`, { source });
    if (timestamp) p.timestamp = timestamp;
    out.push(p);
  }
  return out;
}
