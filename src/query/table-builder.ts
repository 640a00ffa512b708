/**
 * Building a {@link RunTable} from manifests (a cold or updated query index): rows appended
 * run by run, each field's values collected in its own column, then packed.
 */
import type { RunManifest } from '../manifest/schema.js';
import type { FieldValue } from './evaluate.js';
import { eachField, Kind, type Column, type RunTable } from './run-table.js';

/**
 * One column being built, in typed arrays grown by doubling (plain arrays cost ~24 bytes a
 * cell plus growth slack; at 100,000 runs × ~50 fields that decided whether a cold index
 * fits in 200 MB). A column that starts at the first row is kept dense — kind and value
 * indexed by row, 9 bytes a row — until fewer than half the rows have it; then, like a
 * column that starts later, it lists its rows beside their values.
 */
class Cells {
  /** Sparse only: the row of each value, ascending. */
  rows: Uint32Array | null;
  kinds: Uint8Array;
  nums: Float64Array;
  /** Values held (sparse: also the length of the arrays in use). */
  count = 0;
  /** Dense only: rows covered so far. */
  extent = 0;
  readonly strings: string[] = [];
  /**
   * String → index, to store each distinct value once; dropped (null) for a column whose
   * values are mostly distinct (names, times, hashes), where the map would cost more than the
   * duplicates it saves: at 100,000 runs those maps were ~30 MB of an index update's peak.
   */
  interned: Map<string, number> | null = new Map();

  /** Add `s` (already detached) to the table; returns its index. */
  addString(s: string): number {
    const i = this.strings.length;
    this.strings.push(s);
    this.interned?.set(s, i);
    if (this.interned && this.strings.length > MIN_UNIQUE_STRINGS && this.strings.length * 2 > this.count + 1) this.interned = null;
    return i;
  }

  /** `expectedRows`: the table's final size when known, so a dense column never regrows. */
  constructor(firstRow: number, expectedRows = 0) {
    const size = firstRow === 0 ? Math.max(64, expectedRows) : 64;
    this.rows = firstRow === 0 ? null : new Uint32Array(size);
    this.kinds = new Uint8Array(size);
    this.nums = new Float64Array(size);
  }

  push(row: number, kind: number, num: number): void {
    if (this.rows === null && (this.count + 1) * 2 < row + 1) this.makeSparse();
    const at = this.rows === null ? row : this.count;
    while (at >= this.kinds.length) this.grow();
    if (this.rows !== null) this.rows[at] = row;
    else this.extent = row + 1;
    this.kinds[at] = kind;
    this.nums[at] = num;
    this.count++;
  }

  /** Dense arrays of `n` rows, or null when fewer than half of them have a value. */
  dense(n: number): { kinds: Uint8Array; nums: Float64Array } | null {
    if (this.count * 2 < n) return null;
    if (this.rows === null) return { kinds: fit(this.kinds, n), nums: fit(this.nums, n) };
    const kinds = new Uint8Array(n);
    const nums = new Float64Array(n);
    for (let i = 0; i < this.count; i++) {
      kinds[this.rows[i]!] = this.kinds[i]!;
      nums[this.rows[i]!] = this.nums[i]!;
    }
    return { kinds, nums };
  }

  /** The column of the first `n` rows as it stands, sharing the arrays being filled. */
  view(n: number): Column {
    if (this.rows !== null) return { rows: this.rows.subarray(0, this.count), kinds: this.kinds.subarray(0, this.count), nums: this.nums.subarray(0, this.count), strings: this.strings };
    // Dense arrays are sized for the whole table (or grown past `extent`); rows past the
    // extent read as missing (kind 0).
    if (this.kinds.length >= n) return { rows: null, kinds: this.kinds.subarray(0, n), nums: this.nums.subarray(0, n), strings: this.strings };
    return { rows: null, kinds: fit(this.kinds, n), nums: fit(this.nums, n), strings: this.strings };
  }

