/**
 * The current run of a stage, read from promotion file names alone: they start with the
 * promotion time (`stages/<stage>/<YYYY-MM>/<stamp>-<run id>-<rand>.yaml`), so the last name
 * of the last month directory is the latest promotion. Two tree reads, no YAML.
 */
import type { ObjectStore } from '../git/objects.js';
import { lookupPath } from '../git/tree-edit.js';
import { STAGE_PATTERN, STAGES_DIR } from './records.js';

/**
 * The id of the run last promoted to `stage` below root tree `root`, or null.
 *
 * @example
 * currentRunOfStageAt(store, root, 'production'); // '3f9a21c0b7d4'
 */
export function currentRunOfStageAt(store: ObjectStore, root: string, stage: string): string | null {
  if (!STAGE_PATTERN.test(stage)) return null;
  const dir = lookupPath(store, root, `${STAGES_DIR}/${stage}`);
  if (!dir || dir.mode !== '040000') return null;
  const months = store.readTree(dir.oid).filter((e) => e.mode === '040000');
  const last = months.sort((a, b) => (a.name < b.name ? -1 : 1)).at(-1);
  const file = last && store.readTree(last.oid).map((e) => e.name).sort().at(-1);
  return (file && /^[0-9TZ]+-([0-9a-f]{12})-/.exec(file)?.[1]) || null;
}
