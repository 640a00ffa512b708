/**
 * Series files given to `log --series` → what a run stores: one TSV per metric beside the
 * manifest (the format `git-track run` writes, src/capture/series-files.ts), the list of
 * series names, and each metric's last value for the manifest's metrics.
 */
import { seriesFiles, type SeriesPoint } from '../capture/series-files.js';
import { GitTrackError, quoteInput } from '../errors.js';
import { parseSeries } from './parse-series.js';

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
  const all = new Map<string, SeriesPoint[]>();
  const from = new Map<string, string>();
  for (const { source, text } of sources) {
    for (const [metric, points] of parseSeries(text, source)) {
      const prior = from.get(metric);
      if (prior) throw new GitTrackError('BAD_INPUT', `metric ${quoteInput(metric)} has a series in both ${prior} and ${source}`, { metric });
      from.set(metric, source);
      all.set(metric, points);
    }
  }
  const { files, names, last } = seriesFiles(all);
  return { files, series: names, last };
}
