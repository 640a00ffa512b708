/**
 * The committed project configuration, `.git-track.yaml` at the work-tree root. This zod
 * schema is the single source of truth: types are inferred from it and
 * schema/config.schema.json is generated from it (scripts/generate-schema.mjs).
 *
 * ```yaml
 * store:
 *   type: git            # artifact bytes on refs/git-track/artifacts, pushed with the runs
 *   max_file_size: 5MB   # larger artifacts need a `dir` store
 * # or
 * store:
 *   type: dir
 *   path: /mnt/share/ml-artifacts
 * # or
 * store:
 *   type: s3
 *   bucket: ml-artifacts
 *   prefix: churn          # objects at churn/sha256/<ab>/<rest>
 *   region: eu-west-1
 * # or
 * store:
 *   type: lfs              # the Git LFS server of the remote pushed to
 * ```
 */
import * as z from 'zod';
import { SIZE_PATTERN } from './size.js';
import { policySchema } from '../policy/schema.js';

export { DEFAULT_GIT_MAX_BYTES, parseSize } from './size.js';

const sizeSchema = z
  .union([z.number().int().nonnegative(), z.string().regex(SIZE_PATTERN, { error: 'a size such as 5MB, 512KB or a number of bytes' })])
  .meta({ description: 'bytes, or a size with a unit: B, KB, MB, GB (powers of 1024)' });

export const storeSchema = z.discriminatedUnion('type', [
  z.strictObject({
    type: z.literal('git').meta({ description: 'artifact bytes travel on refs/git-track/artifacts with push and pull' }),
    max_file_size: sizeSchema.optional(),
  }),
  z.strictObject({
    type: z.literal('dir').meta({ description: 'a shared directory (e.g. a network mount), layout sha256/<ab>/<rest>' }),
    path: z.string().min(1).meta({ description: 'absolute, or relative to the work-tree root' }),
  }),
  z.strictObject({
    type: z.literal('s3').meta({ description: 'an S3 bucket (AWS, MinIO, R2, Ceph, GCS interoperability…), layout <prefix>/sha256/<ab>/<rest>' }),
    bucket: z.string().regex(/^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/, { error: 'a bucket name: 3-63 lower-case letters, digits, dots and hyphens' }),
    prefix: z.string().regex(/^(?:[A-Za-z0-9!_.*'()-]+\/)*[A-Za-z0-9!_.*'()-]+$/, { error: 'a key prefix such as team/churn (no leading, trailing or double slash)' }).optional(),
    region: z.string().regex(/^[a-z0-9-]{1,64}$/, { error: 'a region such as eu-west-1' }).optional().meta({ description: 'default: the AWS configuration (AWS_REGION, ~/.aws/config), else us-east-1' }),
    endpoint: z.url({ protocol: /^https?$/, error: 'an http(s) URL such as https://s3.example.com' }).optional().meta({ description: 'an S3-compatible service; default AWS' }),
    force_path_style: z.boolean().optional().meta({ description: 'address the bucket as <endpoint>/<bucket> rather than <bucket>.<endpoint> (MinIO, Ceph)' }),
  }),
  z.strictObject({
    type: z.literal('lfs').meta({ description: 'the Git LFS server of the remote pushed to (batch API), with the credentials git has for it' }),
    url: z.url({ protocol: /^https?$/, error: 'an http(s) URL of an LFS endpoint such as https://host/team/repo.git/info/lfs' }).optional().meta({ description: 'default: derived from the remote, as git-lfs does' }),
  }),
]);

/**
 * What the artifact store reads. Other sections are validated by their own readers (the
 * policy by `check` and `verify --stages`), so a typo there never stops `log`.
 */
export const configSchema = z.looseObject({
  store: storeSchema.optional(),
});

/** The whole file, as documented in schema/config.schema.json. */
export const projectFileSchema = z.looseObject({
  store: storeSchema.optional(),
  policy: policySchema.optional().meta({ description: 'gates a run must pass: check and verify --stages' }),
});

export type ProjectConfig = z.infer<typeof configSchema>;
export type StoreConfig = z.infer<typeof storeSchema>;

/**
 * The JSON Schema of `.git-track.yaml` (committed as schema/config.schema.json).
 *
 * @example
 * JSON.stringify(configJsonSchema(), null, 2);
 */
export function configJsonSchema(): Record<string, unknown> {
  return {
    $id: 'https://git-track.dev/schema/config.schema.json',
    title: 'git-track project configuration (.git-track.yaml)',
    ...z.toJSONSchema(projectFileSchema, { target: 'draft-2020-12' }),
  } as Record<string, unknown>;
}
