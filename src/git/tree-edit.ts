/**
 * Path-level edits of git trees: only the trees along an edited path are read and rewritten,
 * so the cost of adding one run does not grow with the number of runs beside it.
 */
import { GitTrackError } from '../errors.js';
import type { TreeEntry } from './encode.js';
import type { ObjectStore } from './objects.js';
import { findTreeEntry, spliceTree, type TreeChange } from './tree-splice.js';

const EMPTY = Buffer.alloc(0);

export interface TreeEdit {
  /** Slash-separated path from the root tree. */
  path: string;
  /** The new entry at that path, or null to remove it. */
  entry: { mode: TreeEntry['mode']; oid: string } | null;
}

/**
 * Apply edits to the tree `root` (null: start from an empty tree) and return the new root's id.
 *
 * @example
 * const root2 = editTree(store, root, [{ path: 'runs/3f/3f9a21c0b7d4', entry: { mode: '040000', oid } }]);
 */
export function editTree(store: ObjectStore, root: string | null, edits: TreeEdit[]): string {
  return editLevel(store, root, edits) ?? store.write('tree', EMPTY);
}

/** One level of {@link editTree}; null when the resulting tree is empty (git drops empty dirs). */
function editLevel(store: ObjectStore, root: string | null, edits: TreeEdit[]): string | null {
  const bytes = root ? store.readTyped(root, 'tree') : EMPTY;
  const changes = new Map<string, TreeChange>();
  const nested = new Map<string, TreeEdit[]>();
  for (const edit of edits) {
    const slash = edit.path.indexOf('/');
    if (slash < 0) {
      changes.set(edit.path, edit.entry);
      continue;
    }
    const head = edit.path.slice(0, slash);
    nested.set(head, [...(nested.get(head) ?? []), { path: edit.path.slice(slash + 1), entry: edit.entry }]);
  }
  for (const [name, subEdits] of nested) {
    const existing = findTreeEntry(bytes, name, store.format);
    if (existing && existing.mode !== '040000') {
      throw new GitTrackError('CONFLICT', `cannot write below '${name}': it is a file`, { name });
    }
    const subtree = editLevel(store, existing?.oid ?? null, subEdits);
    changes.set(name, subtree === null ? null : { mode: '040000', oid: subtree });
  }
  const edited = spliceTree(bytes, changes, store.format);
  return edited.length === 0 ? null : store.write('tree', edited);
}

/**
 * The entry at `path` below the tree `root`, or null.
 *
 * @example
 * lookupPath(store, root, 'runs/3f/3f9a21c0b7d4/run.yaml')?.oid;
 */
export function lookupPath(store: ObjectStore, root: string, path: string): TreeEntry | null {
  let tree = root;
  const parts = path.split('/');
  for (let i = 0; i < parts.length; i++) {
    const entry = findTreeEntry(store.readTyped(tree, 'tree'), parts[i]!, store.format);
    if (!entry) return null;
    if (i === parts.length - 1) return entry;
    if (entry.mode !== '040000') return null;
    tree = entry.oid;
  }
  return null;
}
