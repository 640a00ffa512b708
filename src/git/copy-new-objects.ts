/**
 * Taking over objects another git process wrote: the snapshot commit of a dirty working tree
 * is made by `git write-tree`/`git commit-tree`, and nothing reaches it until `runs` names the
 * run commit; a `git gc --prune=now` in between would delete it. Writing its new objects again
 * through our store puts them in the guarded pack of the run's ref update.
 */
import { decodeCommit, decodeTree, type GitObject, type ObjectType } from './encode.js';
import { readLoose } from './loose.js';
import type { ObjectStore } from './objects.js';

/**
 * Write through `store` the commit `oid` and every tree and blob of it that its first parent
 * (HEAD, which a ref reaches) does not have at the same path, reading them from the loose
 * objects of `quarantine` first (where git wrote them), else from the store. Submodule commits
 * are not ours to copy. Throws OBJECT_NOT_FOUND when one of them is gone.
 *
 * @example
 * copyNewObjects(store, code.snapshot, quarantineDir); // before the run's ref update
 */
export function copyNewObjects(store: ObjectStore, oid: string, quarantine?: string): void {
  const read = (id: string, type: ObjectType): Buffer => {
    const found: GitObject | undefined = quarantine ? readLoose([quarantine], id) : undefined;
    return found?.type === type ? found.content : store.readTyped(id, type);
  };
  const content = read(oid, 'commit');
  const { tree, parents } = decodeCommit(content, store.format);
  copyTree(store, read, tree, parents[0] ? store.readCommit(parents[0]).tree : null);
  store.write('commit', content);
}

function copyTree(store: ObjectStore, read: (id: string, type: ObjectType) => Buffer, tree: string, baseTree: string | null): void {
  if (tree === baseTree) return;
  const content = read(tree, 'tree');
  const before = new Map(baseTree ? store.readTree(baseTree).map((e) => [e.name, e]) : []);
  for (const entry of decodeTree(content, store.format)) {
    const old = before.get(entry.name);
    if (old?.oid === entry.oid || entry.mode === '160000') continue;
    if (entry.mode === '040000') copyTree(store, read, entry.oid, old?.mode === '040000' ? old.oid : null);
    else store.write('blob', read(entry.oid, 'blob'));
  }
  store.write('tree', content);
}
