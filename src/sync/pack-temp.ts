/**
 * Where `git pack-objects` keeps its temporary files while we write a pack straight into a
 * local repository (push to a bare remote on this filesystem, fetch from one). git makes them
 * as `<objects>/pack/tmp_pack_*`; a push killed with -9 left 3.6 MB of them in the remote,
 * which nothing would ever remove, and which we could not tell from those of a `git` process
 * running there. So pack-objects runs with a private object directory of ours,
 * `<objects>/git-track-tmp-<host>-<pid>-<random>/` (the real one and the source reached as
 * alternates): its temporary files land there, the finished pack is renamed into
 * `<objects>/pack/` as before, and the next write into that repository removes what a dead
 * writer left. Files git names itself (`tmp_pack_*` in `pack/`) stay git's business.
 */
import { mkdirSync, readdirSync, rmSync, statSync } from 'node:fs';
import { hostname } from 'node:os';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';

const PREFIX = 'git-track-tmp-';
/** A directory of another machine (or an unreadable pid) is left this long before it counts as dead. */
const FOREIGN_GRACE_MS = 24 * 3600_000;

function host(): string {
  return hostname().replace(/[^A-Za-z0-9.]/g, '_').slice(0, 64) || 'host';
}

/**
 * A fresh private object directory inside `objectsDir`, with its `pack/` subdirectory.
 *
 * @example
 * const temp = makePackTemp(join(remote, 'objects')); // …/objects/git-track-tmp-gpu3-4242-9f1c0a2b
 */
export function makePackTemp(objectsDir: string): string {
  const dir = join(objectsDir, `${PREFIX}${host()}-${process.pid}-${randomBytes(4).toString('hex')}`);
  mkdirSync(join(dir, 'pack'), { recursive: true });
  return dir;
}

/**
 * Removes the private object directories of writers that are gone: on this host, those whose
 * process no longer runs; from other hosts, those untouched for a day. Never fails the caller.
 *
 * @example
 * removeStalePackTemps(join(remote, 'objects'));
 */
export function removeStalePackTemps(objectsDir: string, now = Date.now()): string[] {
  const removed: string[] = [];
  let names: string[];
  try {
    names = readdirSync(objectsDir).filter((n) => n.startsWith(PREFIX));
  } catch {
    return removed;
  }
  const mine = `${PREFIX}${host()}-`;
  for (const name of names) {
    const path = join(objectsDir, name);
    const pid = name.startsWith(mine) ? Number(/^(\d+)-[0-9a-f]+$/.exec(name.slice(mine.length))?.[1]) : NaN;
    const stale = Number.isInteger(pid) && pid > 0 ? !isAlive(pid) : now - newestChange(path) > FOREIGN_GRACE_MS;
    if (!stale) continue;
    try {
      rmSync(path, { recursive: true, force: true });
      removed.push(name);
    } catch {
      // Someone else's permissions or a vanished directory: left for the next writer.
    }
  }
  return removed;
}

function isAlive(pid: number): boolean {
  if (pid === process.pid) return true;
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** The latest mtime of the directory and the files pack-objects writes in it. */
function newestChange(dir: string): number {
  let newest = 0;
  for (const sub of [dir, join(dir, 'pack')]) {
    try {
      newest = Math.max(newest, statSync(sub).mtimeMs);
      for (const n of readdirSync(sub)) newest = Math.max(newest, statSync(join(sub, n)).mtimeMs);
    } catch {}
  }
  return newest;
}
