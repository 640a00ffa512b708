/**
 * The `policy:` section of the committed `.git-track.yaml`: the gates a run must pass to be
 * promoted (`check`, `verify --stages`). Other sections of the file (`store:` …) belong to
 * other features: this schema validates only the `policy` key and ignores the rest.
 *
 * ```yaml
 * policy:
 *   require:
 *     params: [lr]
 *     metrics: [f1]
 *     tags: [team]
 *     data: true              # at least one data input; or a list of paths
 *     artifact_roles: [model]
 *   clean_code: true
 *   thresholds: ["metrics.f1 >= 0.8"]
 *   no_regression: {stage: production, tolerance: 0.01, metrics: [f1], minimize: [loss]}
 *   signed: true              # run commits must carry a good signature (git's commit.gpgSign)
 * ```
 */
import * as z from 'zod';

const names = z.array(z.string().min(1));

export const THRESHOLD_PATTERN = /^\s*(metrics|params)\.(\S+?)\s*(>=|<=|==|!=|>|<)\s*(-?(?:\d+(?:\.\d*)?|\.\d+)(?:e[-+]?\d+)?)\s*$/i;

export const noRegressionSchema = z.strictObject({
  stage: z.string().min(1),
  tolerance: z.number().min(0).default(0),
  metrics: names.optional().meta({ description: 'metrics compared; default: every metric of the stage run' }),
  minimize: names.default([]).meta({ description: 'metrics where lower is better (default: higher is better)' }),
});
export type NoRegression = z.infer<typeof noRegressionSchema>;

export const policySchema = z.strictObject({
  require: z
    .strictObject({
      params: names.default([]),
      metrics: names.default([]),
      tags: names.default([]),
      data: z.union([z.boolean(), names]).default(false),
      artifact_roles: names.default([]),
    })
    .default({ params: [], metrics: [], tags: [], data: false, artifact_roles: [] }),
  clean_code: z.boolean().default(false),
  thresholds: z.array(z.string().regex(THRESHOLD_PATTERN, { error: "must look like 'metrics.f1 >= 0.8'" })).default([]),
  no_regression: noRegressionSchema.optional(),
  signed: z
    .boolean()
    .default(false)
    .meta({ description: "every commit on runs must carry a signature git accepts (commit.gpgSign; gpg.ssh.allowedSignersFile or the keyring): enforced by check and verify --stages" }),
});
export type Policy = z.infer<typeof policySchema>;

/** The whole file, leniently: only `policy` is ours. */
export const configFileSchema = z.looseObject({ policy: policySchema.optional() });

/**
 * The policy that requires nothing.
 *
 * @example
 * emptyPolicy().thresholds; // []
 */
export function emptyPolicy(): Policy {
  return policySchema.parse({});
}
