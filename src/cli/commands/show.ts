import { quoteInput } from '../../errors.js';
import { encodeManifest } from '../../manifest/codec.js';
import { resolveRun } from '../../runs/resolve-run.js';
import { preferOneShotValidation } from '../../manifest/schema.js';
import { tagRecordsOf, withTags } from '../../stages/read-stages.js';
import type { CliContext } from '../context.js';
import { showRemoteRunsHint } from '../remote-hint.js';
import { renderManifestJson } from '../render/manifest.js';
import { factsOf, withFacts } from '../../facts/read-facts.js';
import { childRuns } from '../../facts/run-children.js';
import type { RunManifest } from '../../manifest/schema.js';

/** `git-track show RUN`: the run's manifest, whole, with tags added later merged in. */
export default async function show(cli: CliContext, [ref]: unknown[], options: { json?: boolean }): Promise<number> {
  preferOneShotValidation();
  const ctx = cli.tracker();
  showRemoteRunsHint(ctx);
  const { manifest, sameName } = resolveRun(ctx, String(ref));
  if (sameName !== undefined && sameName > 1) {
    process.stderr.write(`note: ${sameName} runs are named ${quoteInput(String(ref))}; showing the newest, ${manifest.id} (an id or id prefix picks another)\n`);
  }
  const facts = factsOf(ctx, manifest.id);
  const merged = withFacts(withTags(manifest, tagRecordsOf(ctx, manifest.id)), facts);
  const children = childRuns(ctx, manifest.id);
  const archived = facts?.archived ? facts.archivedBy : undefined;
  if (options.json) {
    cli.out(renderManifestJson({ ...merged, ...(archived ? { archived } : {}), ...(children.length ? { children } : {}) } as RunManifest));
    return 0;
  }
  // Later facts and children follow the manifest as YAML comments: the output stays the
  // run's manifest for any YAML reader.
  const notes: string[] = [];
  if (archived) notes.push(`# archived ${archived.at} by ${archived.by.name} <${archived.by.email}> (git-track unarchive ${manifest.id.slice(0, 7)} to undo)`);
  if (facts?.name !== undefined && facts.name !== manifest.name) notes.push(`# renamed to ${JSON.stringify(facts.name)}; recorded as ${manifest.name === undefined ? 'unnamed' : JSON.stringify(manifest.name)}`);
  if (children.length) {
    notes.push(`# children (${children.length}):`);
    for (const c of children) notes.push(`#   ${c.id}  ${c.status.padEnd(8)}  ${c.name ?? ''}${c.archived ? '  (archived)' : ''}`.trimEnd());
  }
  cli.out(encodeManifest(merged) + notes.map((n) => `${n}\n`).join(''));
  return 0;
}
