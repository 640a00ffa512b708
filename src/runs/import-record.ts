/**
 * Importing the plain JSON run records teams already write by hand, e.g.
 *
 * ```json
 * { "git_commit": "9fceb02", "data_version": "2026-05-30", "created_at": "2026-05-30T10:15:02Z",
 *   "params": {"max_depth": 8}, "metrics": {"f1": 0.84}, "artifact": "models/churn.pkl" }
 * ```
 *
 * The record's commit, data version and time are kept as given: it may describe a run from
 * the past. Its `git_commit` is resolved when the run is written (see {@link
 * resolveRecordedCommit}); a `created_at` without a time zone is UTC. The run's `env` is left
 * out: the machine importing a record is not the one that trained. Known fields map onto the
 * manifest; unknown fields with a scalar value are kept as tags (`record.<field>`) and listed
 * in a warning; unknown fields holding objects or lists are refused, since a tag cannot hold
 * them faithfully.
 */
import { GitTrackError, quoteInput } from '../errors.js';
import { scrubText, scrubUrl } from '../git/credentials.js';
import type { Env } from '../env.js';
import type { ObjectStore } from '../git/objects.js';
import { flattenValues, toMetrics } from '../manifest/values.js';
import { checkJsonText } from '../manifest/nesting.js';
import { checkValueSizes } from '../manifest/value-limits.js';
import { readInputFile } from '../manifest/read-input-file.js';
import type { LogRunInput, Scalar } from './log-run.js';

/** A date and time without `Z` or an offset: JavaScript would read it in the local zone. */
const NO_ZONE = /^\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}(?::\d{2}(?:\.\d+)?)?$/;

const KNOWN = new Set([
  'git_commit', 'data_version', 'params', 'metrics', 'artifact', 'artifacts', 'created_at',
  'name', 'experiment', 'note', 'notes', 'status', 'tags', 'duration_s', 'command', 'git_branch',
  'git_remote', 'remote', 'code',
]);

/**
 * Read a JSON run record into log input. Throws `FILE_NOT_FOUND` or `BAD_INPUT` naming the
 * record as `label` (what the user typed; default `file`).
 *
 * @example
 * const input = readRunRecord('/home/ada/churn/runs/2026-05-30.json', env, 'runs/2026-05-30.json');
 */
export function readRunRecord(file: string, env: Env, label = file): LogRunInput {
  const path = label;
  const text = readInputFile(file, 'run record', { label });
  checkJsonText(text, path);
  let record: unknown;
  try {
    record = JSON.parse(text);
  } catch (err) {
    throw new GitTrackError('BAD_INPUT', `${path}: not valid JSON: ${(err as Error).message}`, { path });
  }
  if (typeof record !== 'object' || record === null || Array.isArray(record)) {
    throw new GitTrackError('BAD_INPUT', `${path}: a run record must be a JSON object`, { path });
  }
  return { ...recordToInput(record as Record<string, unknown>, path, env), source: { kind: 'record', file } };
}

