/**
 * Appending commits to the `runs` branch safely under concurrent writers.
 *
 * Every change to the branch goes through {@link appendToRuns}: build the new tree on the
 * current tip, write the commit, then compare-and-swap the ref. When another writer moved the
 * tip first (or holds the lock), rebuild on the new tip after a random pause and try again, so
 * parallel jobs never lose a run and never overwrite each other.
 */
import { GitTrackError, isGitTrackError } from '../errors.js';
import type { Env } from '../env.js';
import { encodeCommit, type Person } from '../git/encode.js';
import { SHA1 } from '../git/object-format.js';
import type { ObjectStore } from '../git/objects.js';
import { readRef } from '../git/refs.js';
import { moveRef } from '../git/ref-update.js';
import type { Repo } from '../git/repo.js';
import { editTree, type TreeEdit } from '../git/tree-edit.js';
import { resolveSigning, type Identity } from '../git/identity.js';
import { embedSignature, signPayload } from '../git/signing.js';
import { FORMAT_FILE, FORMAT_TEXT, README_FILE, README_TEXT, RUNS_REF } from './layout.js';

/** How long a writer keeps retrying under contention before giving up. */
const RETRY_DEADLINE_MS = 120_000;

export interface RunsContext {
  repo: Repo;
  store: ObjectStore;
  env: Env;
}

export interface RunsChange {
  /** Tree edits relative to the branch root; computed against each tip tried. */
  edits(root: string, tip: string): TreeEdit[];
  message: string;
  identity: Identity;
  /** Parents after the previous tip (e.g. the run's code commit). */
  extraParents?: string[];
  /** Author date, when the change describes an earlier moment (an imported run). */
  authorDate?: Date;
}

export interface AppendResult {
  commit: string;
  /** Tip the commit was built on. */
  parent: string;
  attempts: number;
}

/**
 * Append one commit to `runs`, creating the branch (format marker + README) if needed.
 *
 * @example
 * await appendToRuns(ctx, { edits: () => [{ path: 'runs/3f/3f9a…', entry }], message, identity });
 */
export async function appendToRuns(ctx: RunsContext, change: RunsChange): Promise<AppendResult> {
  try {
    return await appendUntilMoved(ctx, change);
  } finally {
    // Only now may a concurrent gc consider our objects: the ref reaches them, or we gave up.
    ctx.store.release();
  }
}

async function appendUntilMoved(ctx: RunsContext, change: RunsChange): Promise<AppendResult> {
  const started = Date.now();
  for (let attempt = 1; ; attempt++) {
    const tip = readRef(ctx.repo.commonDir, RUNS_REF);
    const base = tip ?? (await writeInitCommit(ctx, change.identity));
    const baseRoot = ctx.store.readCommit(base).tree;
    const tree = editTree(ctx.store, baseRoot, change.edits(baseRoot, base));
    const commit = await writeCommit(ctx, {
      tree,
      parents: [base, ...(change.extraParents ?? [])],
      message: change.message,
      identity: change.identity,
      authorDate: change.authorDate,
    });
    ctx.store.sync();
    try {
      moveRef(ctx.repo, ctx.env, {
        name: RUNS_REF,
        oid: commit,
        expected: tip,
        reflog: { ident: ident(change.identity, ctx.env.now()), message: `git-track: ${change.message.split('\n')[0]}` },
      });
      return { commit, parent: base, attempts: attempt };
    } catch (err) {
      const contended = isGitTrackError(err, 'REF_MOVED') || isGitTrackError(err, 'LOCK_TIMEOUT');
      if (!contended) throw err;
      if (Date.now() - started > RETRY_DEADLINE_MS) {
        throw new GitTrackError('LOCK_TIMEOUT', `gave up writing to '${RUNS_REF}' after ${attempt} attempts: ${err.message}`, {
          attempts: attempt,
        });
      }
      await sleep(jitter(ctx.env, attempt));
    }
  }
}

/**
 * Create the `runs` branch if it does not exist. Returns the tip and whether it was created.
 *
 * @example
 * await ensureRunsBranch(ctx, identity); // { tip: '…', created: true }
 */
export async function ensureRunsBranch(ctx: RunsContext, identity: Identity): Promise<{ tip: string; created: boolean }> {
  try {
    return await createUnlessPresent(ctx, identity);
  } finally {
    ctx.store.release();
  }
}

async function createUnlessPresent(ctx: RunsContext, identity: Identity): Promise<{ tip: string; created: boolean }> {
  for (;;) {
    const tip = readRef(ctx.repo.commonDir, RUNS_REF);
    if (tip) return { tip, created: false };
    const commit = await writeInitCommit(ctx, identity);
    ctx.store.sync();
    try {
      moveRef(ctx.repo, ctx.env, {
        name: RUNS_REF,
        oid: commit,
        expected: null,
        reflog: { ident: ident(identity, ctx.env.now()), message: 'git-track: init' },
      });
      return { tip: commit, created: true };
    } catch (err) {
      if (!isGitTrackError(err, 'REF_MOVED') && !isGitTrackError(err, 'LOCK_TIMEOUT')) throw err;
      await sleep(jitter(ctx.env, 1));
    }
  }
}

/** What {@link advanceRef} should do with the tip it read. */
export type RefStep =
  /** Write a commit with this tree and these parents, and move the ref to it. */
  | { commit: { tree: string; parents: string[]; message: string } }
  /** Move the ref to an existing commit (a fast-forward). */
  | { oid: string; message: string }
  /** Leave the ref as it is. */
  | null;

