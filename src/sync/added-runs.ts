/**
 * The runs a push sends: those on the local `runs` tip that the remote's tip lacks, each with
 * the blob id of its manifest (read next, for artifacts to stage). git lists them: a first
 * push of 1,000 runs walks 256 shard trees and 1,000 run directories, ~14 ms for
 * `git ls-tree` against ~36 ms for our reader resolving the same packed deltas in a fresh
 * process — time that competes for the CPU with the pack being written meanwhile.
 */
import { GitTrackError } from '../errors.js';
import { runGit } from '../git/system-git.js';
import { MANIFEST_FILE, RUNS_DIR } from '../runs/layout.js';
import type { TrackerContext } from '../tracker-context.js';
import { MAX_TREES_COMPARED_HERE } from '../limits.js';

export interface AddedRun {
  /** `runs/<ab>/<id>`. */
  path: string;
  /** The blob id of its `run.yaml`. */
  manifest: string;
}

/**
 * Runs of the commit `local` that are not in the commit `remote` (null: the remote has none).
 *
 * @example
 * await addedRuns(ctx, localTip, remoteTip); // [{ path: 'runs/3f/3f9a21c0b7d4', manifest: '9c1e…' }]
 */
export async function addedRuns(ctx: TrackerContext, local: string, remote: string | null): Promise<AddedRun[]> {
  if (local === remote) return [];
  const args =
    remote === null
      ? ['ls-tree', '-r', '-z', '--full-tree', local, '--', `${RUNS_DIR}/`]
      : ['diff-tree', '-r', '-z', '--no-renames', '--diff-filter=A', remote, local, '--', `${RUNS_DIR}/`];
  const { stdout } = await runGit(args, { cwd: ctx.repo.workTree ?? ctx.repo.gitDir, env: ctx.env });
  const fields = stdout.split('\0');
  const runs: AddedRun[] = [];
  // ls-tree: "<mode> <type> <oid>\t<path>"; diff-tree: ":<mode> <mode> <oid> <oid> A", then "<path>".
  for (let i = 0; i < fields.length; i++) {
    const field = fields[i]!;
    let oid: string;
    let path: string;
    if (remote === null) {
      const tab = field.indexOf('\t');
      if (tab < 0) continue;
      oid = field.slice(field.lastIndexOf(' ', tab) + 1, tab);
      path = field.slice(tab + 1);
    } else {
      if (!field.startsWith(':')) continue;
      oid = field.split(' ')[3] ?? '';
      path = fields[++i] ?? '';
    }
    const parts = path.split('/');
    if (parts.length !== 4 || parts[3] !== MANIFEST_FILE) continue;
    if (!ctx.store.format.oidPattern.test(oid)) throw new GitTrackError('GIT_FAILED', `git ${args[0]}: unexpected output line '${field}'`, { field });
    runs.push({ path: parts.slice(0, 3).join('/'), manifest: oid });
  }
  return runs;
}

/** What a push sends: its runs, and the later facts (promotions, tag records) by directory. */
export interface Added {
  runs: AddedRun[];
  /** Files added below each top-level directory other than `runs/`: `{ stages: 1, tags: 2 }`. */
  records: Record<string, number>;
}

/**
 * The runs and the records of the commit `local` that the commit `remote` lacks (null: the
 * remote has nothing), from one `git diff-tree` (a process per push matters when fifty nodes
 * share two cores), so that a push of only a promotion says so instead of "0 runs".
 *
 * @example
 * await addedSince(ctx, localTip, remoteTip); // { runs: [{ path: 'runs/3f/3f9a21c0b7d4', manifest: '9c1e…' }], records: { stages: 1 } }
 */
export async function addedSince(ctx: TrackerContext, local: string, remote: string | null): Promise<Added> {
  if (local === remote) return { runs: [], records: {} };
  // Against a tip we have, the trees that differ are few (the shards the new runs went into):
  // read here, without a process. A first push lists the whole branch: git's job.
  if (remote !== null && ctx.store.has(remote)) {
    const added = addedInTrees(ctx, ctx.store.readCommit(remote).tree, ctx.store.readCommit(local).tree, MAX_TREES_COMPARED_HERE);
    if (added) return added;
  }
  // git knows the empty tree without having it: the first push compares against it.
  const args = ['diff-tree', '-r', '-z', '--no-renames', '--diff-filter=A', remote ?? ctx.store.format.emptyTree, local];
  const { stdout } = await runGit(args, { cwd: ctx.repo.workTree ?? ctx.repo.gitDir, env: ctx.env });
  const fields = stdout.split('\0');
  const runs: AddedRun[] = [];
  const records: Record<string, number> = {};
  // ":<mode> <mode> <oid> <oid> A", then "<path>".
  for (let i = 0; i < fields.length; i++) {
    const field = fields[i]!;
    if (!field.startsWith(':')) continue;
    const oid = field.split(' ')[3] ?? '';
    const path = fields[++i] ?? '';
    const parts = path.split('/');
    if (parts[0] === RUNS_DIR) {
      if (parts.length !== 4 || parts[3] !== MANIFEST_FILE) continue;
      if (!ctx.store.format.oidPattern.test(oid)) throw new GitTrackError('GIT_FAILED', `git diff-tree: unexpected output line '${field}'`, { field });
      runs.push({ path: parts.slice(0, 3).join('/'), manifest: oid });
    } else if (parts.length > 1 && parts[0]) {
      // Files at the root (the format marker, the README) are not records.
      records[parts[0]] = (records[parts[0]] ?? 0) + 1;
    }
  }
  return { runs, records };
}

/**
 * {@link addedSince} from the trees `from` and `to`, descending only into subtrees that differ;
 * null when that would read more than `budget` trees (git is faster at that size).
 */
function addedInTrees(ctx: TrackerContext, from: string, to: string, budget: number): Added | null {
  const out: Added = { runs: [], records: {} };
  let read = 0;
  const walk = (a: string | null, b: string, path: string[]): boolean => {
    if (a === b) return true;
    if ((read += a ? 2 : 1) > budget) return false;
    const before = new Map((a ? ctx.store.readTree(a) : []).map((e) => [e.name, e]));
    for (const e of ctx.store.readTree(b)) {
      const old = before.get(e.name);
      const at = [...path, e.name];
      if (e.mode === '040000') {
        if (!walk(old?.mode === '040000' ? old.oid : null, e.oid, at)) return false;
      } else if (e.mode !== '160000' && (!old || old.mode === '040000')) {
        added(at, e.oid);
      }
    }
    return true;
  };
  const added = (parts: string[], oid: string) => {
    if (parts[0] === RUNS_DIR) {
      if (parts.length === 4 && parts[3] === MANIFEST_FILE) out.runs.push({ path: parts.slice(0, 3).join('/'), manifest: oid });
    } else if (parts.length > 1) {
      out.records[parts[0]!] = (out.records[parts[0]!] ?? 0) + 1;
    }
  };
  return walk(from, to, []) ? out : null;
}
