/**
 * Later facts about a run, recorded on `runs` as new files beside (never inside) the run
 * directories, so a run's own manifest never changes:
 *
 * ```
 * stages/<stage>/<YYYY-MM>/<stamp>-<run id>-<rand>.yaml   one promotion
 * tags/<id[0:2]>/<id>/<stamp>-<rand>.yaml                   tags added after the fact
 * ```
 *
 * A promotion's file name starts with a UTC timestamp, so a stage's history is a sorted
 * directory listing; the random suffix keeps two writers promoting in the same millisecond
 * from colliding. Month directories keep each tree well under ~1,000 entries.
 */
import { loadYaml } from '../manifest/yaml-text.js';
import * as z from 'zod';
import { GitTrackError, quoteInput } from '../errors.js';
import { authorSchema } from '../manifest/schema.js';
import { NAME_PATTERN } from '../manifest/names.js';
import { shardOf } from '../runs/layout.js';
import { decodeRecord } from './record-file.js';

export const STAGES_DIR = 'stages';
export const TAGS_DIR = 'tags';
export const PROMOTION_FORMAT = 'git-track/promotion@1';
export const TAGS_FORMAT = 'git-track/tags@1';

/** A stage name: what fits in a file name and a `stage:NAME` reference. */
export const STAGE_PATTERN = /^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/;

const runId = z.string().regex(/^[0-9a-f]{12}$/);
const utc = z.string().regex(/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(?:\.\d{3})?Z$/);

export const promotionSchema = z.strictObject({
  format: z.literal(PROMOTION_FORMAT),
  stage: z.string().regex(STAGE_PATTERN),
  run: runId,
  previous: runId.nullable(),
  promoted: utc,
  by: authorSchema,
  reason: z.string().min(1),
});
export type Promotion = z.infer<typeof promotionSchema>;

export const tagsRecordSchema = z.strictObject({
  format: z.literal(TAGS_FORMAT),
  run: runId,
  added: utc,
  by: authorSchema,
  tags: z.record(z.string().regex(NAME_PATTERN), z.string()),
});
export type TagsRecord = z.infer<typeof tagsRecordSchema>;

/**
 * Refuse a stage name that cannot be a file name.
 *
 * @example
 * checkStageName('production'); // ok
 * checkStageName('../x');       // throws USAGE
 */
export function checkStageName(name: string): void {
  if (!STAGE_PATTERN.test(name)) {
    throw new GitTrackError('USAGE', `invalid stage name ${quoteInput(name)}: use letters, digits, '.', '_' or '-' (at most 64)`, { stage: name });
  }
}

/** `2026-05-30T10:15:02.123Z` → `20260530T101502123Z`: sortable, ASCII, no ':'. */
function stamp(iso: string): string {
  return iso.replace(/[-:.]/g, '').replace(/Z$/, '').padEnd(18, '0') + 'Z';
}

/**
 * Path of a promotion file on `runs`.
 *
 * @example
 * promotionPath({ stage: 'production', promoted: '2026-05-30T10:15:02Z', run: '3f9a21c0b7d4' }, 'a1b2');
 * // 'stages/production/2026-05/20260530T101502000Z-3f9a21c0b7d4-a1b2.yaml'
 */
export function promotionPath(p: Pick<Promotion, 'stage' | 'promoted' | 'run'>, rand: string): string {
  return `${STAGES_DIR}/${p.stage}/${p.promoted.slice(0, 7)}/${stamp(p.promoted)}-${p.run}-${rand}.yaml`;
}

/**
 * Path of a tags record on `runs`.
 *
 * @example
 * tagsPath('3f9a21c0b7d4', '2026-05-30T10:15:02Z', 'a1b2'); // 'tags/3f/3f9a21c0b7d4/20260530T101502000Z-a1b2.yaml'
 */
export function tagsPath(id: string, added: string, rand: string): string {
  return `${TAGS_DIR}/${shardOf(id)}/${id}/${stamp(added)}-${rand}.yaml`;
}

/**
 * A record as YAML, keys in schema order (so the same record is always the same bytes).
 *
 * @example
 * encodeRecord(promotion); // 'format: git-track/promotion@1\nstage: production\n…'
 */
export function encodeRecord(record: Promotion | TagsRecord): string {
  return loadYaml().stringify(record, { lineWidth: 0 });
}

/**
 * Parse and validate a promotion file.
 *
 * @throws GitTrackError INVALID_MANIFEST naming `source`
 * @example
 * decodePromotion(text, 'stages/production/…yaml').run;
 */
export function decodePromotion(text: string, source: string): Promotion {
  return decodeRecord(promotionSchema, text, source);
}

/** Parse and validate a tags record (see {@link decodePromotion}). */
export function decodeTagsRecord(text: string, source: string): TagsRecord {
  return decodeRecord(tagsRecordSchema, text, source);
}

