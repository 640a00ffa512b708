/**
 * Reading the policy from `.git-track.yaml` at the root of the working tree.
 */
import { join } from 'node:path';
import { GitTrackError, isGitTrackError } from '../errors.js';
import { readInputFile } from '../manifest/read-input-file.js';
import { parseYaml } from '../manifest/yaml-text.js';
import { formatPath } from '../manifest/schema-errors.js';
import { configFileSchema, emptyPolicy, type Policy } from './schema.js';

export const CONFIG_FILE = '.git-track.yaml';

/**
 * The policy of the repository whose working tree is `workTree`; the empty policy when the
 * file or its `policy` section is absent.
 *
 * @throws GitTrackError BAD_INPUT naming the bad field
 * @example
 * loadPolicy(repo.workTree).thresholds; // ['metrics.f1 >= 0.8']
 */
export function loadPolicy(workTree: string | null): Policy {
  if (!workTree) return emptyPolicy();
  const path = join(workTree, CONFIG_FILE);
  let text: string;
  try {
    text = readInputFile(path, CONFIG_FILE, { label: CONFIG_FILE });
  } catch (err) {
    if (isGitTrackError(err, 'FILE_NOT_FOUND')) return emptyPolicy();
    throw err;
  }
  return parsePolicy(text, CONFIG_FILE);
}

/**
 * The policy in a config file's text (see {@link loadPolicy}).
 *
 * @example
 * parsePolicy('policy:\n  thresholds: ["metrics.f1 >= 0.8"]\n', '.git-track.yaml');
 */
export function parsePolicy(text: string, source: string): Policy {
  const value = parseYaml(text, source) ?? {};
  const r = configFileSchema.safeParse(value);
  if (!r.success) {
    const issue = r.error.issues[0]!;
    throw new GitTrackError('BAD_INPUT', `${source}: ${formatPath(issue.path) || 'top level'}: ${issue.message}`, { source, issues: r.error.issues });
  }
  return r.data.policy ?? emptyPolicy();
}
