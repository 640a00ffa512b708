/**
 * The query index as the dashboard sees it. On a fresh clone (no index yet, or one far behind)
 * the server builds it in the background from the moment it starts, and until it is whole the
 * runs table, column pickers and plots answer from the rows read so far, each answer saying
 * `indexing: {read, total}` so the page shows a partial table for what it is and asks again.
 * Everything else (a run page, series, compare) waits for the whole index.
 */
import { loadQueryIndex, startQueryIndexBuild, type QueryIndexBuild } from '../../query/query-index.js';
import type { RunTable } from '../../query/run-table.js';
import { UI_INDEX_FIRST_ROWS, UI_INDEX_SNAPSHOT_MS } from '../../limits.js';
import type { UiState } from './ui-state.js';

/** How far a background build has come. */
export interface Indexing {
  read: number;
  total: number;
}

/** The table to answer from now, and whether it is still partial. */
export interface IndexView {
  table: RunTable;
  indexing?: Indexing;
}

/**
 * Start building the index in the background when it is not up to date; resolves when it is
 * (a failure is left for the next synchronous read to report, as `list` would).
 *
 * @example
 * startIndexing(state); // the server answers at once; indexView(state) is partial meanwhile
 */
export function startIndexing(state: UiState, pause?: () => Promise<void> | undefined): Promise<void> {
  let started: ReturnType<typeof startQueryIndexBuild>;
  try {
    started = startQueryIndexBuild(state.ctx, { pause, firstRows: UI_INDEX_FIRST_ROWS });
  } catch {
    return Promise.resolve(); // the first answer that reads the index reports it
  }
  if ('table' in started) return Promise.resolve();
  const whole = started.done
    .then(
      () => undefined,
      (err: unknown) => state.ctx.env.warn(`query index: ${err instanceof Error ? err.message : String(err)}`),
    )
    .finally(() => {
      state.indexWarnings = state.indexing?.warnings ?? [];
      state.indexing = null;
      state.memo.clear(); // partial answers are not the answers any more
    });
  state.indexing = { build: started, snapshot: null, whole, warnings: [] };
  return whole;
}

/** What a background build is at, as the state holds it. */
export interface IndexingState {
  build: QueryIndexBuild;
  /** The partial table last handed out: taken again at most every UI_INDEX_SNAPSHOT_MS, so the pages of one table agree. */
  snapshot: { table: RunTable; read: number; at: number } | null;
  /** Settles once the build is over and the state answers from the whole index. */
  whole: Promise<void>;
  /** Warnings of the build (runs skipped), for the answers after it. */
  warnings: string[];
}

/**
 * The table to answer from: the whole index, or while it is being built the rows read so far.
 *
 * @example
 * const { table, indexing } = indexView(state);
 */
export function indexView(state: UiState): IndexView {
  const s = state.indexing;
  if (!s) return { table: loadQueryIndex(state.ctx) };
  const now = Date.now();
  // Each new snapshot costs a sort of the rows read so far, taken from the build's CPU: the
  // more rows, the longer one is kept (at 100,000 runs, 5 s). An empty one is replaced as soon
  // as there are rows: the first rows matter most.
  const keep = UI_INDEX_SNAPSHOT_MS * Math.min(10, Math.max(1, (s.snapshot?.read ?? 0) / 10_000));
  if (!s.snapshot || now - s.snapshot.at >= keep || (s.snapshot.read === 0 && s.build.read > 0)) {
    s.snapshot = { table: s.build.partial(), read: s.build.read, at: now };
    // Answers over an older snapshot are never asked for again; they would pin its arrays.
    state.memo.clear();
  }
  return { table: s.snapshot.table, indexing: { read: s.snapshot.read, total: s.build.total } };
}

/**
 * Resolves once the index is whole (at once when it is), for answers that need every run.
 *
 * @example
 * await indexReady(state);
 */
export async function indexReady(state: UiState): Promise<void> {
  await state.indexing?.whole;
}
