/**
 * MLflow experiments on `runs`, so that a clone or a teammate's pull sees the experiments a
 * server created (also those without a run yet), with their ids, names, tags and lifecycle:
 *
 * ```
 * mlflow/experiments/<id>/<stamp>-<rand>.yaml   one change: created, renamed, deleted/restored, tags set
 * ```
 *
 * Records are only ever added (never edited), like the facts about runs; an experiment is its
 * records folded in file-name order (time order, the name starts with a UTC stamp), its
 * `created` record first. Its id is derived from its first name ({@link experimentIdOf}) and
 * checked against it, so two servers creating the same name at once agree on the id and their
 * two `created` records fold into one experiment (tags of both); branches merged from two
 * clones simply have both sets of files.
 */
import * as z from 'zod';
import { lookupPath } from '../../git/tree-edit.js';
import { authorSchema } from '../../manifest/schema.js';
import { loadYaml } from '../../manifest/yaml-text.js';
import { boundedEntries, decodeRecord, readRecordFile, subdirectories, type OnBadRecord } from '../../stages/record-file.js';
import type { TrackerContext } from '../../tracker-context.js';
import { experimentIdOf } from '../mapping.js';

export const EXPERIMENTS_DIR = 'mlflow/experiments';
export const EXPERIMENT_RECORD_FORMAT = 'git-track/mlflow-experiment@1';

/** An experiment name: 1 to 200 characters on one line. */
export const NAME_PATTERN = /^[^\x00-\x1f\x7f-\x9f\u2028\u2029]{1,200}$/;
const AT = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/;

export const experimentRecordSchema = z
  .strictObject({
    format: z.literal(EXPERIMENT_RECORD_FORMAT),
    experiment: z.string().regex(/^(?:0|[1-9]\d{0,18})$/),
    at: z.string().regex(AT),
    by: authorSchema,
    /** The experiment's first record: `name` is the name its id derives from. */
    created: z.literal(true).optional(),
    name: z.string().regex(NAME_PATTERN, { error: 'must be 1 to 200 characters on one line' }).optional(),
    lifecycle: z.enum(['active', 'deleted']).optional(),
    tags: z.record(z.string().min(1).max(250), z.string().max(8000)).optional(),
  })
  .refine((r) => !r.created || (r.name !== undefined && experimentIdOf(r.name) === r.experiment), {
    error: 'a created record needs the name its experiment id derives from',
  });
export type ExperimentChange = z.infer<typeof experimentRecordSchema>;

/** An experiment after its records. */
export interface FoldedExperiment {
  id: string;
  name: string;
  /** Names it had before a rename: runs recorded under them still belong to it. */
  aliases: string[];
  lifecycle: 'active' | 'deleted';
  created: number;
  updated: number;
  tags: Record<string, string>;
}

/**
 * Path of an experiment record on `runs`.
 *
 * @example
 * experimentRecordPath('2214565937829069', '2026-05-30T10:15:02.123Z', 'a1b2'); // 'mlflow/experiments/2214565937829069/20260530T101502123Z-a1b2.yaml'
 */
export function experimentRecordPath(id: string, at: string, rand: string): string {
  return `${EXPERIMENTS_DIR}/${id}/${at.replace(/[-:.]/g, '')}-${rand}.yaml`;
}

/** A record as YAML, keys in schema order. */
export function encodeExperimentRecord(record: ExperimentChange): string {
  return loadYaml().stringify(record, { lineWidth: 0 });
}

/**
 * Parse and validate a record (from anyone: a pulled branch too).
 *
 * @throws GitTrackError INVALID_MANIFEST naming `source`
 */
export function decodeExperimentRecord(text: string, source: string): ExperimentChange {
  return decodeRecord(experimentRecordSchema, text, source);
}

/**
 * Every experiment recorded below the tree `root` (a `runs` root tree), by id. A bad record
 * goes to `onBad` and is skipped; an experiment without a valid `created` record is skipped
 * the same way.
 *
 * @example
 * readExperimentRecords(ctx, root, warnSkipped(ctx)).get('2214565937829069')?.name; // 'churn'
 */
export function readExperimentRecords(ctx: TrackerContext, root: string, onBad: OnBadRecord): Map<string, FoldedExperiment> {
  const out = new Map<string, FoldedExperiment>();
  const top = lookupPath(ctx.store, root, EXPERIMENTS_DIR);
  if (!top) return out;
  if (top.mode !== '040000') {
    onBad(EXPERIMENTS_DIR, 'is not a directory');
    return out;
  }
  for (const dir of subdirectories(ctx.store, top.oid, EXPERIMENTS_DIR, onBad)) {
    const path = `${EXPERIMENTS_DIR}/${dir.name}`;
    const records: ExperimentChange[] = [];
    for (const f of boundedEntries(ctx.store, dir.oid, path, onBad).sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0))) {
      const r = readRecordFile(ctx.store, f, `${path}/${f.name}`, onBad, decodeExperimentRecord, (rec, rand) => experimentRecordPath(rec.experiment, rec.at, rand));
      if (r) records.push(r);
    }
    const folded = foldExperiment(records);
    if (folded) out.set(dir.name, folded);
    else if (records.length) onBad(path, 'has no record of its creation');
  }
  return out;
}

/**
 * One experiment from its records in file-name order: the first `created` record gives the
 * name and creation time (a second one, from a server that created the same name at the same
 * time, only adds its tags); later records rename, delete, restore and set tags.
 */
export function foldExperiment(records: ExperimentChange[]): FoldedExperiment | undefined {
  const first = records.find((r) => r.created);
  if (!first) return undefined;
  const e: FoldedExperiment = { id: first.experiment, name: first.name!, aliases: [], lifecycle: 'active', created: Date.parse(first.at), updated: Date.parse(first.at), tags: {} };
  for (const r of [first, ...records.filter((x) => x !== first)]) {
    if (r.name !== undefined && !r.created && r.name !== e.name) {
      e.aliases = [...new Set([...e.aliases, e.name])].filter((a) => a !== r.name);
      e.name = r.name;
    }
    if (r.lifecycle) e.lifecycle = r.lifecycle;
    // Keys are anyone's text (`__proto__` too): own properties, never a prototype change.
    for (const [k, v] of Object.entries(r.tags ?? {})) Object.defineProperty(e.tags, k, { value: v, enumerable: true, writable: true, configurable: true });
    e.updated = Math.max(e.updated, Date.parse(r.at));
  }
  return e;
}
