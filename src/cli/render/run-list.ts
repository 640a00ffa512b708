/**
 * The run table of `git-track list`: id, name, created, status, then the params and metrics
 * whose values differ between the runs shown (a column that is the same everywhere tells
 * nothing).
 */
import type { RunManifest } from '../../manifest/schema.js';
import { formatCell, renderTable, type Column } from './table.js';

const MAX_PARAM_COLUMNS = 4;
const MAX_METRIC_COLUMNS = 4;

/** A run in progress (from its staging dir): shown in the list, never stored as a manifest. */
export interface RunningRow {
  id: string;
  status: 'running';
  name?: string;
  created: string;
  command?: string[];
  pid: number;
  hostname: string;
  params: RunManifest['params'];
  metrics: Record<string, number>;
}

type ListRow = Pick<RunManifest, 'id' | 'name' | 'created' | 'params' | 'metrics'> & { status: RunManifest['status'] | 'running' };

/**
 * Render runs as a table, runs in progress first.
 *
 * @example
 * renderRunList(runs); // 'id            name  created  status  f1 …'
 */
export function renderRunList(recorded: RunManifest[], running: RunningRow[] = []): string {
  const runs: ListRow[] = [...running, ...recorded];
  if (runs.length === 0) return 'No runs yet. Record one with: git-track log -p lr=0.01 -m f1=0.84';
  const params = differingKeys(runs, (r) => r.params).slice(0, MAX_PARAM_COLUMNS);
  const metrics = differingKeys(runs, (r) => r.metrics).slice(0, MAX_METRIC_COLUMNS);
  const columns: Column[] = [
    { header: 'id' },
    { header: 'name' },
    { header: 'created' },
    { header: 'status' },
    ...params.map((p) => ({ header: p, align: 'right' as const })),
    ...metrics.map((m) => ({ header: m, align: 'right' as const })),
  ];
  const rows = runs.map((r) => [
    r.id,
    r.name ?? '',
    r.created.slice(0, 16).replace('T', ' '),
    r.status,
    ...params.map((p) => formatCell(r.params[p])),
    ...metrics.map((m) => formatCell(r.metrics[m])),
  ]);
  return renderTable(columns, rows);
}

/** Keys present in some run whose values are not all equal; with one run, every key. */
function differingKeys(runs: ListRow[], pick: (r: ListRow) => Record<string, unknown>): string[] {
  const seen = new Map<string, Set<string>>();
  for (const run of runs) {
    for (const [k, v] of Object.entries(pick(run))) {
      const values = seen.get(k) ?? new Set<string>();
      values.add(JSON.stringify(v));
      seen.set(k, values);
    }
  }
  const keys = [...seen.keys()].sort();
  if (runs.length === 1) return keys;
  return keys.filter((k) => seen.get(k)!.size > 1 || runs.some((r) => !(k in pick(r))));
}
