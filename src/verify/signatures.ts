/**
 * `verify --signatures` and the `policy: {signed: true}` gate: is every commit of the `runs`
 * history signed by a key the user trusts?
 *
 * A signed commit covers its tree and its parents by id, so checking each commit of the
 * history tells a fresh clone what an earlier reflog cannot: a history rewritten and
 * force-pushed by someone without a trusted key shows up as unsigned or untrusted commits.
 * Git itself judges each signature (`%G?`), with the user's keyring and
 * `gpg.ssh.allowedSignersFile`; the code commits a run points at are not part of the check
 * (they are covered by the run commit's signature through its parent id).
 */
import { decodeCommit } from '../git/encode.js';
import { runGit } from '../git/system-git.js';
import type { ObjectStore } from '../git/objects.js';
import { FORMAT_FILE, MANIFEST_FILE, RUNS_DIR, RUNS_REF } from '../runs/layout.js';
import { loadPolicy } from '../policy/load-policy.js';
import type { TrackerContext } from '../tracker-context.js';
import type { VerifyProblem } from './verify-branch.js';

export type SignatureStatus = 'good' | 'unsigned' | 'bad' | 'untrusted' | 'expired' | 'revoked' | 'unverifiable';

export interface SignatureProblem {
  commit: string;
  status: Exclude<SignatureStatus, 'good'>;
  message: string;
}

/** git's `%G?` letters, for a commit that does carry a signature header. */
const STATUS_OF: Record<string, SignatureStatus> = { G: 'good', B: 'bad', U: 'untrusted', X: 'expired', Y: 'expired', R: 'revoked', E: 'unverifiable', N: 'unverifiable' };

const EXPLAIN: Record<Exclude<SignatureStatus, 'good'>, string> = {
  unsigned: 'is not signed',
  bad: 'has a BAD signature (its content was changed after signing)',
  untrusted: 'is signed by a key that is not trusted (not in gpg.ssh.allowedSignersFile, or of unknown validity in the keyring)',
  expired: 'is signed with an expired signature or key',
  revoked: 'is signed by a revoked key',
  unverifiable: 'has a signature git cannot check (key not in the keyring, or gpg.ssh.allowedSignersFile not configured)',
};

/**
 * Every commit of the `runs` history (its first-parent chain and the runs histories merged
 * into it, not the code commits runs point at), newest first.
 *
 * @example
 * runsHistory(ctx.store, tip).length; // commits to check
 */
export function runsHistory(store: ObjectStore, tip: string): { oid: string; signed: boolean }[] {
  const out: { oid: string; signed: boolean }[] = [];
  const seen = new Set<string>([tip]);
  const queue = [tip];
  for (let i = 0; i < queue.length; i++) {
    const oid = queue[i]!;
    const raw = store.read(oid).content;
    const headerEnd = raw.indexOf('\n\n');
    const header = raw.subarray(0, headerEnd < 0 ? raw.length : headerEnd).toString('latin1');
    out.push({ oid, signed: /\ngpgsig(-sha256)? /.test(header) });
    const { parents } = decodeCommit(raw, store.format);
    parents.forEach((parent, index) => {
      if (seen.has(parent)) return;
      // The first parent is always the earlier runs tip; a later one is a merged runs history
      // (pull) when its tree carries the format marker, else the run's code.
      if (index > 0 && !isRunsTree(store, parent)) return;
      seen.add(parent);
      queue.push(parent);
    });
  }
  return out;
}

function isRunsTree(store: ObjectStore, commit: string): boolean {
  try {
    return store.readTree(store.readCommit(commit).tree).some((e) => e.name === FORMAT_FILE && e.mode === '100644');
  } catch {
    return false; // a code commit that is not local (shallow or partial clone) is not ours
  }
}

/**
 * Check the signature of every commit of the `runs` history ending at `tip`.
 *
 * @example
 * const { commits, problems } = await checkSignatures(ctx, tip);
 * problems.map((p) => p.message); // ['commit 1f606f3e8aea (run 0901a8231c18: f1=0.5) is not signed']
 */