  /** Rows, kinds and values of the rows that have one. */
  sparse(): { rows: Uint32Array; kinds: Uint8Array; nums: Float64Array } {
    if (this.rows === null) this.makeSparse();
    return { rows: this.rows!.slice(0, this.count), kinds: this.kinds.slice(0, this.count), nums: this.nums.slice(0, this.count) };
  }

  private makeSparse(): void {
    const size = Math.max(64, this.count * 2);
    const rows = new Uint32Array(size);
    const kinds = new Uint8Array(size);
    const nums = new Float64Array(size);
    let j = 0;
    for (let r = 0; r < this.extent; r++) {
      if (this.kinds[r] === Kind.Missing) continue;
      rows[j] = r;
      kinds[j] = this.kinds[r]!;
      nums[j] = this.nums[r]!;
      j++;
    }
    this.rows = rows;
    this.kinds = kinds;
    this.nums = nums;
  }

  private grow(): void {
    const size = this.kinds.length * 2;
    const kinds = new Uint8Array(size);
    const nums = new Float64Array(size);
    kinds.set(this.kinds);
    nums.set(this.nums);
    this.kinds = kinds;
    this.nums = nums;
    if (this.rows !== null) {
      const rows = new Uint32Array(size);
      rows.set(this.rows);
      this.rows = rows;
    }
  }
}

/** Distinct strings a column may hold before its dedup map can be dropped (see Cells.interned). */
const MIN_UNIQUE_STRINGS = 4096;

/** The first `n` elements, copied unless the array is exactly that long. */
function fit<T extends Uint8Array | Float64Array>(a: T, n: number): T {
  if (a.length === n) return a;
  const out = new (a.constructor as new (n: number) => T)(n);
  out.set(a.subarray(0, Math.min(n, a.length)));
  return out;
}

/** Accumulates rows, then packs them into a {@link RunTable}. */
export class TableBuilder {
  /** @param expectedRows how many rows the table will have, when known (sizes dense columns once). */
  constructor(private readonly expectedRows = 0) {}

  private readonly ids: string[] = [];
  private readonly trees: string[] = [];
  private readonly cells = new Map<string, Cells>();
  /** The same columns by key prefix, then the rest of the key (see eachField). */
  private readonly scoped = new Map<string, Map<string, Cells>>();
  private readonly visit = (prefix: string, name: string, value: FieldValue) => this.set(this.ids.length - 1, this.scopedCells(prefix, name), value);

  get size(): number {
    return this.ids.length;
  }

  /** Add a run from its manifest; returns its row. */
  addRun(id: string, tree: string, m: RunManifest): number {
    const row = this.ids.length;
    this.ids.push(id);
    this.trees.push(tree);
    eachField(m, this.visit);
    return row;
  }

  private scopedCells(prefix: string, name: string): Cells {
    let scope = this.scoped.get(prefix);
    if (!scope) this.scoped.set(prefix, (scope = new Map()));
    let cell = scope.get(name);
    if (!cell) scope.set(name, (cell = this.cellsOf(prefix + name, this.ids.length - 1)));
    return cell;
  }

  /** Copy rows of an existing table (the rows kept across an update), column by column. */
  copyRows(table: RunTable, from: number[]): void {
    const base = this.ids.length;
    for (const r of from) {
      this.ids.push(table.id(r));
      this.trees.push(table.tree(r));
    }
    for (const key of table.keys()) {
      const col = table.column(key)!;
      // The old column's strings are distinct already: each is added once, by its old index.
      const remap = new Int32Array(col.strings.length).fill(-1);
      from.forEach((r, i) => {
        const slot = col.rows ? bsearch(col.rows, r) : r;
        if (slot < 0) return;
        const kind = col.kinds[slot]!;
        if (kind === Kind.Missing) return;
        const num = col.nums[slot]!;
        if (kind === Kind.String || kind === Kind.List) {
          const cell = this.cellsOf(key, base + i);
          let at = remap[num]!;
          // JSON.parse made them as strings of their own: nothing to detach.
          if (at < 0) remap[num] = at = cell.interned?.get(col.strings[num]!) ?? cell.addString(col.strings[num]!);
          cell.push(base + i, kind, at);
        } else this.push(key, base + i, kind, num);
      });
      // Copied: the old table need not keep this column loaded (an update's peak memory).
      table.release?.(key);
    }
  }

