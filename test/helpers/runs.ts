/**
 * Many runs, fast: recorded in-process through the library with a fixed clock and seeded ids.
 */
import { fixedEnv } from '../../src/env.js';
import { logRun, type LogRunInput } from '../../src/runs/log-run.js';
import { openContext, type TrackerContext } from '../../src/tracker-context.js';
import { makeRepo } from './repo.js';

/**
 * A repository holding `n` runs built by `make(i)`; returns the context and the run ids in
 * logging order. Each run is one second after the previous one.
 *
 * @example
 * const { ctx, ids } = await makeRuns(50, (i) => ({ params: { depth: i % 5 }, metrics: { f1: i / 50 } }));
 */
export async function makeRuns(n: number, make: (i: number) => LogRunInput, options: { dir?: string; seed?: number } = {}): Promise<{ dir: string; ctx: TrackerContext; ids: string[] }> {
  const dir = options.dir ?? makeRepo({ commit: true });
  const ctx = openContext({ dir, env: fixedEnv({ seed: options.seed ?? 11 }) });
  const ids: string[] = [];
  for (let i = 0; i < n; i++) {
    const input = make(i);
    const { manifest } = await logRun(ctx, { code: { commit: null, branch: null, dirty: false }, ...input });
    ids.push(manifest.id);
  }
  return { dir, ctx, ids };
}
