/**
 * One progress line for transfers that run side by side. A store moves several objects at once
 * (`lfs.concurrenttransfers`, `gittrack.store.concurrency`); each reports its own progress, and
 * on a one-line terminal display they would take turns, and the first to finish would clear
 * the line while the others still run. This sink adds them up instead: one object shows as
 * before (`uploading model.bin: 40% (…)`), several as `uploading 3 files: 52% (…)`, and the
 * line is cleared when the last of them is done.
 */
import type { ProgressSink } from '../../env.js';

/**
 * Wrap `inner` (the terminal's sink) so that concurrent byte transfers share one line.
 *
 * @example
 * const env2 = { ...env, progress: combinedProgress(env.progress) };
 */
export function combinedProgress(inner: ProgressSink): ProgressSink {
  const active = new Map<string, { done: number; total: number }>();
  // Bytes of the transfers already over, kept so the percentage never goes backwards.
  let finishedBytes = 0;
  let finishedCount = 0;
  let shownLabel: string | null = null;
  const show = (fallback: string) => {
    let done = finishedBytes;
    let total = finishedBytes;
    for (const t of active.values()) {
      done += t.done;
      total += t.total;
    }
    const count = active.size + finishedCount;
    const verb = fallback.split(' ')[0];
    const label = count > 1 ? `${verb} ${count} files` : fallback;
    if (shownLabel && shownLabel !== label) inner.done(shownLabel);
    shownLabel = label;
    inner.update(label, done, total);
  };
  return {
    update(label, done, total, unit = 'bytes') {
      if (unit !== 'bytes' || total === undefined) {
        inner.update(label, done, total, unit);
        return;
      }
      active.set(label, { done, total });
      show(label);
    },
    done(label) {
      const t = active.get(label);
      if (!t) return;
      active.delete(label);
      finishedBytes += t.total;
      finishedCount++;
      if (active.size > 0) return;
      if (shownLabel) inner.done(shownLabel);
      shownLabel = null;
      finishedBytes = 0;
      finishedCount = 0;
    },
  };
}
