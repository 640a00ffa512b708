/**
 * Writing archive, unarchive and rename facts: one commit on `runs` per command, never an
 * edit of a run.
 */
import { GitTrackError } from '../errors.js';
import { resolveIdentity } from '../git/identity.js';
import { resolveRun } from '../runs/resolve-run.js';
import { appendToRuns } from '../runs/runs-branch.js';
import type { TrackerContext } from '../tracker-context.js';
import { encodeFact, factPath, runNameSchema, type Fact } from './fact-records.js';
import { factsOf } from './read-facts.js';

export interface ArchiveResult {
  /** Runs whose state changed. */
  changed: string[];
  /** Runs already in the state asked for (nothing written for them). */
  unchanged: string[];
  commit: string | null;
}

/**
 * Archive (or with `archived: false` unarchive) the runs `refs` name. Every reference is
 * resolved before anything is written; runs already in that state are left alone.
 *
 * @example
 * await archiveRuns(ctx, ['3f9a', 'old-baseline'], true); // { changed: ['3f9a21c0b7d4', …], … }
 */
export async function archiveRuns(ctx: TrackerContext, refs: string[], archived: boolean): Promise<ArchiveResult> {
  if (refs.length === 0) throw new GitTrackError('USAGE', `${archived ? 'archive' : 'unarchive'} needs at least one run`);
  const ids = [...new Set(refs.map((r) => resolveRun(ctx, r).manifest.id))];
  const changed = ids.filter((id) => (factsOf(ctx, id)?.archived ?? false) !== archived);
  const unchanged = ids.filter((id) => !changed.includes(id));
  if (changed.length === 0) return { changed, unchanged, commit: null };
  const kind = archived ? 'archive' : 'unarchive';
  const commit = await appendFacts(ctx, changed.map((run) => ({ kind, run })), `${kind} ${changed.join(' ')}`);
  return { changed, unchanged, commit };
}

/**
 * Give a run a new name: later lookups by the new name find it, listings show it.
 *
 * @example
 * await renameRun(ctx, '3f9a', 'baseline-v2');
 */
export async function renameRun(ctx: TrackerContext, ref: string, name: string): Promise<{ id: string; previous?: string; commit: string }> {
  const parsed = runNameSchema.safeParse(name);
  if (!parsed.success) throw new GitTrackError('USAGE', `invalid run name: ${parsed.error.issues[0]!.message}`, { name });
  const { manifest } = resolveRun(ctx, ref);
  const previous = factsOf(ctx, manifest.id)?.name ?? manifest.name;
  const commit = await appendFacts(ctx, [{ kind: 'rename', run: manifest.id, name }], `rename ${manifest.id} ${name}`);
  return { id: manifest.id, ...(previous !== undefined ? { previous } : {}), commit };
}

type NewFact = { kind: 'archive' | 'unarchive'; run: string } | { kind: 'rename'; run: string; name: string };

async function appendFacts(ctx: TrackerContext, facts: NewFact[], summary: string): Promise<string> {
  const identity = await resolveIdentity(ctx.repo, ctx.env);
  const at = ctx.env.now().toISOString();
  const by = { name: identity.name, email: identity.email };
  const edits = facts.map((f) => {
    const fact = { format: 'git-track/fact@1', kind: f.kind, run: f.run, at, by, ...(f.kind === 'rename' ? { name: f.name } : {}) } as Fact;
    const oid = ctx.store.write('blob', Buffer.from(encodeFact(fact)));
    return { path: factPath(f.run, at, ctx.env.random(2).toString('hex')), entry: { mode: '100644' as const, oid } };
  });
  const trailers = facts.map((f) => `Git-Track-Fact: ${f.run}`).join('\n');
  const { commit } = await appendToRuns(ctx, { edits: () => edits, message: `${summary}\n\n${trailers}\n`, identity });
  return commit;
}
