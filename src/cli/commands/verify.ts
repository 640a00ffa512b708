import { verifyBranch, type VerifyProblem } from '../../verify/verify-branch.js';
import { verifyStageFiles } from '../../verify/verify-stages.js';
import { verifySignatures } from '../../verify/signatures.js';
import type { CliContext } from '../context.js';

/** `git-track verify [--stages] [--signatures]`: exit 1 listing every problem. */
export default async function verify(cli: CliContext, _args: unknown[], options: { stages?: boolean; signatures?: boolean; json?: boolean }): Promise<number> {
  const ctx = cli.tracker();
  const { manifests: _m, ...report } = await verifyBranch(ctx);
  const stages = options.stages ? verifyStageFiles(ctx) : { problems: [] as VerifyProblem[], files: [] as string[] };
  const signatures = await verifySignatures(ctx, options);
  const problems = [...report.problems, ...stages.problems, ...(signatures?.problems ?? [])];
  if (options.json) {
    const signed = signatures ? { signatures_checked: signatures.commits } : {};
    cli.out(JSON.stringify({ ...report, ...signed, problems, stage_files: stages.files, ok: problems.length === 0 }, null, 2));
    return problems.length ? 1 : 0;
  }
  const summary =
    `${report.runs} runs, ${report.commits} commits, ${report.promotions} promotions; ` +
    `${report.pointersChecked} cached objects re-hashed (${report.pointersMissing} not cached locally)` +
    (report.storeObjectsChecked ? `, ${report.storeObjectsChecked} on refs/git-track/artifacts` : '') +
    (options.stages ? `; ${stages.files.length} stage file(s)` : '') +
    (signatures ? `; signatures of ${signatures.commits} commit(s) checked` : '');
  if (problems.length === 0) cli.out(`OK: ${summary}`);
  else cli.out([`FAILED: ${problems.length} problem(s) (${summary})`, ...problems.map((p) => `  [${p.kind}] ${p.message}`)].join('\n'));
  return problems.length ? 1 : 0;
}
