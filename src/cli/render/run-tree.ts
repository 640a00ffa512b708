/**
 * Nesting a listing: each child run right after its parent, indented, siblings in the order
 * the listing had them. A child whose parent is not in the listing stays where it was.
 */

/**
 * The rows in tree order with their depth.
 *
 * @example
 * nestRows([{ id: 'p' }, { id: 'c', parent: 'p' }, { id: 'x' }]); // [{ index: 0, depth: 0 }, { index: 1, depth: 1 }, { index: 2, depth: 0 }]
 */
export function nestRows(rows: { id: string; parent?: string }[]): { index: number; depth: number }[] {
  const position = new Map(rows.map((r, i) => [r.id, i]));
  const children = new Map<number, number[]>();
  const roots: number[] = [];
  rows.forEach((r, i) => {
    const p = r.parent === undefined ? undefined : position.get(r.parent);
    if (p === undefined || p === i) roots.push(i);
    else {
      const list = children.get(p);
      if (list) list.push(i);
      else children.set(p, [i]);
    }
  });
  const out: { index: number; depth: number }[] = [];
  const seen = new Set<number>();
  const visit = (i: number, depth: number) => {
    // A parent cycle (only a hand-made branch can hold one) must not loop.
    if (seen.has(i)) return;
    seen.add(i);
    out.push({ index: i, depth });
    for (const c of children.get(i) ?? []) visit(c, depth + 1);
  };
  for (const r of roots) visit(r, 0);
  // Rows only reachable through a cycle: listed flat, never dropped.
  rows.forEach((_, i) => visit(i, 0));
  return out;
}

/** The indentation of a nested row's first cell. */
export function indent(depth: number): string {
  return depth === 0 ? '' : `${'  '.repeat(depth - 1)}└ `;
}
