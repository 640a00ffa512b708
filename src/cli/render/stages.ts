/**
 * Rendering promotions, stages and the small promote-time diff.
 */
import type { PromoteResult } from '../../stages/promote.js';
import type { PromotionEntry } from '../../stages/read-stages.js';
import type { ValueChange } from '../../stages/stage-diff.js';
import { formatCell, renderTable } from './table.js';

/**
 * What `promote` prints: the promotion, the file written, and what changed.
 *
 * @example
 * renderPromotion(result); // 'Promoted 3f9a21c0b7d4 to production (was 1b2c…)\n…'
 */
export function renderPromotion(r: PromoteResult, relFile: string): string {
  const p = r.promotion;
  const lines = [`Promoted ${p.run} to ${p.stage}${p.previous ? ` (was ${p.previous})` : ' (first run of this stage)'}`];
  lines.push(`Wrote ${relFile}: commit it so the pull request shows the change.`);
  if (r.previous) lines.push('', r.changes.length ? renderChanges(r.changes) : `No params or metrics changed against ${r.previous.id}.`);
  return lines.join('\n');
}

/**
 * A change list as a table: section, key, before, after, delta (numbers).
 *
 * @example
 * renderChanges([{ section: 'metrics', key: 'f1', before: 0.8, after: 0.84 }]);
 */
export function renderChanges(changes: ValueChange[]): string {
  const rows = changes.map((c) => {
    const delta = typeof c.before === 'number' && typeof c.after === 'number' ? signed(c.after - c.before) : '';
    return [c.section, c.key, show(c.before), show(c.after), delta];
  });
  return renderTable([{ header: 'section' }, { header: 'key' }, { header: 'before', align: 'right' }, { header: 'after', align: 'right' }, { header: 'delta', align: 'right' }], rows);
}

/**
 * `stage`: the current run of each stage; `stage --history`: every promotion.
 *
 * @example
 * renderStages([promotion]); // 'stage       run           promoted …'
 */
export function renderStages(promotions: PromotionEntry[], history: boolean): string {
  if (promotions.length === 0) return 'No promotions yet. Promote a run with: git-track promote RUN --stage production --reason TEXT';
  const rows = promotions.map((p) => [p.stage, p.run, p.promoted.replace('T', ' ').replace(/\.\d+Z$|Z$/, ''), p.by.name, p.previous ?? '', p.reason.split('\n')[0]!]);
  const table = renderTable(
    [{ header: 'stage' }, { header: 'run' }, { header: 'promoted' }, { header: 'by' }, { header: 'previous' }, { header: history ? 'reason' : 'why' }],
    rows,
  );
  return table;
}

function show(v: unknown): string {
  return v === undefined ? '-' : formatCell(v);
}

function signed(n: number): string {
  const s = formatCell(n);
  return n > 0 ? `+${s}` : s;
}
