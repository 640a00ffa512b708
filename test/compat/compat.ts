/**
 * Helpers of the compatibility suite: what a repository looks like on disk, so a test can
 * show that a refused command wrote nothing at all.
 */
import { lstatSync, readdirSync } from 'node:fs';
import { join } from 'node:path';

/**
 * Every path under `dir` with its kind, size and owner, sorted: equal before and after a
 * command means it created, removed and resized nothing.
 *
 * @example
 * const before = fingerprint(join(dir, '.git'));
 */
export function fingerprint(dir: string): string {
  const out: string[] = [];
  const walk = (path: string, rel: string): void => {
    const st = lstatSync(path);
    out.push(`${rel} ${st.isDirectory() ? 'd' : st.size} ${st.uid}`);
    if (st.isDirectory()) for (const name of readdirSync(path).sort()) walk(join(path, name), `${rel}/${name}`);
  };
  walk(dir, '.');
  return out.join('\n');
}

/** Commands that read or write the repository, each with arguments that would otherwise work. */
export const EVERY_COMMAND: string[][] = [
  ['init'],
  ['log', '-m', 'f1=0.5'],
  ['list'],
  ['show', 'latest'],
  ['tag', 'latest', 'team=a'],
  ['verify'],
  ['pull'],
  ['push'],
];
