/**
 * Many writers, one remote. A push that finds `runs` on the remote moved by someone else does
 * not fetch, merge and retry against it (with 50 nodes finishing at once that is a retry storm
 * whose cost grows with the number of writers): it pushes its runs to a ref of its own,
 * `refs/git-track/incoming/<writer>/runs` (and its artifacts to `…/artifacts`), which no one
 * else writes, so it lands at the first try. Every later pull and push *folds* the incoming
 * refs: one commit whose tree is the union of `runs` and every incoming tip, pushed to `runs`
 * together with the deletion of each folded ref — each deletion conditional on the ref still
 * holding the tip that was folded (a lease), so a writer that pushed again meanwhile keeps its
 * ref and its new runs are folded next time.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { systemCode } from '../errors.js';
import { runGit } from '../git/system-git.js';
import { MAX_FOLDED_WRITERS } from '../limits.js';
import type { TrackerContext } from '../tracker-context.js';
import { describePath, lostOrChanged, unionTrees } from './union-trees.js';

/** Where writers' own refs live on a remote. */
export const INCOMING_PREFIX = 'refs/git-track/incoming/';

/** One writer's refs on a remote (or their tracking copies here). */
export interface IncomingTip {
  writer: string;
  runs: string | null;
  artifacts: string | null;
}

/**
 * The refs of writer `writer` on a remote.
 *
 * @example
 * incomingRefs('5be0c1a9d2f4').runs; // 'refs/git-track/incoming/5be0c1a9d2f4/runs'
 */
export function incomingRefs(writer: string): { runs: string; artifacts: string } {
  return { runs: `${INCOMING_PREFIX}${writer}/runs`, artifacts: `${INCOMING_PREFIX}${writer}/artifacts` };
}

const OID = /^(?:[0-9a-f]{40}|[0-9a-f]{64})$/;

/**
 * Refs under `prefix` in the repository at `gitDir`, loose and packed (a loose ref wins, as in
 * git), by full name. Names that are not `<prefix><writer>/(runs|artifacts)` are ignored.
 *
 * @example
 * refsUnder(remoteGitDir, 'refs/git-track/incoming/'); // Map { 'refs/git-track/incoming/5be0…/runs' => '9fce…' }
 */
export function refsUnder(gitDir: string, prefix: string): Map<string, string> {
  const out = new Map<string, string>();
  try {
    for (const line of readFileSync(join(gitDir, 'packed-refs'), 'utf8').split('\n')) {
      const space = line.indexOf(' ');
      const name = line.slice(space + 1);
      if (space > 0 && name.startsWith(prefix) && OID.test(line.slice(0, space))) out.set(name, line.slice(0, space));
    }
  } catch (err) {
    if (systemCode(err) !== 'ENOENT') throw err;
  }
  let writers: string[] = [];
  try {
    writers = readdirSync(join(gitDir, prefix));
  } catch {
    return out;
  }
  for (const writer of writers) {
    for (const kind of ['runs', 'artifacts']) {
      try {
        const oid = readFileSync(join(gitDir, prefix, writer, kind), 'utf8').trim();
        if (OID.test(oid)) out.set(`${prefix}${writer}/${kind}`, oid);
      } catch {
        // not there (or a directory someone made): not a writer's ref
      }
    }
  }
  return out;
}

/**
 * Group refs named `<prefix><writer>/runs|artifacts` by writer, at most MAX_FOLDED_WRITERS of
 * them (a remote is untrusted: the rest wait for a later fold), in name order.
 *
 * @example
 * incomingTips(refs, 'refs/git-track/incoming/'); // [{ writer: '5be0…', runs: '9fce…', artifacts: null }]
 */
export function incomingTips(refs: Map<string, string>, prefix: string): IncomingTip[] {
  const byWriter = new Map<string, IncomingTip>();
  for (const [name, oid] of [...refs].sort(([a], [b]) => (a < b ? -1 : 1))) {
    const m = /^([A-Za-z0-9._-]{1,64})\/(runs|artifacts)$/.exec(name.slice(prefix.length));
    if (!name.startsWith(prefix) || !m) continue;
    const tip = byWriter.get(m[1]!) ?? { writer: m[1]!, runs: null, artifacts: null };
    tip[m[2] as 'runs' | 'artifacts'] = oid;
    byWriter.set(m[1]!, tip);
  }
  return [...byWriter.values()].slice(0, MAX_FOLDED_WRITERS);
}

