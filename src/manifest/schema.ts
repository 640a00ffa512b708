/**
 * The run manifest (`run.yaml`), format v1. This zod schema is the single source of truth:
 * the TypeScript types are inferred from it and `schema/run.schema.json` is generated from it
 * (scripts/generate-schema.mjs, pinned by a test).
 */
import * as z from 'zod';
import { GitTrackError } from '../errors.js';
import { hasCredentials } from '../git/credentials.js';
import { ANY_OID } from '../git/oid-text.js';
import { describeIssue, formatPath, valueAt } from './schema-errors.js';
import { LONE_SURROGATE, MANIFEST_FORMAT, NAME_MAX, NAME_PATTERN } from './names.js';
import { AUTHOR_TEXT, isInsidePath, isValidUtc, ISO_UTC, RUN_ID, SHA256_HEX, SINGLE_LINE } from './manifest-rules.js';

const singleLine = (max: number) =>
  z.string().min(1).max(max).regex(SINGLE_LINE, { error: 'must be one line without control characters' });

const nameKey = z
  .string()
  .max(NAME_MAX)
  .regex(NAME_PATTERN, { error: 'must be dot-separated segments without spaces, control characters or "="' })
  .refine((s) => !LONE_SURROGATE.test(s), { error: 'must be valid Unicode' });

/** A git object id: 40 hex digits in a sha1 repository, 64 in a sha256 one. */
const gitOid = z.string().regex(ANY_OID, { error: 'must be a lowercase hex git object id (40 digits, or 64 in a sha256 repository)' });
const sha256 = z.string().regex(SHA256_HEX, { error: 'must be 64 lowercase hex characters (sha256)' });
const count = z.int().min(0);

/** A param value's scalar: what a YAML 1.2 core-schema scalar can be, minus non-finite numbers. */
export const scalarSchema = z.union([z.number(), z.string(), z.boolean(), z.null()], {
  error: 'must be a number, string, boolean or null',
});
export type Scalar = z.infer<typeof scalarSchema>;

export const paramValueSchema = z.union([scalarSchema, z.array(scalarSchema)], {
  error: 'must be a number, string, boolean, null, or a list of those',
});
export type ParamValue = z.infer<typeof paramValueSchema>;

export const authorSchema = z.strictObject({
  name: z.string().min(1).regex(AUTHOR_TEXT, { error: "must not contain '<', '>' or a newline" }),
  email: z.string().regex(AUTHOR_TEXT, { error: "must not contain '<', '>' or a newline" }),
});
export type RunAuthor = z.infer<typeof authorSchema>;

export const codeSchema = z
  .strictObject({
    commit: gitOid.nullable().meta({ description: 'HEAD at the time of the run; null when the repository had no commits' }),
    branch: singleLine(255).nullable().optional().meta({ description: 'null when HEAD was detached' }),
    dirty: z.boolean(),
    snapshot: gitOid.optional().meta({ description: 'commit holding the uncommitted tracked changes; its parent is `commit`' }),
    patch: singleLine(255).optional().meta({ description: 'file in the run directory with the readable patch' }),
    remote: singleLine(2048)
      // Credentials in a remote URL would be published with every run.
      .refine((u) => !hasCredentials(u), { error: 'must not contain credentials' })
      .optional(),
  })
  .refine((c) => c.snapshot === undefined || c.dirty, { error: 'is only recorded for a dirty tree', path: ['snapshot'] });
export type CodeVersion = z.infer<typeof codeSchema>;

export const submoduleSchema = z
  .strictObject({
    path: z.string().min(1).refine(isInsidePath, { error: 'must be a relative path inside the repository' }),
    commit: gitOid.meta({ description: "the submodule's checked-out commit, the one code.snapshot (or code.commit) records" }),
    dirty: z.boolean().meta({ description: 'the submodule had uncommitted changes' }),
    changes_in_snapshot: z
      .literal(false)
      .optional()
      .meta({ description: "present when dirty: the submodule's uncommitted changes are NOT in code.snapshot or code.patch" }),
  })
  .refine((s) => s.dirty === (s.changes_in_snapshot === false), { error: 'is false exactly when the submodule is dirty', path: ['changes_in_snapshot'] });
