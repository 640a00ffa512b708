import { describe, expect, it } from 'vitest';
import { columnReader } from '../../src/query/run-table.js';
import { TableBuilder } from '../../src/query/table-builder.js';
import type { RunManifest } from '../../src/manifest/schema.js';

const manifest = (i: number, params: Record<string, unknown>): RunManifest =>
  ({
    format: 'git-track/run@1',
    id: `run${String(i).padStart(9, '0')}`,
    status: 'finished',
    created: `2026-01-01T00:00:${String(i % 60).padStart(2, '0')}.000Z`,
    author: { name: 'A', email: 'a@example.com' },
    data: [],
    params,
    metrics: {},
    tags: {},
  }) as unknown as RunManifest;

describe('TableBuilder', () => {
  it('stores a repeated value once, stops deduplicating a column of distinct values, and copies both exactly', () => {
    const n = 9000;
    const b = new TableBuilder();
    for (let i = 0; i < n; i++) b.addRun(`run${String(i).padStart(9, '0')}`, '0'.repeat(40), manifest(i, { team: `team-${i % 3}`, label: `label number ${i}`, late: i % 2 ? 'odd' : `even ${i}` }));
    const table = b.build(null, {});
    expect(table.column('params.team')!.strings).toEqual(['team-0', 'team-1', 'team-2']);
    // Past 4,096 distinct values, mostly distinct: no map, so a value met again is stored again.
    expect(table.column('params.label')!.strings).toHaveLength(n);
    // An update copies rows column by column, each old column released once copied.
    const released: string[] = [];
    const old = { ...table, release: (key: string) => void released.push(key) };
    const rows = Array.from({ length: n }, (_, i) => n - 1 - i);
    const copy = new TableBuilder(n);
    copy.copyRows(old, rows);
    const again = copy.build(null, {});
    expect(released.sort()).toEqual(table.keys().sort());
    for (const key of ['team', 'label', 'late']) {
      const before = columnReader(table, { scope: 'params', name: key });
      const after = columnReader(again, { scope: 'params', name: key });
      expect(rows.map((_, i) => after(i))).toEqual(rows.map((r) => before(r)));
    }
    expect(again.column('params.team')!.strings).toHaveLength(3);
    expect(again.column('params.label')!.strings).toHaveLength(n);
  });

  it('keeps every value whether a column starts dense, turns sparse, or starts late', () => {
    const n = 1000;
    const b = new TableBuilder();
    const expected: Record<string, (number | string | undefined)[]> = { early: [], fading: [], late: [], rare: [] };
    for (let i = 0; i < n; i++) {
      const params: Record<string, unknown> = { early: i * 0.5 };
      if (i < 10 || i % 50 === 0) params.fading = `f${i}`; // dense at first, then too thin
      if (i >= 300) params.late = i; // starts late, ends up in most rows
      if (i % 97 === 3) params.rare = `a long string value number ${i}`;
      for (const k of Object.keys(expected)) expected[k]!.push(params[k] as number | string | undefined);
      b.addRun(`run${String(i).padStart(9, '0')}`, '0'.repeat(40), manifest(i, params));
    }
    const table = b.build(null, {});
    expect(table.size).toBe(n);
    for (const [name, values] of Object.entries(expected)) {
      const read = columnReader(table, { scope: 'params', name });
      expect(Array.from({ length: n }, (_, r) => read(r))).toEqual(values);
    }
    expect(table.column('params.early')!.rows).toBeNull();
    expect(table.column('params.fading')!.rows).not.toBeNull();
    expect(table.column('params.late')!.rows).toBeNull();
    expect(table.column('params.rare')!.rows).not.toBeNull();
  });
});
