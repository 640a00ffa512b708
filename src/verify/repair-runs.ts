/**
 * `repair`: put `runs` back on a commit whose every object is present, losing nothing that
 * is still there.
 *
 * The base is the newest value `runs` has held (its reflog, newest first, then the first-parent
 * ancestors of the damaged tip) whose whole closure is present. Every run directory, tag and
 * promotion record that a newer (damaged) commit still lets us read is added back on top of
 * it in one repair commit, with the code commits those commits named whose closure is whole:
 * runs are lost only where their own objects are gone, which the result lists.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { GitTrackError, isGitTrackError } from '../errors.js';
import { encodeTree, type TreeEntry } from '../git/encode.js';
import type { Identity } from '../git/identity.js';
import type { ObjectStore } from '../git/objects.js';
import { readRef } from '../git/refs.js';
import { runGit } from '../git/system-git.js';
import { editTree, type TreeEdit } from '../git/tree-edit.js';
import { MAX_REPAIR_PARENTS, MAX_REPAIR_WALK } from '../limits.js';
import { FORMAT_FILE, FORMAT_TEXT, MANIFEST_FILE, README_FILE, README_TEXT, RUN_ID_PATTERN, RUNS_DIR, RUNS_REF } from '../runs/layout.js';
import { advanceRef } from '../runs/runs-branch.js';
import type { TrackerContext } from '../tracker-context.js';
import { APPEND_ONLY_DIRS } from './history.js';
import { missingObjects } from './runs-damage.js';
import { ANY_OID_SOURCE } from '../git/object-format.js';

/** `<old> <new> ` at the start of a reflog line. */
const REFLOG_LINE = new RegExp(`^(${ANY_OID_SOURCE}) (${ANY_OID_SOURCE}) `);

export interface RepairResult {
  /** 'intact': nothing to do. */
  status: 'intact' | 'repaired';
  /** The damaged tip that was replaced. */
  damaged?: string;
  /** The intact commit the repair builds on (null: none was left, the branch starts again). */
  base?: string | null;
  /** The repair commit, now the tip of `runs`. */
  commit?: string;
  /** Runs added back from damaged commits. */
  recovered: string[];
  /** Runs named by a damaged commit whose own objects are gone. */
  lost: string[];
}

/**
 * Repair `runs` (see the module comment). Throws NOT_FOUND without a `runs` branch.
 *
 * @example
 * const r = await repairRuns(ctx, identity);
 * r.status; // 'repaired'
 */
export async function repairRuns(ctx: TrackerContext, identity: Identity): Promise<RepairResult> {
  const tip = readRef(ctx.repo.commonDir, RUNS_REF);
  if (!tip) throw new GitTrackError('NO_RUNS_BRANCH', 'there is no runs branch to repair', {});
  if ((await missingObjects(ctx, tip, { firstParent: true })).length === 0) return { status: 'intact', recovered: [], lost: [] };
  const candidates = [...new Set([...reflogValues(ctx), ...presentChain(ctx.store, tip)])].filter((c) => c !== tip);
  let base: string | null = null;
  for (const c of candidates) {
    if (ctx.store.has(c) && (await missingObjects(ctx, c, { firstParent: true })).length === 0) {
      base = c;
      break;
    }
  }
  const salvage = new Salvage(ctx.store, base ? ctx.store.readCommit(base).tree : null);
  const codeParents = new Set<string>();
  const visited = new Set<string>(base ? [base] : []);
  // Newer values first: the damaged tip, then what the reflog recorded after the base.
  const sources = [tip, ...candidates.slice(0, base ? candidates.indexOf(base) : candidates.length)];
  for (const start of sources) {
    for (let c: string | undefined = start, n = 0; c && !visited.has(c) && n < MAX_REPAIR_WALK; n++) {
      visited.add(c);
      if (!ctx.store.has(c)) break;
      let parents: string[];
      try {
        const commit = ctx.store.readCommit(c);
        parents = commit.parents;
        if (salvage.from(commit.tree)) break; // whole: its ancestors hold nothing more
      } catch (err) {
        if (!isGitTrackError(err, 'OBJECT_NOT_FOUND')) throw err;
        break;
      }
      for (const p of parents.slice(1)) codeParents.add(p);
      c = parents[0];
    }
  }
  const extra: string[] = [];
  for (const p of codeParents) {
    if (extra.length >= MAX_REPAIR_PARENTS) break;
    if (ctx.store.has(p) && (await missingObjects(ctx, p, { not: base ? [base] : [] })).length === 0) extra.push(p);
  }
  const edits = salvage.edits();
  if (!base) {
    edits.push({ path: FORMAT_FILE, entry: { mode: '100644', oid: ctx.store.write('blob', Buffer.from(FORMAT_TEXT)) } });
    edits.push({ path: README_FILE, entry: { mode: '100644', oid: ctx.store.write('blob', Buffer.from(README_TEXT)) } });
  }
  const tree = editTree(ctx.store, base ? ctx.store.readCommit(base).tree : null, edits);
  const recovered = salvage.recovered();
  const lost = salvage.lost();
  const message =
    `Repair runs: restored from ${base ? base.slice(0, 12) : 'nothing (no intact commit was left)'}; ` +
    `${recovered.length} run(s) recovered, ${lost.length} lost\n\n` +
    `The branch pointed at ${tip}, whose objects are not all present.\n` +
    (lost.length ? `Lost runs: ${lost.join(', ')}\n` : '');
  const commit = await advanceRef(ctx, identity, (current) => {
    if (current !== tip) throw new GitTrackError('CONFLICT', 'runs moved while it was being repaired; run `git-track repair` again', { current });
    return { commit: { tree, parents: [...(base ? [base] : []), ...extra], message } };
  });
  // Reflog entries naming the missing commits make `git fsck` fail: drop those, keep the rest.
  await runGit(['reflog', 'expire', '--stale-fix', '--expire=never', '--expire-unreachable=never', RUNS_REF], {
    cwd: ctx.repo.gitDir,
    env: ctx.env,
    allowFailure: true,
  });
  return { status: 'repaired', damaged: tip, base, commit: commit!, recovered, lost };
}

