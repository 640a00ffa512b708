/**
 * The current run of a stage. Promotion file names start with the promotion time
 * (`stages/<stage>/<YYYY-MM>/<stamp>-<run id>-<rand>.yaml`), so the last name of the last
 * month directory is the latest promotion; it is read and checked like any record (a bad file
 * pushed by someone else is skipped, and the one before it holds), usually one record read.
 */
import type { ObjectStore } from '../git/objects.js';
import { lookupPath } from '../git/tree-edit.js';
import { boundedEntries, readRecordFile, subdirectories, type OnBadRecord } from './record-file.js';
import { decodePromotion, promotionPath, STAGE_PATTERN, STAGES_DIR } from './records.js';

/**
 * The id of the run last promoted to `stage` below root tree `root`, or null. Bad promotion
 * files go to `onBad` and are skipped (silently without it).
 *
 * @example
 * currentRunOfStageAt(store, root, 'production'); // '3f9a21c0b7d4'
 */
export function currentRunOfStageAt(store: ObjectStore, root: string, stage: string, onBad?: OnBadRecord): string | null {
  if (!STAGE_PATTERN.test(stage)) return null;
  const dir = lookupPath(store, root, `${STAGES_DIR}/${stage}`);
  if (!dir || dir.mode !== '040000') return null;
  const skip: OnBadRecord = onBad ?? (() => {});
  const byName = (a: { name: string }, b: { name: string }) => (a.name < b.name ? 1 : a.name > b.name ? -1 : 0);
  for (const month of subdirectories(store, dir.oid, `${STAGES_DIR}/${stage}`, skip).sort(byName)) {
    const monthPath = `${STAGES_DIR}/${stage}/${month.name}`;
    for (const file of boundedEntries(store, month.oid, monthPath, skip).sort(byName)) {
      const p = readRecordFile(store, file, `${monthPath}/${file.name}`, skip, decodePromotion, promotionPath);
      if (p) return p.run;
    }
  }
  return null;
}