function recordToInput(r: Record<string, unknown>, path: string, env: Env): LogRunInput {
  const input: LogRunInput = { source: { kind: 'record', file: path } };
  const str = (key: string): string | undefined => {
    const v = r[key];
    if (v === undefined || v === null) return undefined;
    if (typeof v !== 'string' && typeof v !== 'number') throw new GitTrackError('BAD_INPUT', `${path}: ${quoteInput(key)} must be a string`, { path, key });
    return String(v);
  };
  if (r.params !== undefined) input.params = flattenValues(r.params, `${path}: params`) as Record<string, Scalar | Scalar[]>;
  if (r.metrics !== undefined) input.metrics = toMetrics(flattenValues(r.metrics, `${path}: metrics`), `${path}: metrics`);
  const code = recordCode(r.code, path);
  const commit = str('git_commit') ?? code.commit;
  // The remote is published with the run: its credentials are dropped, never refused or shown.
  const remoteText = str('git_remote') ?? str('remote') ?? code.remote;
  const remote = remoteText === undefined ? undefined : scrubUrl(remoteText.trim());
  if (commit !== undefined || remote) {
    input.code = { commit: null, branch: str('git_branch') ?? code.branch ?? null, dirty: false, ...(remote ? { remote } : {}) };
    if (commit !== undefined) input.recordedCommit = commit;
  }
  const created = str('created_at');
  if (created !== undefined) {
    const date = new Date(NO_ZONE.test(created) ? `${created.replace(' ', 'T')}Z` : created);
    if (Number.isNaN(date.getTime())) throw new GitTrackError('BAD_INPUT', `${path}: created_at ${quoteInput(created)} is not a date`, { path });
    input.created = date;
  }
  const artifacts = [r.artifact, ...(Array.isArray(r.artifacts) ? r.artifacts : r.artifacts === undefined ? [] : [r.artifacts])]
    .filter((a) => a !== undefined && a !== null);
  input.artifacts = artifacts.map((a) => {
    if (typeof a === 'string') return { path: a, optional: true };
    if (typeof a === 'object' && a !== null && typeof (a as { path?: unknown }).path === 'string') {
      const role = (a as { role?: unknown }).role;
      return { path: (a as { path: string }).path, optional: true, ...(typeof role === 'string' ? { role } : {}) };
    }
    throw new GitTrackError('BAD_INPUT', `${path}: each artifact must be a path or {"path": …}`, { path });
  });
  input.dataVersion = str('data_version');
  input.name = str('name');
  input.experiment = str('experiment');
  input.note = str('note') ?? str('notes');
  const status = str('status');
  if (status !== undefined) {
    if (status !== 'finished' && status !== 'failed' && status !== 'killed') {
      throw new GitTrackError('BAD_INPUT', `${path}: status must be finished, failed or killed, got ${quoteInput(status)}`, { path });
    }
    input.status = status;
  }
  if (r.duration_s !== undefined) {
    if (typeof r.duration_s !== 'number' || !(r.duration_s >= 0)) throw new GitTrackError('BAD_INPUT', `${path}: duration_s must be a number of seconds`, { path });
    input.durationS = r.duration_s;
  }
  if (r.command !== undefined) {
    input.command = Array.isArray(r.command) ? r.command.map(String) : String(r.command).split(' ').filter(Boolean);
  }
  const tags: Record<string, string> = {};
  if (r.tags !== undefined) {
    if (typeof r.tags !== 'object' || r.tags === null || Array.isArray(r.tags)) throw new GitTrackError('BAD_INPUT', `${path}: tags must be an object`, { path });
    for (const [k, v] of Object.entries(r.tags)) tags[k] = scrubText(String(v));
  }
  const extra: string[] = [];
  for (const [key, value] of Object.entries(r)) {
    if (KNOWN.has(key)) continue;
    if (value !== null && typeof value === 'object') {
      throw new GitTrackError('BAD_INPUT', `${path}: unknown field ${quoteInput(key)} holds an object or list; only scalar unknown fields are kept (as tags)`, { path, key });
    }
    // A scalar may be a URL with a token in it (`repo_url`): tags are pushed like the remote.
    tags[`record.${key}`] = scrubText(String(value));
    extra.push(key);
  }
  // Sizes first: a record that is refused says only why.
  checkValueSizes({ params: input.params, tags, note: input.note });
  if (extra.length) env.warn(`${path}: kept unknown field${extra.length > 1 ? 's' : ''} ${extra.map((k) => (/^[\w.-]{1,64}$/.test(k) ? k : quoteInput(k))).join(', ')} as tag${extra.length > 1 ? 's' : ''} record.<field>`);
  input.tags = tags;
  return input;
}

/**
 * The `code` object of a record written in the manifest's own shape (`{commit, branch,
 * remote}`); other keys are refused, as an unknown object field is.
 */
function recordCode(value: unknown, path: string): { commit?: string; branch?: string; remote?: string } {
  if (value === undefined || value === null) return {};
  if (typeof value !== 'object' || Array.isArray(value)) throw new GitTrackError('BAD_INPUT', `${path}: code must be an object {"commit", "branch", "remote"}`, { path });
  const out: { commit?: string; branch?: string; remote?: string } = {};
  for (const [key, v] of Object.entries(value)) {
    if (key !== 'commit' && key !== 'branch' && key !== 'remote') {
      throw new GitTrackError('BAD_INPUT', `${path}: code.${/^[\w.-]{1,64}$/.test(key) ? key : quoteInput(key)} is not a field of code (commit, branch, remote)`, { path, key });
    }
    if (v === undefined || v === null) continue;
    if (typeof v !== 'string') throw new GitTrackError('BAD_INPUT', `${path}: code.${key} must be a string`, { path, key });
    out[key] = v;
  }
  return out;
}

/**
 * A record's `git_commit` as git resolves it: a full id or an unambiguous prefix of at least 4
 * hex digits naming a commit in the repository (a prefix shared with other kinds of objects
 * picks the one commit, as `git rev-parse PREFIX^{commit}` does). `commit` is null when the
 * repository has no such commit, or more than one (`ambiguous`): the run then keeps the text
 * but must not name it as a parent, or `git log` and every push would fail on the missing
 * object.
 *
 * @example
 * resolveRecordedCommit(ctx.store, '9fceb02').commit; // '9fceb02d0ae598e95dc970b74767f19372d61af8'
 */
export function resolveRecordedCommit(store: ObjectStore, text: string): { commit: string | null; ambiguous?: boolean } {
  const prefix = text.trim().toLowerCase();
  const full = store.format.hexLength;
  if (!/^[0-9a-f]+$/.test(prefix) || prefix.length < 4 || prefix.length > full) return { commit: null };
  const isCommit = (oid: string): boolean => {
    try {
      return store.read(oid).type === 'commit';
    } catch {
      return false;
    }
  };
  if (prefix.length === full) return { commit: store.has(prefix) && isCommit(prefix) ? prefix : null };
  const commits = store.resolvePrefix(prefix).filter(isCommit);
  return commits.length === 1 ? { commit: commits[0]! } : { commit: null, ambiguous: commits.length > 1 };
}
