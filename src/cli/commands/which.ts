import { resolve } from 'node:path';
import { which } from '../../provenance/which.js';
import type { CliContext } from '../context.js';
import { renderWhich } from '../render/lineage.js';

/** `git-track which FILE`: exit 1 when no run produced or used the file. */
export default async function whichCommand(cli: CliContext, [file]: unknown[], options: { json?: boolean }): Promise<number> {
  const r = await which(cli.tracker(), resolve(cli.cwd, String(file)));
  if (options.json) {
    const use = (u: (typeof r.producedBy)[number]) => ({ run: u.run.id, name: u.run.name ?? null, created: u.run.created, path: u.path, role: u.role ?? null });
    cli.out(JSON.stringify({ sha256: r.hash.sha256, size: r.hash.size, produced_by: r.producedBy.map(use), used_by: r.usedBy.map(use) }, null, 2));
  } else cli.out(renderWhich(r, String(file)));
  return r.producedBy.length + r.usedBy.length > 0 ? 0 : 1;
}