export type Submodule = z.infer<typeof submoduleSchema>;

const kindSchema = z.enum(['file', 'dir']);

/** Directory entries carry a file count; a file entry carrying one is a writer bug. */
const filesOnlyForDirs = (e: { kind: string; files?: number | undefined }) => e.files === undefined || e.kind === 'dir';

const hashedDataSchema = z
  .strictObject({
    path: singleLine(4096),
    kind: kindSchema,
    sha256,
    size: count.meta({ description: 'bytes' }),
    files: count.optional().meta({ description: 'number of files, for directories' }),
    label: singleLine(200).optional(),
  })
  .refine(filesOnlyForDirs, { error: "only a 'dir' entry has a file count", path: ['files'] });

/** A data version declared but not hashed (an imported record's `data_version`). */
const declaredDataSchema = z.strictObject({
  path: singleLine(4096).optional(),
  kind: z.literal('version'),
  label: singleLine(200),
});

export const dataEntrySchema = z.discriminatedUnion('kind', [hashedDataSchema, declaredDataSchema]);
export type DataEntry = z.infer<typeof dataEntrySchema>;

export const artifactSchema = z
  .strictObject({
    path: singleLine(4096).refine(isInsidePath, { error: "must be a relative path without '.', '..' or empty segments" }),
    kind: kindSchema,
    sha256: sha256.nullable().meta({ description: 'null when the file was missing (a path-only reference)' }),
    size: count.nullable(),
    files: count.optional(),
    role: singleLine(200).optional(),
  })
  .refine(filesOnlyForDirs, { error: "only a 'dir' entry has a file count", path: ['files'] })
  .refine((a) => (a.sha256 === null) === (a.size === null), {
    error: 'must be null exactly when sha256 is null',
    path: ['size'],
  });
export type ArtifactEntry = z.infer<typeof artifactSchema>;

export const envSchema = z.strictObject({
  os: z.string(),
  arch: z.string(),
  hostname: z.string(),
  node: z.string(),
  python: z.string().optional(),
  /** Versions of the libraries the program imported, as it reported them: `numpy 1.24.2, scikit-learn 1.2.1`. */
  packages: z.string().optional(),
  git_track: z.string(),
});
export type RunEnv = z.infer<typeof envSchema>;

const uniqueBy =
  <T>(key: (t: T) => string, what: string) =>
  (list: T[], ctx: z.core.$RefinementCtx<T[]>) => {
    const seen = new Set<string>();
    list.forEach((item, i) => {
      const k = key(item);
      if (seen.has(k)) ctx.addIssue({ code: 'custom', message: `duplicate ${what} '${k}'`, path: [i], input: item });
      seen.add(k);
    });
  };

/** A run id: 12 lowercase hex characters. */
export const runIdSchema = z.string().regex(RUN_ID, { error: 'must be 12 lowercase hex characters' });

export const statusSchema = z.enum(['finished', 'failed', 'killed']);
export type RunStatus = z.infer<typeof statusSchema>;

