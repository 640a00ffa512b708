/**
 * Artifacts the configured shared store will refuse: the `git` store caps each file (5 MB by
 * default). `push` refuses such a run's bytes; saying so when the run is recorded lets the
 * user configure a store while the file is still at hand, not days later at the first push.
 */
import { resolveStore } from '../config/load-store.js';
import { formatBytes } from '../config/size.js';
import type { RunManifest } from '../manifest/schema.js';
import { objectsOfArtifacts } from '../sync/artifact-objects.js';
import type { TrackerContext } from '../tracker-context.js';

/**
 * Warn (through `ctx.env.warn`) about each artifact file over the shared store's size cap.
 * Costs nothing for a run without artifact bytes; reading the store settings is one `git
 * config` otherwise.
 *
 * @example
 * await warnOverStoreCap(ctx, manifest); // warning: run 3f9a…: models/big.pkl (12.0 MB) is over the 5.0 MB cap …
 */
export async function warnOverStoreCap(ctx: TrackerContext, manifest: RunManifest): Promise<void> {
  if (!manifest.artifacts.some((a) => a.sha256 !== null)) return;
  const store = await resolveStore(ctx.repo, ctx.env);
  if (store.type !== 'git') return;
  const label = `run ${manifest.id}`;
  const { objects } = objectsOfArtifacts(ctx.repo.stateDir, label, manifest.artifacts);
  const over = objects.filter((o) => o.size > store.maxBytes);
  if (over.length === 0) return;
  const list = over.map((o) => `${o.origin.slice(label.length + 2)} (${formatBytes(o.size)})`).join(', ');
  ctx.env.warn(
    `${label}: ${list} ${over.length === 1 ? 'is' : 'are'} over the ${formatBytes(store.maxBytes)} cap of the git artifact store: push will refuse ${over.length === 1 ? 'it' : 'them'}. ` +
      'Configure a shared store (git config gittrack.store.dir /mnt/share) or raise the cap (git config gittrack.store.maxFileSize 50MB)',
  );
}
