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
  const { manifest } = resolveRun(ctx, String(ref));
  const merged = withTags(manifest, tagRecordsOf(ctx, manifest.id));
  cli.out(options.json ? renderManifestJson(merged) : encodeManifest(merged));
  return 0;
}
