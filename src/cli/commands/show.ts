import { quoteInput } from '../../errors.js';
import { encodeManifest } from '../../manifest/codec.js';
import { resolveRun } from '../../runs/resolve-run.js';
import { preferOneShotValidation } from '../../manifest/schema.js';
import { tagRecordsOf, withTags } from '../../stages/read-stages.js';
import type { CliContext } from '../context.js';
import { showRemoteRunsHint } from '../remote-hint.js';
import { renderManifestJson } from '../render/manifest.js';

/** `git-track show RUN`: the run's manifest, whole, with tags added later merged in. */
export default async function show(cli: CliContext, [ref]: unknown[], options: { json?: boolean }): Promise<number> {
  preferOneShotValidation();
  const ctx = cli.tracker();
  showRemoteRunsHint(ctx);
  const { manifest, sameName } = resolveRun(ctx, String(ref));
  if (sameName !== undefined && sameName > 1) {
    process.stderr.write(`note: ${sameName} runs are named ${quoteInput(String(ref))}; showing the newest, ${manifest.id} (an id or id prefix picks another)\n`);
  }
  const merged = withTags(manifest, tagRecordsOf(ctx, manifest.id));
  cli.out(options.json ? renderManifestJson(merged) : encodeManifest(merged));
  return 0;
}
