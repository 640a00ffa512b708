/**
 * `git-track metrics RUN [NAME]`: a run's metric series with sparklines and a summary.
 */
import { readRunSeries } from '../../series/read-series.js';
import type { CliContext } from '../context.js';
import { sparkline } from '../render/sparkline.js';
import { formatCell, renderTable } from '../render/table.js';
import { parseDirections } from './directions.js';

interface MetricsOptions {
  json?: boolean;
  higherIsBetter?: string[];
  lowerIsBetter?: string[];
}

export default async function metrics(cli: CliContext, [ref, name]: unknown[], options: MetricsOptions): Promise<number> {
  const directions = parseDirections(options);
  const { run, series } = readRunSeries(cli.tracker(), String(ref), name === undefined ? undefined : String(name), directions);
  if (options.json) {
    cli.out(JSON.stringify({ run: run.id, series: Object.fromEntries(series.map((s) => [s.metric, { summary: s.summary, points: s.points }])) }, null, 2));
    return 0;
  }
  if (series.length === 0) {
    cli.out(`Run ${run.id} has no metric series. Record them with: git-track log --series metrics.csv`);
    return 0;
  }
  const best = (s: (typeof series)[number]) => (s.summary.bestStep === undefined ? '' : `${formatCell(s.summary.best)} @ ${formatCell(s.summary.bestStep)}`);
  const summary = renderTable(
    [{ header: 'metric' }, { header: 'points', align: 'right' }, { header: 'last', align: 'right' }, { header: 'min', align: 'right' }, { header: 'max', align: 'right' }, { header: 'best @ step', align: 'right' }, { header: '' }],
    series.map((s) => [s.metric, String(s.summary.points), formatCell(s.summary.last), formatCell(s.summary.min), formatCell(s.summary.max), best(s), sparkline(s.points.map((p) => p.value))]),
  );
  if (name === undefined) {
    cli.out(summary);
    return 0;
  }
  const points = series[0]!.points;
  const hasTime = points.some((p) => p.timestamp);
  const table = renderTable(
    [{ header: 'step', align: 'right' }, { header: 'value', align: 'right' }, ...(hasTime ? [{ header: 'timestamp' }] : [])],
    points.map((p) => [formatCell(p.step), formatCell(p.value), ...(hasTime ? [p.timestamp ?? ''] : [])]),
  );
  cli.out(`${summary}\n\n${table}`);
  return 0;
}