/** What folding tips into a base comes to. */
export interface FoldPlan {
  /** The commit to move to (an existing one: a fast-forward), or a merge commit to write; null: nothing new. */
  step: { oid: string } | { tree: string; parents: string[] } | null;
  /** Tips the result contains (their refs may be deleted). */
  folded: string[];
  /** Of those, the tips that bring what `base` lacks (the others were in it already). */
  added: string[];
  /** Tips left out, with why: they change or drop something the base has. */
  skipped: { tip: string; reason: string }[];
}

/**
 * Plan one commit holding `base` and every tip in `tips`: the union of their trees, with as
 * parents `base` and the tips no other one contains (git's `merge-base --independent`). A tip
 * that would change a run `base` has, or whose fast-forward would drop one, is skipped, so one
 * bad writer never blocks the others.
 *
 * @example
 * await planFold(ctx, remoteRuns, [w1, w2]); // { step: { tree, parents: [remoteRuns, w1, w2] }, folded: [w1, w2], skipped: [] }
 */
export async function planFold(ctx: TrackerContext, base: string | null, tips: string[]): Promise<FoldPlan> {
  const distinct = [...new Set(tips)].filter((t) => t !== base && ctx.store.has(t));
  const folded = tips.filter((t) => t === base);
  if (distinct.length === 0) return { step: null, folded, added: [], skipped: [] };
  const { stdout } = await runGit(['merge-base', '--independent', ...(base ? [base] : []), ...distinct], { cwd: ctx.repo.gitDir, env: ctx.env });
  const independent = stdout.split('\n').filter((l) => OID.test(l));
  const skipped: FoldPlan['skipped'] = [];
  // Tips inside another one are folded with it; a tip inside base, already.
  const heads = independent.filter((t) => t !== base);
  const inner = distinct.filter((t) => !heads.includes(t));
  if (heads.length === 0) return { step: null, folded: [...folded, ...inner], added: [], skipped };
  const baseTree = base ? ctx.store.readCommit(base).tree : null;
  if (heads.length === 1 && base && !independent.includes(base)) {
    // base is inside the one new tip: a fast-forward, if it keeps everything base has.
    const lost = lostOrChanged(ctx.store, baseTree!, ctx.store.readCommit(heads[0]!).tree);
    if (lost.length === 0) return { step: { oid: heads[0]! }, folded: [...folded, ...inner, heads[0]!], added: [heads[0]!], skipped };
  }
  let tree = baseTree;
  const parents = base ? [base] : [];
  for (const head of heads) {
    const theirs = ctx.store.readCommit(head).tree;
    if (tree === null) {
      tree = theirs;
    } else {
      const merged = unionTrees(ctx.store, tree, theirs);
      if (merged.conflicts.length) {
        skipped.push({ tip: head, reason: `${merged.conflicts.map(describePath).join(', ')} differ from what is already there` });
        continue;
      }
      tree = merged.tree;
    }
    parents.push(head);
    folded.push(head);
  }
  if (skipped.length > 0) {
    // A tip inside a skipped one was to come in through it: plan again without the skipped
    // tips, so those inside them are folded on their own (or stay queued), never dropped.
    const rest = await planFold(ctx, base, tips.filter((t) => !skipped.some((s) => s.tip === t)));
    return { ...rest, skipped: [...skipped, ...rest.skipped] };
  }
  folded.push(...inner);
  const added = parents.filter((p) => p !== base);
  // Every tip was skipped, or the only one left fast-forwards a missing base.
  if (parents.length === (base ? 1 : 0)) return { step: null, folded, added, skipped };
  if (parents.length === 1) return { step: { oid: parents[0]! }, folded, added, skipped };
  return { step: { tree: tree!, parents }, folded, added, skipped };
}
