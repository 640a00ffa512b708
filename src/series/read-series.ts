/**
 * Reading a run's metric series back, with a summary per metric.
 */
import { metricDirection, type Direction, type DirectionOptions } from '../compare/direction.js';
import { readBoundedBlob } from '../git/bounded-read.js';
import { MAX_SERIES_BYTES } from '../limits.js';
import { GitTrackError, quoteInput } from '../errors.js';
import type { RunManifest } from '../manifest/schema.js';
import { resolveRun } from '../runs/resolve-run.js';
import type { TrackerContext } from '../tracker-context.js';
import { lookupPath } from '../git/tree-edit.js';
import { decodeSeries, seriesPath, type StoredPoint } from './series-file.js';

export interface SeriesSummary {
  points: number;
  last: number;
  min: number;
  max: number;
  direction?: Direction;
  /** Step of the best value (first reached), when the metric's direction is known. */
  bestStep?: number;
  best?: number;
}

export interface RunSeries {
  metric: string;
  points: StoredPoint[];
  summary: SeriesSummary;
}

/**
 * Summarise points (they are never empty: a stored series has at least one point).
 *
 * @example
 * summariseSeries('loss', [{ step: 1, value: 0.9 }, { step: 2, value: 0.4 }, { step: 3, value: 0.5 }]);
 * // { points: 3, last: 0.5, min: 0.4, max: 0.9, direction: 'lower', best: 0.4, bestStep: 2 }
 */
export function summariseSeries(metric: string, points: StoredPoint[], options: DirectionOptions = {}): SeriesSummary {
  let last = points[0]!;
  let min = Infinity;
  let max = -Infinity;
  let minAt = points[0]!;
  let maxAt = points[0]!;
  for (const p of points) {
    if (p.step >= last.step) last = p;
    if (p.value < min) (min = p.value), (minAt = p);
    if (p.value > max) (max = p.value), (maxAt = p);
  }
  const direction = metricDirection(metric, options);
  const best = direction === 'lower' ? minAt : direction === 'higher' ? maxAt : undefined;
  return { points: points.length, last: last.value, min, max, ...(direction ? { direction } : {}), ...(best ? { best: best.value, bestStep: best.step } : {}) };
}

/**
 * The series of run `ref` (all of them, or the one named).
 *
 * @example
 * const { series } = readRunSeries(ctx, 'latest', 'loss');
 * series[0].summary.bestStep; // 12
 */
export function readRunSeries(ctx: TrackerContext, ref: string, name?: string, options: DirectionOptions = {}): { run: RunManifest; series: RunSeries[] } {
  const { entry, manifest } = resolveRun(ctx, ref);
  const names = manifest.series ?? [];
  if (name !== undefined && !names.includes(name)) {
    const has = names.length ? `it has: ${names.join(', ')}` : 'it has no series; record them with `git-track log --series FILE`';
    throw new GitTrackError('RUN_NOT_FOUND', `run ${manifest.id} has no series ${quoteInput(name)} (${has})`, { ref, name });
  }
  const series = (name === undefined ? names : [name]).map((metric) => {
    const path = seriesPath(metric);
    const file = lookupPath(ctx.store, entry.tree, path);
    const regular = file && (file.mode === '100644' || file.mode === '100755');
    const blob = regular ? readBoundedBlob(ctx.store, file.oid, MAX_SERIES_BYTES, `run ${manifest.id} ${path}`, 'INVALID_MANIFEST') : null;
    if (!blob) throw new GitTrackError('INVALID_MANIFEST', `run ${manifest.id} lists series ${quoteInput(metric)} but has no ${path}`, { ref, metric });
    const points = decodeSeries(blob.toString('utf8'), `run ${manifest.id} ${path}`);
    return { metric, points, summary: summariseSeries(metric, points, options) };
  });
  return { run: manifest, series };
}