  private set(row: number, cell: Cells, value: FieldValue): void {
    if (typeof value === 'number') cell.push(row, Kind.Number, value);
    else if (typeof value === 'string') cell.push(row, Kind.String, intern(cell, value));
    else if (value === true) cell.push(row, Kind.True, 0);
    else if (value === false) cell.push(row, Kind.False, 0);
    else if (value === null) cell.push(row, Kind.Null, 0);
    else cell.push(row, Kind.List, intern(cell, JSON.stringify(value)));
  }

  private cellsOf(key: string, firstRow: number): Cells {
    let cell = this.cells.get(key);
    if (!cell) this.cells.set(key, (cell = new Cells(firstRow, this.expectedRows)));
    return cell;
  }

  private push(key: string, row: number, kind: number, num: number): void {
    this.cellsOf(key, row).push(row, kind, num);
  }


  /**
   * The rows added so far as a table, without copying or disturbing the build (views on the
   * arrays being filled): what a reader can show while a cold index is still being read.
   */
  snapshot(tip: string | null, shards: Record<string, string>): RunTable {
    const n = this.ids.length;
    const columns = new Map<string, Column>();
    for (const [key, cell] of this.cells) columns.set(key, cell.view(n));
    const ids = this.ids.slice(0, n);
    const trees = this.trees.slice(0, n);
    return { tip, shards, size: n, id: (r) => ids[r]!, tree: (r) => trees[r]!, keys: () => [...columns.keys()], column: (k) => columns.get(k) };
  }

  /** Pack into a table; a column present in at least half the rows is stored dense. */
  build(tip: string | null, shards: Record<string, string>): RunTable {
    const n = this.ids.length;
    const columns = new Map<string, Column>();
    for (const [key, cell] of this.cells) {
      const dense = cell.dense(n);
      columns.set(key, dense ? { rows: null, ...dense, strings: cell.strings } : { ...cell.sparse(), strings: cell.strings });
      // Each column's building arrays can go as soon as it is packed.
      this.cells.delete(key);
    }
    const { ids, trees } = this;
    return { tip, shards, size: n, id: (r) => ids[r]!, tree: (r) => trees[r]!, keys: () => [...columns.keys()], column: (k) => columns.get(k) };
  }
}

/** The index of `s` in the column's strings, added when new. */
function intern(cell: Cells, s: string): number {
  return cell.interned?.get(s) ?? cell.addString(detachOnce(s));
}

/** The strings detached last, by the string they were cut from. */
const recent: [string, string][] = [];

/**
 * {@link detach}, made once for a value two columns hold (`data.<path>` and
 * `data.<path>.sha256` both keep the sha256: at 100,000 runs, 8 MB twice).
 */
function detachOnce(s: string): string {
  if (s.length < 13) return s;
  for (const [from, to] of recent) if (from === s) return to;
  const out = detach(s);
  recent.unshift([s, out]);
  if (recent.length > 4) recent.pop();
  return out;
}

/**
 * A copy of `s` that does not share memory with the text it was cut from. V8 keeps a
 * substring of 13+ characters as a view of its parent: kept in the index, a run's `created`
 * would hold its whole manifest text (~2 KB) alive — 200 MB at 100,000 runs.
 */
function detach(s: string): string {
  return s.length < 13 ? s : Buffer.from(s, 'utf8').toString('utf8');
}

function bsearch(rows: Uint32Array, row: number): number {
  let lo = 0;
  let hi = rows.length - 1;
  while (lo <= hi) {
    const mid = (lo + hi) >> 1;
    const v = rows[mid]!;
    if (v === row) return mid;
    if (v < row) lo = mid + 1;
    else hi = mid - 1;
  }
  return -1;
}
