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
