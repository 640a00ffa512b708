/**
 * The writer id of a clone: the name of its own ref on a remote
 * (`refs/git-track/incoming/<id>/runs`), where pushes that would contend for `runs` go instead.
 * Kept in `.git/git-track/writer` with the host it was made on: a clone copied to other
 * machines (a container image baked with its `.git`) gets a new id on each, so two nodes never
 * share one. Losing the file loses nothing: a new id is made and the old ref is folded as any.
 */
import { mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { hostname } from 'node:os';
import { join } from 'node:path';
import type { TrackerContext } from '../tracker-context.js';

/** Characters of a writer id: hex, as short as a run id. */
const ID_HEX = 12;

/**
 * This clone's writer id, made (from `env.random`) on first use.
 *
 * @example
 * writerId(ctx); // '5be0c1a9d2f4'
 */
export function writerId(ctx: TrackerContext): string {
  const file = join(ctx.repo.stateDir, 'writer');
  const host = hostname();
  try {
    const [id, at] = readFileSync(file, 'utf8').trim().split(' ');
    if (id && /^[0-9a-f]{12}$/.test(id) && at === encodeURIComponent(host)) return id;
  } catch {
    // none yet
  }
  const id = newWriterId(ctx);
  mkdirSync(ctx.repo.stateDir, { recursive: true });
  // Two processes may race here: each renames a whole file, the last one wins, both ids work.
  const temp = `${file}.${process.pid}.tmp`;
  writeFileSync(temp, `${id} ${encodeURIComponent(host)}\n`);
  renameSync(temp, file);
  return id;
}

/**
 * A fresh writer id, for a writer that keeps no state (`log --remote`).
 *
 * @example
 * newWriterId(ctx); // 'a41f0c9e7b21'
 */
export function newWriterId(ctx: Pick<TrackerContext, 'env'>): string {
  return ctx.env.random(ID_HEX / 2).toString('hex');
}
