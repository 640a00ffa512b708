/**
 * Diffing two recorded runs: resolve both, diff their manifests, and when their code differs,
 * ask the system git for `git diff --stat` between the two code snapshots.
 */
import { diffRuns, type RunDiff } from '../compare/run-diff.js';
import type { DirectionOptions } from '../compare/direction.js';
import { manifestPatch } from '../compare/manifest-diff.js';
import { runGit } from '../git/system-git.js';
import type { TrackerContext } from '../tracker-context.js';
import { MANIFEST_FILE, runDirPath } from './layout.js';
import { readManifestText } from './read-runs.js';
import { resolveRun } from './resolve-run.js';

export interface RunDiffResult {
  diff: RunDiff;
  /** `git diff --stat` of the code (null when the code is the same or a commit is unknown here). */
  codeStat: string | null;
  /** Why there is no code stat although the code differs. */
  codeNote?: string;
  /** Unified diff of the two run.yaml files, when asked for. */
  manifestPatch?: string;
}

/**
 * Diff the runs `refA` and `refB` name (ids, prefixes, names, `latest`…).
 *
 * @example
 * const { diff, codeStat } = await diffRunRefs(ctx, 'baseline', 'latest', { higherIsBetter: ['auc'] });
 */
export async function diffRunRefs(ctx: TrackerContext, refA: string, refB: string, options: DirectionOptions & { manifest?: boolean } = {}): Promise<RunDiffResult> {
  const a = resolveRun(ctx, refA);
  const b = resolveRun(ctx, refB);
  const diff = diffRuns(a.manifest, b.manifest, options);
  const result: RunDiffResult = { diff, codeStat: null };
  if (!diff.code.same) {
    if (diff.code.a && diff.code.b) {
      const r = await runGit(['--git-dir', ctx.repo.commonDir, 'diff', '--stat', diff.code.a, diff.code.b, '--'], {
        cwd: ctx.repo.workTree ?? ctx.repo.commonDir,
        env: ctx.env,
        allowFailure: true,
      });
      if (r.code === 0) result.codeStat = r.stdout.trimEnd();
      else result.codeNote = `the code commits are not in this repository (${r.stderr.split('\n')[0]?.trim() ?? ''})`;
    } else {
      result.codeNote = 'one run has no code commit';
    }
  }
  if (options.manifest) {
    const text = (e: typeof a.entry) => readManifestText(ctx, e);
    result.manifestPatch = manifestPatch(text(a.entry), text(b.entry), `${runDirPath(a.entry.id)}/${MANIFEST_FILE}`, `${runDirPath(b.entry.id)}/${MANIFEST_FILE}`);
  }
  return result;
}
