import { verifyBranch, type VerifyProblem } from '../../verify/verify-branch.js';
import { verifyStageFiles } from '../../verify/verify-stages.js';
import type { CliContext } from '../context.js';

/** `git-track verify [--stages]`: exit 1 listing every problem. */
export default async function verify(cli: CliContext, _args: unknown[], options: { stages?: boolean; json?: boolean }): Promise<number> {
  const ctx = cli.tracker();
  const { manifests: _m, ...report } = await verifyBranch(ctx);
  const stages = options.stages ? verifyStageFiles(ctx) : { problems: [] as VerifyProblem[], files: [] as string[] };
  const problems = [...report.problems, ...stages.problems];
  if (options.json) {
    cli.out(JSON.stringify({ ...report, problems, stage_files: stages.files, ok: problems.length === 0 }, null, 2));
    return problems.length ? 1 : 0;
  }
  const summary =
    `${report.runs} runs, ${report.commits} commits, ${report.promotions} promotions; ` +
    `${report.pointersChecked} cached objects re-hashed (${report.pointersMissing} not cached locally)` +
    (options.stages ? `; ${stages.files.length} stage file(s)` : '');
  if (problems.length === 0) cli.out(`OK: ${summary}`);
  else cli.out([`FAILED: ${problems.length} problem(s) (${summary})`, ...problems.map((p) => `  [${p.kind}] ${p.message}`)].join('\n'));
  return problems.length ? 1 : 0;
}
