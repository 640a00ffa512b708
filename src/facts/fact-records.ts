/**
 * Archive and rename: later facts about a run, recorded on `runs` as small files beside (never
 * inside) the run directories, like tags added later and promotions:
 *
 * ```
 * facts/<id[0:2]>/<id>/<stamp>-<rand>.yaml    one fact: archive, unarchive or rename
 * ```
 *
 * A run's facts are read in file-name order, which is time order (the name starts with a UTC
 * stamp); the last archive/unarchive and the last rename are what hold. The run's manifest
 * never changes, and a branch merged from two clones simply has both sets of files.
 */
import * as z from 'zod';
import { GitTrackError } from '../errors.js';
import { MAX_RECORD_BYTES } from '../limits.js';
import { authorSchema, runIdSchema } from '../manifest/schema.js';
import { loadYaml } from '../manifest/yaml-text.js';
import { shardOf } from '../runs/layout.js';
import { decodeRecord } from '../stages/record-file.js';

export const FACTS_DIR = 'facts';
export const FACT_FORMAT = 'git-track/fact@1';

const SINGLE_LINE = /^[^\x00-\x1f\x7f-\x9f\u2028\u2029]*$/;

/** A run name, as the manifest schema accepts it. */
export const runNameSchema = z.string().min(1).max(200).regex(SINGLE_LINE, { error: 'must be one line without control characters' });

export const factSchema = z.discriminatedUnion('kind', [
  z.strictObject({
    format: z.literal(FACT_FORMAT),
    kind: z.enum(['archive', 'unarchive']),
    run: runIdSchema,
    at: z.string().regex(/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(?:\.\d{3})?Z$/),
    by: authorSchema,
  }),
  z.strictObject({
    format: z.literal(FACT_FORMAT),
    kind: z.literal('rename'),
    run: runIdSchema,
    at: z.string().regex(/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(?:\.\d{3})?Z$/),
    by: authorSchema,
    name: runNameSchema,
  }),
]);
export type Fact = z.infer<typeof factSchema>;

/**
 * Path of a fact on `runs`.
 *
 * @example
 * factPath('3f9a21c0b7d4', '2026-05-30T10:15:02.123Z', 'a1b2'); // 'facts/3f/3f9a21c0b7d4/20260530T101502123Z-a1b2.yaml'
 */
export function factPath(id: string, at: string, rand: string): string {
  const stamp = at.replace(/[-:.]/g, '').replace(/Z$/, '').padEnd(18, '0') + 'Z';
  return `${FACTS_DIR}/${shardOf(id)}/${id}/${stamp}-${rand}.yaml`;
}

/** A fact as YAML, keys in schema order. */
export function encodeFact(fact: Fact): string {
  return loadYaml().stringify(fact, { lineWidth: 0 });
}

/**
 * Parse and validate a fact file (from anyone: a pulled branch too).
 *
 * @throws GitTrackError INVALID_MANIFEST naming `source`
 */
export function decodeFact(bytes: Buffer, source: string): Fact {
  // Measured in bytes before any decoding: a large blob is refused without becoming a string.
  if (bytes.length > MAX_RECORD_BYTES) throw new GitTrackError('INVALID_MANIFEST', `${source}: larger than ${MAX_RECORD_BYTES} bytes`, { source });
  return decodeRecord(factSchema, bytes.toString('utf8'), source);
}