/**
 * Move `ref` (default `runs`) by a step computed from its current tip, with the same
 * compare-and-swap and retry-on-contention as {@link appendToRuns}: a local logger that
 * appends a run while a merge is being built is never lost, the merge is rebuilt on its tip.
 * `decide` may throw to refuse (a conflict); it is called again on every retry. `who` may be
 * a function, called only when a commit or reflog entry is written.
 * Returns the ref's value afterwards.
 *
 * @example
 * await advanceRef(ctx, identity, (tip) => ({ commit: { tree, parents: [tip!, theirs], message: 'Merge runs' } }));
 */
export async function advanceRef(
  ctx: RunsContext,
  who: Identity | (() => Promise<Identity>),
  decide: (tip: string | null) => RefStep | Promise<RefStep>,
  ref: string = RUNS_REF,
): Promise<string | null> {
  try {
    return await advanceUntilMoved(ctx, who, decide, ref);
  } finally {
    ctx.store.release();
  }
}

async function advanceUntilMoved(
  ctx: RunsContext,
  who: Identity | (() => Promise<Identity>),
  decide: (tip: string | null) => RefStep | Promise<RefStep>,
  ref: string,
): Promise<string | null> {
  const started = Date.now();
  for (let attempt = 1; ; attempt++) {
    const tip = readRef(ctx.repo.commonDir, ref);
    const step = await decide(tip);
    if (step === null) return tip;
    // Resolved only when something is written (it may cost a `git var`).
    const identity = typeof who === 'function' ? await who() : who;
    const oid = 'oid' in step ? step.oid : await writeCommit(ctx, { ...step.commit, identity });
    const message = 'oid' in step ? step.message : step.commit.message;
    if (oid === tip) return tip;
    ctx.store.sync();
    try {
      moveRef(ctx.repo, ctx.env, {
        name: ref,
        oid,
        expected: tip,
        reflog: { ident: ident(identity, ctx.env.now()), message: `git-track: ${message.split('\n')[0]}` },
      });
      return oid;
    } catch (err) {
      const contended = isGitTrackError(err, 'REF_MOVED') || isGitTrackError(err, 'LOCK_TIMEOUT');
      if (!contended || Date.now() - started > RETRY_DEADLINE_MS) throw err;
      await sleep(jitter(ctx.env, attempt));
    }
  }
}

/** The root commit of the branch: the format marker and the README, no parents. */
function writeInitCommit(ctx: RunsContext, identity: Identity): Promise<string> {
  const edits: TreeEdit[] = [
    { path: FORMAT_FILE, entry: { mode: '100644', oid: ctx.store.write('blob', Buffer.from(FORMAT_TEXT)) } },
    { path: README_FILE, entry: { mode: '100644', oid: ctx.store.write('blob', Buffer.from(README_TEXT)) } },
  ];
  const tree = editTree(ctx.store, null, edits);
  return writeCommit(ctx, { tree, parents: [], message: 'Start the runs branch (git-track format v1)', identity });
}

/**
 * Write one commit, signed the way git would sign it in this repository (`commit.gpgSign`):
 * every commit git-track adds to `runs` can then be checked with `git verify-commit`.
 * Moves no ref (a fold of others' runs built for a remote).
 *
 * @example
 * const oid = await writeCommit(ctx, { tree, parents: [tip], message: 'Fold runs', identity });
 */
export async function writeCommit(
  ctx: RunsContext,
  c: { tree: string; parents: string[]; message: string; identity: Identity; authorDate?: Date },
): Promise<string> {
  const now = ctx.env.now();
  const author: Person = person(c.identity, c.authorDate ?? now);
  const committer: Person = person(c.identity, now);
  const message = c.message.endsWith('\n') ? c.message : `${c.message}\n`;
  const payload = encodeCommit({ tree: c.tree, parents: c.parents, author, committer, message }, ctx.store.format);
  const signing = await resolveSigning(ctx.repo, ctx.env);
  if (!signing) return ctx.store.write('commit', payload);
  // git names the header after the repository's hash: `gpgsig-sha256` in a SHA-256 repository.
  const header = ctx.store.format === SHA1 ? 'gpgsig' : `gpgsig-${ctx.store.format.name}`;
  return ctx.store.write('commit', embedSignature(payload, await signPayload(signing, payload, ctx.env), header));
}

function person(identity: Identity, date: Date): Person {
  return { name: identity.name, email: identity.email, timestamp: Math.floor(date.getTime() / 1000), tzOffset: 0 };
}

/** A reflog identity as git writes it: the local time zone of the moment. */
function ident(identity: Identity, date: Date): string {
  const minutes = -date.getTimezoneOffset();
  const abs = Math.abs(minutes);
  const zone = `${minutes < 0 ? '-' : '+'}${String(Math.floor(abs / 60)).padStart(2, '0')}${String(abs % 60).padStart(2, '0')}`;
  return `${identity.name} <${identity.email}> ${Math.floor(date.getTime() / 1000)} ${zone}`;
}

/** Random pause growing with the attempt number, so contending writers spread out. */
function jitter(env: Env, attempt: number): number {
  const span = Math.min(2 + attempt * 3, 50);
  return 1 + (env.random(1)[0]! / 255) * span;
}

function sleep(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}
