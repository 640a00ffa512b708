/**
 * The chart of runs' metric series as a file: SVG from {@link chartSvg}, or PNG rendered
 * from that SVG by resvg (a Rust renderer with prebuilt binaries, loaded only when a PNG is
 * asked for, so no other command pays for it).
 */
import { GitTrackError, quoteInput } from '../errors.js';
import { resolveRun } from '../runs/resolve-run.js';
import { readSeriesColumns } from '../series/series-columns.js';
import { columnsLine, viewLine, type XAxis } from '../series/series-lines.js';
import type { TrackerContext } from '../tracker-context.js';
import { chartSvg, type ChartPanel } from './chart-svg.js';
import { runColour } from './run-colour.js';

/** Points per line: more than a 760-pixel-wide panel can show, few enough for a small file. */
const PLOT_POINTS = 1000;

export interface PlotResult {
  svg: string;
  panels: ChartPanel[];
  /** (run, metric) pairs asked for that have no series. */
  missing: { run: string; metric: string }[];
}

/**
 * The chart of `refs`' series: the metrics named, else every metric any of them has.
 *
 * @example
 * const { svg } = plotRuns(ctx, ['baseline', 'latest'], { metrics: ['loss'] });
 */
export function plotRuns(ctx: TrackerContext, refs: string[], options: { metrics?: string[]; x?: XAxis } = {}): PlotResult {
  const x = options.x ?? 'step';
  const resolved = refs.map((r) => resolveRun(ctx, r));
  const runs = resolved.map((r) => r.manifest);
  const metrics = options.metrics?.length ? options.metrics : [...new Set(runs.flatMap((r) => r.series ?? []))].sort();
  const panels: ChartPanel[] = [];
  const missing: { run: string; metric: string }[] = [];
  for (const metric of metrics) {
    const panel: ChartPanel = { metric, lines: [] };
    for (const { manifest: run, entry } of resolved) {
      if (!(run.series ?? []).includes(metric)) {
        missing.push({ run: run.id, metric });
        continue;
      }
      const line = columnsLine(readSeriesColumns(ctx, entry.tree, metric, `run ${run.id}`, { times: x !== 'step' }), x);
      if (line.x.length === 0) {
        missing.push({ run: run.id, metric });
        continue;
      }
      const view = viewLine(line, { points: PLOT_POINTS });
      panel.lines.push({ run: run.id, label: run.name ? `${run.name} (${run.id.slice(0, 7)})` : run.id, color: runColour(run.id), x: view.x, y: view.y });
    }
    if (panel.lines.length) panels.push(panel);
  }
  if (panels.length === 0 && x !== 'step' && runs.some((r) => (r.series ?? []).some((m) => metrics.includes(m)))) {
    throw new GitTrackError('USAGE', `no series to plot on --x ${x}: the runs' series carry no timestamps (plot them with --x step)`);
  }
  if (panels.length === 0) {
    const asked = options.metrics?.length ? `the metric${metrics.length === 1 ? '' : 's'} ${metrics.map((m) => quoteInput(m)).join(', ')}` : 'any metric';
    throw new GitTrackError('RUN_NOT_FOUND', `no series to plot: none of the runs has a step series of ${asked} (record them with \`git-track log --series FILE\` or \`git-track run\`)`);
  }
  return { svg: chartSvg(panels, x), panels, missing };
}

/**
 * PNG bytes of an SVG document, rendered by resvg at twice the size for sharp text.
 *
 * @example
 * const png = await svgToPng(svg);
 */
export async function svgToPng(svg: string): Promise<Buffer> {
  let Resvg: typeof import('@resvg/resvg-js').Resvg;
  try {
    ({ Resvg } = await import('@resvg/resvg-js'));
  } catch (err) {
    throw new GitTrackError('COMMAND_NOT_FOUND', `PNG output needs @resvg/resvg-js, which did not load here (${(err as Error).message.split('\n')[0]}); write an .svg instead`);
  }
  const renderer = new Resvg(svg, { fitTo: { mode: 'zoom', value: 2 }, font: { loadSystemFonts: true, defaultFontFamily: 'DejaVu Sans' }, background: '#ffffff' });
  return renderer.render().asPng();
}