export async function checkSignatures(ctx: TrackerContext, tip: string): Promise<{ commits: number; problems: SignatureProblem[] }> {
  const history = runsHistory(ctx.store, tip);
  const verdicts = await askGit(ctx, history.map((h) => h.oid));
  const problems: SignatureProblem[] = [];
  for (const { oid, signed } of history) {
    const verdict = verdicts.get(oid);
    const status: SignatureStatus = !signed ? 'unsigned' : (STATUS_OF[verdict?.letter ?? 'E'] ?? 'unverifiable');
    if (status === 'good') continue;
    const signer = signed && verdict?.key ? ` [key ${verdict.key}${verdict.signer ? `, ${verdict.signer}` : ''}]` : '';
    const subject = verdict?.subject ? ` (${verdict.subject})` : '';
    problems.push({ commit: oid, status, message: `commit ${oid.slice(0, 12)}${subject} ${EXPLAIN[status]}${signer}` });
  }
  // Oldest first, like the history problems.
  return { commits: history.length, problems: problems.reverse() };
}

/**
 * The signature verdict of the commit that wrote run `id`'s manifest (found by git in the
 * history of `runs`), for `check` under `policy: {signed: true}`. Null when none did.
 *
 * @example
 * await runCommitSignature(ctx, '3f9a21c0b7d4'); // { commit: '1f60…', status: 'good', message: '…' }
 */
export async function runCommitSignature(
  ctx: TrackerContext,
  id: string,
): Promise<{ commit: string; status: SignatureStatus; message: string } | null> {
  const path = `${RUNS_DIR}/${id.slice(0, 2)}/${id}/${MANIFEST_FILE}`;
  // The newest commit that wrote the manifest (on an append-only branch, the one that added
  // it). git's default history simplification follows a merge's TREESAME parent, so a run
  // that came with a pull is found on the side that wrote it, not at the merge; any
  // --diff-merges option would show the merge instead.
  const args = ['log', '-1', '--format=%H', RUNS_REF, '--', path];
  const { stdout } = await runGit(args, { cwd: ctx.repo.workTree ?? ctx.repo.gitDir, env: ctx.env });
  const commit = stdout.trim();
  if (!commit) return null;
  const history = runsHistory(ctx.store, commit)[0]!;
  const verdict = (await askGit(ctx, [commit])).get(commit);
  const status: SignatureStatus = !history.signed ? 'unsigned' : (STATUS_OF[verdict?.letter ?? 'E'] ?? 'unverifiable');
  const who = verdict?.signer || verdict?.key;
  const message = status === 'good' ? `commit ${commit.slice(0, 12)} signed${who ? ` by ${who}` : ''}` : `commit ${commit.slice(0, 12)} ${EXPLAIN[status]}`;
  return { commit, status, message };
}

interface Verdict {
  letter: string;
  key: string;
  signer: string;
  subject: string;
}

/** One `git log --no-walk --stdin` for all commits: git runs the verifier per signed commit. */
async function askGit(ctx: TrackerContext, commits: string[]): Promise<Map<string, Verdict>> {
  const out = new Map<string, Verdict>();
  if (commits.length === 0) return out;
  const { stdout } = await runGit(['log', '--no-walk=unsorted', '--stdin', '--format=%H%x1f%G?%x1f%GK%x1f%GS%x1f%s%x1e'], {
    // From the work tree, as git itself runs: a relative gpg.ssh.allowedSignersFile (a file
    // committed with the code) resolves from its root.
    cwd: ctx.repo.workTree ?? ctx.repo.gitDir,
    env: ctx.env,
    input: `${commits.join('\n')}\n`,
  });
  for (const record of stdout.split('\x1e')) {
    const [oid, letter = 'N', key = '', signer = '', subject = ''] = record.replace(/^\n/, '').split('\x1f');
    if (oid) out.set(oid, { letter, key, signer, subject });
  }
  return out;
}

/**
 * The signature problems `verify` reports: with `signatures`, or with `stages` when the
 * policy of `.git-track.yaml` requires signed runs. Null when no check was asked for.
 *
 * @example
 * await verifySignatures(ctx, { signatures: true }); // { commits: 12, problems: [] }
 */
export async function verifySignatures(
  ctx: TrackerContext,
  options: { signatures?: boolean; stages?: boolean },
): Promise<{ commits: number; problems: VerifyProblem[] } | null> {
  const required = options.stages === true && loadPolicy(ctx.repo.workTree).signed;
  if (!options.signatures && !required) return null;
  const { readRef } = await import('../git/refs.js');
  const tip = readRef(ctx.repo.commonDir, RUNS_REF);
  if (!tip) return { commits: 0, problems: [] };
  const { commits, problems } = await checkSignatures(ctx, tip);
  const why = options.signatures ? '' : ' (the policy of .git-track.yaml requires signed runs)';
  return { commits, problems: problems.map((p) => ({ kind: 'signature' as const, message: `${p.message}${why}` })) };
}
