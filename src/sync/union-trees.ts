/**
 * The union of two `runs` trees. Runs are append-only, so two histories merge by taking every
 * run directory of both sides; the only possible disagreement is the same path with different
 * content, which means someone changed an immutable run (or a shared file) — never resolved
 * silently, reported by path.
 */
import { encodeTree, type TreeEntry } from '../git/encode.js';
import type { ObjectStore } from '../git/objects.js';
import { RUNS_DIR } from '../runs/layout.js';

const TREE = '040000';

export interface UnionResult {
  /** The merged root tree (`ours` itself when `theirs` adds nothing). */
  tree: string;
  /** Paths present on both sides with different content. */
  conflicts: string[];
}

/**
 * Merge two trees by path: entries only on one side are taken, identical ones kept, and
 * directories other than run directories merged recursively. A run directory
 * (`runs/<ab>/<id>`) or a file that differs is a conflict.
 *
 * @example
 * const { tree, conflicts } = unionTrees(store, oursRoot, theirsRoot);
 * conflicts; // ['runs/3f/3f9a21c0b7d4']
 */
export function unionTrees(store: ObjectStore, ours: string, theirs: string): UnionResult {
  const conflicts: string[] = [];
  const tree = unionLevel(store, ours, theirs, '', conflicts);
  return { tree, conflicts };
}

function unionLevel(store: ObjectStore, ours: string, theirs: string, prefix: string, conflicts: string[]): string {
  if (ours === theirs) return ours;
  const mine = new Map(store.readTree(ours).map((e) => [e.name, e]));
  let changed = false;
  for (const entry of store.readTree(theirs)) {
    const path = `${prefix}${entry.name}`;
    const existing = mine.get(entry.name);
    if (!existing) {
      mine.set(entry.name, entry);
      changed = true;
    } else if (existing.oid === entry.oid && existing.mode === entry.mode) {
      continue;
    } else if (existing.mode === TREE && entry.mode === TREE && !isRunDir(path)) {
      const merged = unionLevel(store, existing.oid, entry.oid, `${path}/`, conflicts);
      if (merged !== existing.oid) {
        mine.set(entry.name, { ...existing, oid: merged });
        changed = true;
      }
    } else {
      conflicts.push(path);
    }
  }
  return changed ? store.write('tree', encodeTree([...mine.values()], store.format)) : ours;
}

/**
 * Paths of `before` that are missing or different in `after` (run directories and files;
 * a run directory counts as one path). Used to detect a rewritten history: what a remote once
 * had must still be there, unchanged.
 *
 * @example
 * lostOrChanged(store, seenRoot, remoteRoot); // ['runs/3f/3f9a21c0b7d4']
 */
export function lostOrChanged(store: ObjectStore, before: string, after: string): string[] {
  return addedPaths(store, before, after);
}

/**
 * Paths of run directories (or other leaves) in `tree` that are not in `base`: the runs one
 * side added. Reads only the subtrees that differ.
 *
 * @example
 * addedPaths(store, localRoot, remoteRoot); // ['runs/3f/3f9a21c0b7d4', …]
 */
export function addedPaths(store: ObjectStore, tree: string, base: string | null, prefix = ''): string[] {
  if (tree === base) return [];
  const other = new Map<string, TreeEntry>(base ? store.readTree(base).map((e) => [e.name, e]) : []);
  const out: string[] = [];
  for (const entry of store.readTree(tree)) {
    const path = `${prefix}${entry.name}`;
    const there = other.get(entry.name);
    if (there && there.oid === entry.oid && there.mode === entry.mode) continue;
    if (entry.mode === TREE && !isRunDir(path)) {
      out.push(...addedPaths(store, entry.oid, there?.mode === TREE ? there.oid : null, `${path}/`));
    } else out.push(path);
  }
  return out;
}

/** `runs/<ab>/<id>`: a run directory, compared as a whole. */
export function isRunDir(path: string): boolean {
  return path.startsWith(`${RUNS_DIR}/`) && path.split('/').length === 3;
}

/**
 * A readable name for a conflicting path: the run id for a run directory.
 *
 * @example
 * describePath('runs/3f/3f9a21c0b7d4'); // 'run 3f9a21c0b7d4'
 */
export function describePath(path: string): string {
  return isRunDir(path) ? `run ${path.split('/')[2]}` : `'${path}'`;
}