export const runManifestSchema = z
  .strictObject({
    format: z.literal(MANIFEST_FORMAT),
    id: runIdSchema,
    name: singleLine(200).optional(),
    experiment: singleLine(200).optional(),
    parent: runIdSchema.optional().meta({ description: 'id of the run this one is nested under (a sweep, a script starting several runs)' }),
    status: statusSchema,
    created: z
      .string()
      .regex(ISO_UTC, { error: 'must be an ISO-8601 UTC time like 2026-05-30T10:15:02Z' })
      .refine(isValidUtc, { error: 'is not a real calendar time' })
      .meta({ format: 'date-time', description: 'UTC, second or millisecond precision' }),
    duration_s: z.number().min(0).optional().meta({ description: 'wall-clock seconds' }),
    author: authorSchema,
    command: z.array(z.string()).optional(),
    code: codeSchema.optional(),
    submodules: z
      .array(submoduleSchema)
      .superRefine(uniqueBy((s) => s.path, 'submodule path'))
      .optional()
      .meta({ description: "the code's submodules at the time of the run" }),
    data: z.array(dataEntrySchema).superRefine(uniqueBy((d) => d.path ?? `version:${d.label}`, 'data path')),
    params: z.record(nameKey, paramValueSchema),
    metrics: z.record(nameKey, z.number({ error: 'must be a finite number' })),
    series: z
      .array(nameKey)
      .superRefine(uniqueBy((s) => s, 'series name'))
      .optional()
      .meta({ description: 'metrics that have a step series file in the run directory' }),
    artifacts: z.array(artifactSchema).superRefine(uniqueBy((a) => a.path, 'artifact path')),
    env: envSchema.optional().meta({ description: 'the machine that recorded the run; absent for an imported run record, which does not say' }),
    tags: z.record(nameKey, z.string()),
    note: z.string().optional(),
    source: z.strictObject({ kind: z.literal('record'), file: singleLine(4096) }).optional(),
  })
  .refine((m) => m.parent === undefined || m.parent !== m.id, { error: 'must be another run, not the run itself', path: ['parent'] })
  .meta({ title: 'git-track run manifest', description: `run.yaml, format ${MANIFEST_FORMAT}` });

export type RunManifest = z.infer<typeof runManifestSchema>;

/**
 * Checks an in-memory value against the manifest schema. Reading a file is separate
 * (see `decodeManifest`).
 *
 * @param source names the value in the message (a path, a run record)
 * @param what what the value is called in the message: `manifest`, or `run record` for an import
 * @throws GitTrackError INVALID_MANIFEST naming the first bad field, with every zod issue in
 *   `data.issues`.
 * @example
 * const m = validateManifest(JSON.parse(text)); // m: RunManifest
 */
export function validateManifest(value: unknown, source?: string, what = 'manifest'): RunManifest {
  const result = runManifestSchema.safeParse(value);
  if (result.success) return result.data;
  const issues = result.error.issues;
  const why = describeManifestIssue(issues[0]!, value);
  throw new GitTrackError('INVALID_MANIFEST', `${source ? `${source}: ` : ''}invalid ${what}: ${why}`, { issues, source });
}

/** A `format` of another version most likely means a newer git-track wrote the run: say so. */
function describeManifestIssue(issue: z.core.$ZodIssue, value: unknown): string {
  const got = valueAt(value, issue.path);
  if (issue.code === 'invalid_value' && formatPath(issue.path) === 'format' && typeof got === 'string' && got.startsWith('git-track/run@')) {
    return `format: unsupported format '${got}' (this git-track reads ${MANIFEST_FORMAT})`;
  }
  return describeIssue(issue, value);
}

/**
 * The JSON Schema (draft 2020-12) of a manifest, as committed in `schema/run.schema.json`.
 *
 * @example
 * writeFileSync('schema/run.schema.json', JSON.stringify(manifestJsonSchema(), null, 2) + '\n');
 */
export function manifestJsonSchema(): Record<string, unknown> {
  return z.toJSONSchema(runManifestSchema, { target: 'draft-2020-12', io: 'output' });
}

/**
 * Validate without zod's just-in-time compiled fast path. A command that checks one manifest
 * and exits saves ~13 ms of compilation (measured: first validation 20 ms with it, 7 ms
 * without); bulk readers keep the default, which is faster per manifest once compiled.
 *
 * @example
 * preferOneShotValidation(); // at the start of `git-track log`
 */
export function preferOneShotValidation(): void {
  z.config({ jitless: true });
}
