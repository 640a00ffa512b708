/**
 * Runs in progress as the dashboard shows them: read from the staging directories without
 * recording anything (the server is read-only), shaped like a row `list` prints.
 */
import { runningRuns, type RunningRun } from '../../capture/recover.js';
import type { Field } from '../../query/ast.js';
import type { FieldValue } from '../../query/evaluate.js';
import type { TrackerContext } from '../../tracker-context.js';

/** A run in progress, with the fields a table row and a filter can read. */
export interface LiveRun {
  id: string;
  status: 'running';
  name?: string;
  experiment?: string;
  parent?: string;
  created: string;
  command?: string[];
  pid: number;
  hostname: string;
  lastActivity: string;
  params: Record<string, FieldValue>;
  metrics: Record<string, number>;
  tags: Record<string, string>;
  dir: string;
}

/**
 * The runs in progress now, oldest first.
 *
 * @example
 * liveRuns(ctx).map((r) => r.id);
 */
export function liveRuns(ctx: TrackerContext): LiveRun[] {
  return runningRuns(ctx).map(toLive).sort((a, b) => (a.created < b.created ? -1 : a.created > b.created ? 1 : a.id < b.id ? -1 : 1));
}

function toLive(r: RunningRun): LiveRun {
  const { state } = r;
  const input = state.input;
  return {
    id: state.id,
    status: 'running',
    ...(input.name ? { name: input.name } : {}),
    ...(input.experiment ? { experiment: input.experiment } : {}),
    ...(input.parent ? { parent: input.parent } : {}),
    created: state.started.replace(/\.\d{3}Z$/, 'Z'),
    ...(state.command ? { command: state.command } : {}),
    pid: state.pid,
    hostname: state.hostname,
    lastActivity: r.lastActivity.toISOString(),
    params: (input.params ?? {}) as Record<string, FieldValue>,
    metrics: { ...input.metrics, ...r.metrics },
    tags: { ...(input.tags ?? {}) },
    dir: r.dir,
  };
}

/**
 * A field of a run in progress (what the filter language and the table read).
 *
 * @example
 * liveField(run, { scope: 'metrics', name: 'loss' }); // 0.31
 */
export function liveField(r: LiveRun, f: Field): FieldValue | undefined {
  if (f.scope === 'params') return r.params[f.name];
  if (f.scope === 'metrics') return r.metrics[f.name];
  if (f.scope === 'tags') return r.tags[f.name];
  if (f.scope !== 'attr') return undefined;
  switch (f.name) {
    case 'id':
    case 'name':
    case 'created':
    case 'status':
    case 'experiment':
    case 'parent':
      return r[f.name];
    case 'archived':
      return false;
    default:
      return undefined;
  }
}

/** A cheap fingerprint of the runs in progress: ids and their latest metrics. */
export function liveSignature(runs: readonly LiveRun[]): string {
  return runs.map((r) => `${r.id}:${r.lastActivity}`).join(',');
}
