/**
 * `git-track experiments`: each experiment with its number of runs, last activity and, with
 * --metric, its best run.
 */
import { experiments as summarise } from '../../facts/experiments.js';
import { GitTrackError } from '../../errors.js';
import { goalFor, type Goal } from '../../sweep/sweep-children.js';
import type { CliContext } from '../context.js';
import { renderRows } from '../render/formats.js';
import type { Column } from '../render/table.js';

interface ExperimentsOptions {
  metric?: string;
  goal?: Goal;
  all?: boolean;
  json?: boolean;
}

export default async function experiments(cli: CliContext, _args: unknown[], options: ExperimentsOptions): Promise<number> {
  if (options.goal && !options.metric) throw new GitTrackError('USAGE', '--goal needs --metric NAME');
  const goal = options.metric ? goalFor(options.metric, options.goal) : undefined;
  const list = summarise(cli.tracker(), { metric: options.metric, goal, all: options.all });
  if (options.json) {
    cli.out(JSON.stringify(list.map((e) => ({ ...e, best: e.best ?? null })), null, 2));
    return 0;
  }
  if (list.length === 0) {
    cli.out('No runs yet.');
    return 0;
  }
  const columns: Column[] = [
    { header: 'experiment' },
    { header: 'runs', align: 'right' },
    { header: 'last run' },
    ...(options.metric ? [{ header: `best by ${options.metric} (${goal})` }, { header: options.metric, align: 'right' as const }] : []),
  ];
  const rows = list.map((e) => [
    e.experiment ?? '(none)',
    e.runs,
    e.last.slice(0, 16).replace('T', ' '),
    ...(options.metric ? [e.best ? `${e.best.id}${e.best.name ? ` ${e.best.name}` : ''}` : '', e.best?.value] : []),
  ]);
  cli.out(renderRows('table', columns, rows));
  return 0;
}
