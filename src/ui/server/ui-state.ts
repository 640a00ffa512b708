/**
 * What every dashboard request works with: one tracker context (so the library's per-context
 * caches — the open query index, the object store's pack cache — serve every request), the
 * server's own `--filter`, and a sink that turns the library's warnings into the `warnings`
 * of the answer being computed.
 */
import type { Expr } from '../../query/ast.js';
import { parseFilter } from '../../query/parse.js';
import type { TrackerContext } from '../../tracker-context.js';
import { GitTrackError } from '../../errors.js';
import type { SeriesColumns } from '../../series/series-columns.js';
import type { IndexingState } from './index-status.js';

export interface UiState {
  ctx: TrackerContext;
  /** The `--filter` the server was started with: every runs query is ANDed with it. */
  baseFilter?: { text: string; expr: Expr };
  /** True while writing a static export (answers leave out download links). */
  exporting: boolean;
  /** Answers cached by a key that includes the `runs` tip (see {@link cached}). */
  memo: Map<string, unknown>;
  /** Decoded series by run tree and metric (src/ui/server/series-api.ts). */
  series: Map<string, { columns: SeriesColumns; times: boolean }>;
  /** The query index being built in the background, or null once whole (index-status.ts). */
  indexing: IndexingState | null;
  /** What the background build warned of (runs it skipped): told in every runs answer. */
  indexWarnings: string[];
  /** Warnings of the answer being computed (library calls are synchronous, one at a time). */
  warnings: string[] | null;
}

/**
 * A state over `ctx`; the library's warnings land in the current answer's `warnings`.
 *
 * @example
 * const state = makeUiState(openContext({ dir }), { filter: 'metrics.f1 > 0.5' });
 */
export function makeUiState(ctx: TrackerContext, options: { filter?: string; exporting?: boolean } = {}): UiState {
  const state: UiState = { ctx, exporting: options.exporting ?? false, memo: new Map(), series: new Map(), indexing: null, indexWarnings: [], warnings: null };
  const given = ctx.env.warn;
  ctx.env = { ...ctx.env, warn: (message) => (state.warnings ? state.warnings.push(message) : state.indexing ? state.indexing.warnings.push(message) : given(message)) };
  if (options.filter !== undefined) {
    try {
      state.baseFilter = { text: options.filter, expr: parseFilter(options.filter) };
    } catch (err) {
      if (err instanceof GitTrackError) throw new GitTrackError('USAGE', `--filter: ${err.message.replace(/^filter: /, '')}`, err.data);
      throw err;
    }
  }
  return state;
}

/**
 * Most answers kept per state, least recently used dropped first. Few: an ordered result of
 * 100,000 runs keeps the column readers it used (~1 MB a column), and a page asks again
 * mostly for the query it just showed.
 */
const MEMO_ENTRIES = 4;

/**
 * `compute()` once per `key` (callers put the `runs` tip and whatever else the answer depends
 * on in the key), the last few kept: paging a 100,000-run result costs only the page.
 *
 * @example
 * const ordered = cached(state, `runs:${tip}:${query}`, () => orderRuns(...));
 */
export function cached<T>(state: UiState, key: string, compute: () => T): T {
  if (state.memo.has(key)) {
    const value = state.memo.get(key) as T;
    // Refresh its place: the map's order is the eviction order.
    state.memo.delete(key);
    state.memo.set(key, value);
    return value;
  }
  const value = compute();
  state.memo.set(key, value);
  while (state.memo.size > MEMO_ENTRIES) state.memo.delete(state.memo.keys().next().value!);
  return value;
}
