import { encodeManifest } from '../../manifest/codec.js';
import { resolveRun } from '../../runs/resolve-run.js';
import { preferOneShotValidation } from '../../manifest/schema.js';
import type { CliContext } from '../context.js';
import { remoteRunsHint } from '../remote-hint.js';
import { renderManifestJson } from '../render/manifest.js';

/** `git-track show RUN`: the run's manifest, whole. */
export default async function show(cli: CliContext, [ref]: unknown[], options: { json?: boolean }): Promise<number> {
  const hint = remoteRunsHint(cli.tracker());
  if (hint) process.stderr.write(`hint: ${hint}\n`);
  preferOneShotValidation();
  const { manifest } = resolveRun(cli.tracker(), String(ref));
  cli.out(options.json ? renderManifestJson(manifest) : encodeManifest(manifest));
  return 0;
}