/** Run directories and record files of damaged trees that are still readable, not in the base. */
class Salvage {
  private readonly have = new Set<string>();
  private readonly added = new Map<string, { mode: TreeEntry['mode']; oid: string }>();
  private readonly seen = new Set<string>();

  constructor(
    private readonly store: ObjectStore,
    baseTree: string | null,
  ) {
    if (baseTree) this.walk(baseTree, (path) => this.have.add(path), () => {});
  }

  /** Add what `root` holds; true when all of it was readable. */
  from(root: string): boolean {
    let whole = true;
    this.walk(
      root,
      (path, entry) => {
        if (this.have.has(path) || this.added.has(path)) return;
        const runId = runIdOf(path);
        if (runId) this.seen.add(runId);
        const kept = runId ? this.keepRun(entry.oid) : this.store.has(entry.oid) ? entry.oid : null;
        if (kept) this.added.set(path, { mode: entry.mode, oid: kept });
        else whole = false;
      },
      () => (whole = false),
    );
    return whole;
  }

  edits(): TreeEdit[] {
    return [...this.added].map(([path, entry]) => ({ path, entry }));
  }

  recovered(): string[] {
    return [...this.added.keys()].flatMap((p) => runIdOf(p) ?? []).sort();
  }

  lost(): string[] {
    const kept = new Set(this.recovered());
    const inBase = new Set([...this.have].flatMap((p) => runIdOf(p) ?? []));
    return [...this.seen].filter((id) => !kept.has(id) && !inBase.has(id)).sort();
  }

  /** A run's tree as far as it is present: null when its manifest is gone. */
  private keepRun(tree: string): string | null {
    let entries: TreeEntry[];
    try {
      entries = this.store.readTree(tree);
    } catch (err) {
      if (isGitTrackError(err, 'OBJECT_NOT_FOUND')) return null;
      throw err;
    }
    const present = entries.filter((e) => this.store.has(e.oid));
    if (!present.some((e) => e.name === MANIFEST_FILE)) return null;
    return present.length === entries.length ? tree : this.store.write('tree', encodeTree(present, this.store.format));
  }

  /** Units below the append-only dirs: run directories under runs/, files elsewhere. */
  private walk(root: string, unit: (path: string, entry: TreeEntry) => void, unreadable: () => void): void {
    const visit = (tree: string, prefix: string, depth: number): void => {
      let entries: TreeEntry[];
      try {
        entries = this.store.readTree(tree);
      } catch (err) {
        if (!isGitTrackError(err, 'OBJECT_NOT_FOUND')) throw err;
        unreadable();
        return;
      }
      for (const e of entries) {
        const path = prefix ? `${prefix}/${e.name}` : e.name;
        if (!prefix && !APPEND_ONLY_DIRS.includes(e.name)) continue;
        const isRunDir = prefix.startsWith(RUNS_DIR) && depth === 2 && RUN_ID_PATTERN.test(e.name);
        if (e.mode === '040000' && !isRunDir) visit(e.oid, path, depth + 1);
        else unit(path, e);
      }
    };
    visit(root, '', 0);
  }
}

function runIdOf(path: string): string | undefined {
  const m = /^runs\/[0-9a-f]{2}\/([0-9a-f]{12})$/.exec(path);
  return m?.[1];
}

/** Every value `runs` has held, newest first (new values, then the old ones they replaced). */
function reflogValues(ctx: TrackerContext): string[] {
  let text: string;
  try {
    text = readFileSync(join(ctx.repo.commonDir, 'logs', RUNS_REF), 'utf8');
  } catch {
    return [];
  }
  const out: string[] = [];
  for (const line of text.split('\n').reverse()) {
    const m = REFLOG_LINE.exec(line);
    if (!m) continue;
    for (const oid of [m[2]!, m[1]!]) if (!/^0+$/.test(oid)) out.push(oid);
  }
  return out;
}

/** First-parent ancestors of `tip` reachable through commits that are present. */
function presentChain(store: ObjectStore, tip: string): string[] {
  const out: string[] = [];
  let c: string | undefined = tip;
  for (let n = 0; c && n < MAX_REPAIR_WALK && store.has(c); n++) {
    out.push(c);
    try {
      c = store.readCommit(c).parents[0];
    } catch {
      break;
    }
  }
  return out;
}
