/**
 * The runs table's data: the server pages and filters (docs/ui-api.md `/api/runs`); this keeps
 * the pages already fetched for one query and maps the table's display rows (group headings
 * between runs) to result offsets.
 */
import type { DataSource, Param } from '../data-source.js';
import type { Group, RunRow, RunsAnswer } from '../api-types.js';
import { UI_TABLE_PAGE_ROWS as PAGE_ROWS } from '../../../limits.js';

/** How long a page is wanted before it is fetched: longer than a frame of fast scrolling. */
const FETCH_DELAY_MS = 60;

/** One display row: a group heading or the run at a result offset. */
export type DisplayRow = { kind: 'group'; group: Group } | { kind: 'run'; offset: number };

/** The pages of one query. */
export class RunsPages {
  private pages = new Map<number, RunRow[]>();
  private inFlight = new Map<number, Promise<void>>();
  private timer = 0;
  first: RunsAnswer | null = null;

  constructor(
    private readonly source: DataSource,
    private readonly params: Record<string, Param>,
    private readonly onPage: () => void,
    /** The display rows in view now, `[first, last)`. */
    private readonly visible: () => [number, number],
  ) {}

  /** Fetch the first page: total, columns and groups come with it. */
  async start(): Promise<RunsAnswer> {
    const answer = await this.source.get<RunsAnswer>('runs', { ...this.params, offset: 0, limit: PAGE_ROWS });
    this.first = answer;
    this.pages.set(0, answer.rows);
    return answer;
  }

  /**
   * The row at a result offset, or undefined while its page is on the way. Pages are fetched
   * a moment after they are asked for, and only those still in view then: a fast scroll through
   * 100,000 rows does not queue the hundreds of pages it passes.
   */
  row(offset: number): RunRow | undefined {
    const page = Math.floor(offset / PAGE_ROWS);
    const rows = this.pages.get(page);
    if (rows) return rows[offset - page * PAGE_ROWS];
    if (!this.timer) this.timer = window.setTimeout(() => this.fetchVisible(), FETCH_DELAY_MS);
    return undefined;
  }

  /** Fetch the pages of the display rows `[first, last)` and wait for them (a refresh without a flash). */
  async warm([first, last]: [number, number]): Promise<void> {
    this.fetchVisible([first, last]);
    await Promise.all(this.inFlight.values());
  }

  private fetchVisible([first, last] = this.visible()): void {
    this.timer = 0;
    const pages = new Set<number>();
    for (const d of [first, Math.floor((first + last) / 2), Math.max(first, last - 1)]) {
      if (d >= this.displayCount()) continue;
      const shown = this.display(d);
      if (shown.kind === 'run') pages.add(Math.floor(shown.offset / PAGE_ROWS));
    }
    for (const page of pages) {
      if (this.pages.has(page) || this.inFlight.has(page)) continue;
      const p = this.source
        .get<RunsAnswer>('runs', { ...this.params, offset: page * PAGE_ROWS, limit: PAGE_ROWS })
        .then((a) => {
          this.pages.set(page, a.rows);
          this.onPage();
        })
        .catch(() => undefined)
        .finally(() => this.inFlight.delete(page));
      this.inFlight.set(page, p);
    }
  }

  /** Number of display rows: every run plus one heading per group. */
  displayCount(): number {
    return (this.first?.total ?? 0) + (this.first?.groups?.length ?? 0);
  }

  /** What display row `d` shows. Group `g`'s heading is at `offset_g + g`, its runs follow it. */
  display(d: number): DisplayRow {
    const groups = this.first?.groups;
    if (!groups || groups.length === 0) return { kind: 'run', offset: d };
    let lo = 0;
    let hi = groups.length - 1;
    while (lo < hi) {
      const mid = (lo + hi + 1) >> 1;
      if (groups[mid]!.offset + mid <= d) lo = mid;
      else hi = mid - 1;
    }
    const g = groups[lo]!;
    return d === g.offset + lo ? { kind: 'group', group: g } : { kind: 'run', offset: d - lo - 1 };
  }
}
