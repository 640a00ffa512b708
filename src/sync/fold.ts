/**
 * Folding the writers queued on a remote (see incoming.ts) into a local ref: one commit holding
 * the ref and every incoming tip, and the leased deletions that push sends with it.
 */
import type { Identity } from '../git/identity.js';
import { advanceRef, writeCommit } from '../runs/runs-branch.js';
import { RUNS_REF } from '../runs/layout.js';
import type { TrackerContext } from '../tracker-context.js';
import { incomingRefs, planFold, type FoldPlan, type IncomingTip } from './incoming.js';
import { ARTIFACTS_REF } from './remote.js';
import type { PushUpdate } from './transport.js';

export interface Folded {
  /** Writers whose runs are now in the ref. */
  writers: number;
  /** Deletions of the folded refs on the remote, each leased on the tip that was folded. */
  deletes: PushUpdate[];
}

/**
 * Fold the incoming writers' runs into the local `runs` and their artifacts into the local
 * artifacts ref (one commit each at most). Writers whose runs would change a run we have are
 * left out with a warning.
 *
 * @example
 * const { writers, deletes } = await foldIntoLocal(ctx, identity, tips.incoming, 'origin');
 */
export async function foldIntoLocal(ctx: TrackerContext, identity: () => Promise<Identity>, incoming: IncomingTip[], label: string): Promise<Folded> {
  if (incoming.length === 0) return { writers: 0, deletes: [] };
  const runs = await foldRef(ctx, identity, RUNS_REF, incoming.flatMap((t) => (t.runs ? [t.runs] : [])), label);
  const artifacts = await foldRef(ctx, identity, ARTIFACTS_REF, incoming.flatMap((t) => (t.artifacts ? [t.artifacts] : [])), label);
  return leasedDeletes(ctx, incoming, runs, artifacts, label);
}

/**
 * Build (without moving any local ref) the commits a remote's `runs` and artifacts ref become
 * when its queued writers are folded in: what `pull` pushes back, so that only what the remote
 * already holds is published, never the puller's own unpushed runs.
 *
 * @example
 * const fold = await foldForRemote(ctx, identity, tips, 'origin'); // { runs: '…', artifacts: null, writers: 3, deletes: [...] }
 */
export async function foldForRemote(
  ctx: TrackerContext,
  identity: () => Promise<Identity>,
  tips: { runs: string | null; artifacts: string | null; incoming: IncomingTip[] },
  label: string,
): Promise<Folded & { runs: string | null; artifacts: string | null }> {
  const write = async (base: string | null, plan: FoldPlan, what: string): Promise<string | null> => {
    if (!plan.step) return base;
    if ('oid' in plan.step) return plan.step.oid;
    const message = `Fold ${what} queued by ${plan.step.parents.length - (base ? 1 : 0)} writer(s) on ${label}`;
    return writeCommit(ctx, { ...plan.step, message, identity: await identity() });
  };
  const runsPlan = await planFold(ctx, tips.runs, tips.incoming.flatMap((t) => (t.runs ? [t.runs] : [])));
  const artifactsPlan = await planFold(ctx, tips.artifacts, tips.incoming.flatMap((t) => (t.artifacts ? [t.artifacts] : [])));
  const runs = await write(tips.runs, runsPlan, 'runs');
  const artifacts = await write(tips.artifacts, artifactsPlan, 'artifacts');
  ctx.store.sync();
  return { runs, artifacts, ...leasedDeletes(ctx, tips.incoming, runsPlan, artifactsPlan, label) };
}

/** Fold `tips` into the local `ref`; the plan that was applied (on the tip it was applied to). */
async function foldRef(ctx: TrackerContext, identity: () => Promise<Identity>, ref: string, tips: string[], label: string): Promise<FoldPlan> {
  let applied: FoldPlan = { step: null, folded: [], added: [], skipped: [] };
  if (tips.length === 0) return applied;
  await advanceRef(
    ctx,
    identity,
    async (ours) => {
      applied = await planFold(ctx, ours, tips);
      const step = applied.step;
      if (!step) return null;
      if ('oid' in step) return { oid: step.oid, message: `fast-forward to a writer queued on ${label}` };
      const what = ref === RUNS_REF ? 'runs' : 'artifacts';
      return { commit: { ...step, message: `Fold ${what} queued by ${step.parents.length - (ours ? 1 : 0)} writer(s) on ${label}` } };
    },
    ref,
  );
  return applied;
}

function leasedDeletes(ctx: TrackerContext, incoming: IncomingTip[], runs: FoldPlan, artifacts: FoldPlan, label: string): Folded {
  const deletes: PushUpdate[] = [];
  let writers = 0;
  for (const t of incoming) {
    const refs = incomingRefs(t.writer);
    const runsDone = t.runs === null || runs.folded.includes(t.runs);
    const artifactsDone = t.artifacts === null || artifacts.folded.includes(t.artifacts);
    // A writer counts when it brought runs; a ref left holding only what `runs` has does not.
    if (t.runs && runsDone && runs.added.includes(t.runs)) writers++;
    // A writer's runs ref goes only with its artifacts (a pointer never outlives its bytes' ref).
    if (t.runs && runsDone && artifactsDone) deletes.push({ ref: refs.runs, oid: null, expected: t.runs });
    if (t.artifacts && artifactsDone) deletes.push({ ref: refs.artifacts, oid: null, expected: t.artifacts });
  }
  for (const s of [...runs.skipped, ...artifacts.skipped]) {
    const who = incoming.find((t) => t.runs === s.tip || t.artifacts === s.tip)?.writer ?? s.tip.slice(0, 12);
    ctx.env.warn(`runs queued on ${label} by writer ${who} were not folded: ${s.reason}`);
  }
  return { writers, deletes };
}
