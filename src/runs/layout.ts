/**
 * Layout of the `runs` branch, format v1:
 *
 * ```
 * git-track.yaml          format marker
 * README.md               what this branch is, for people browsing it on a forge
 * runs/<id[0:2]>/<id>/    one directory per run: run.yaml and companions
 * ```
 *
 * Runs are sharded by the first two hex digits of their id: 256 shards keep every tree under
 * ~1,000 entries up to ~250,000 runs (forges truncate big listings, and the shard tree is
 * rewritten on every write, so its size is the cost of a write).
 */

export const RUNS_REF = 'refs/heads/runs';
export const RUNS_BRANCH = 'runs';
export const FORMAT_FILE = 'git-track.yaml';
export const README_FILE = 'README.md';
export const RUNS_DIR = 'runs';
export const MANIFEST_FILE = 'run.yaml';
export const PATCH_FILE = 'code.patch';
export const BRANCH_FORMAT = 'git-track/runs@1';

/** A run id: 12 lowercase hex digits. */
export const RUN_ID_PATTERN = /^[0-9a-f]{12}$/;

export const FORMAT_TEXT = `format: ${BRANCH_FORMAT}\n`;

export const README_TEXT = `# Experiment runs (git-track)

This branch is written by [git-track](https://www.npmjs.com/package/git-track), a Git-native
experiment tracker. It has no history in common with the code branches: every commit on its
first-parent chain records one machine-learning run.

- \`runs/<ab>/<id>/run.yaml\` is the run's manifest: params, metrics, code version, data
  version, environment and content-addressed pointers to its artifacts.
- A run commit's second parent is the exact code the run used (HEAD, or a snapshot commit of
  uncommitted changes on top of it).
- \`git log --first-parent --oneline runs\` lists the runs; \`git-track list\` and
  \`git-track show <id>\` read them.

Runs are append-only: a run directory never changes once written.
`;

/**
 * Path of a run's directory on the branch.
 *
 * @example
 * runDirPath('3f9a21c0b7d4'); // 'runs/3f/3f9a21c0b7d4'
 */
export function runDirPath(id: string): string {
  return `${RUNS_DIR}/${shardOf(id)}/${id}`;
}

/** The shard directory name of a run id. */
export function shardOf(id: string): string {
  return id.slice(0, 2);
}
