/**
 * Series files given to `log --series` → what a run stores: one TSV per metric beside the
 * manifest, the list of series names, and each metric's last value (the value at its highest
 * step) for the manifest's metrics.
 */
import { GitTrackError } from '../errors.js';
import { parseSeries, type SeriesPoint } from './parse-series.js';
import { encodeSeries, seriesPath } from './series-file.js';

export interface SeriesInput {
  files: Record<string, Buffer>;
  series: string[];
  last: Record<string, number>;
}

/**
 * Parse and merge series files; a metric given by two files is refused.
 *
 * @example
 * seriesInput([{ source: 'train.csv', text: 'step,loss\n1,0.9\n2,0.5\n' }]).last; // { loss: 0.5 }
 */
export function seriesInput(sources: { source: string; text: string }[]): SeriesInput {
  const all = new Map<string, { points: SeriesPoint[]; source: string }>();
  for (const { source, text } of sources) {
    for (const [metric, points] of parseSeries(text, source)) {
      const prior = all.get(metric);
      if (prior) throw new GitTrackError('BAD_INPUT', `metric '${metric}' has a series in both ${prior.source} and ${source}`, { metric });
      all.set(metric, { points, source });
    }
  }
  const out: SeriesInput = { files: {}, series: [], last: {} };
  for (const [metric, { points }] of [...all].sort(([a], [b]) => (a < b ? -1 : 1))) {
    out.series.push(metric);
    out.files[seriesPath(metric)] = Buffer.from(encodeSeries(points));
    let last = points[0]!;
    for (const p of points) if (p.step >= last.step) last = p;
    out.last[metric] = last.value;
  }
  return out;
}
