import { describe, expect, it } from 'vitest';
import { lttb, lttbIndexes } from '../../src/series/downsample.js';
import { toLine, viewLine } from '../../src/series/series-lines.js';
import { decodeSeriesColumns } from '../../src/series/series-columns.js';
import { decodeSeries } from '../../src/series/series-file.js';
import { seededRandom } from '../../src/seeded-random.js';

describe('LTTB downsampling', () => {
  it('keeps the first and last points, and the spikes and dips', () => {
    const n = 100_000;
    const rand = seededRandom(7);
    const x = Array.from({ length: n }, (_, i) => i);
    const y = x.map(() => rand());
    y[31_337] = 50; // a spike
    y[77_777] = -50; // a dip
    const out = lttb({ x, y }, 500);
    expect(out.x).toHaveLength(500);
    expect(out.x[0]).toBe(0);
    expect(out.x.at(-1)).toBe(n - 1);
    expect(out.y[0]).toBe(y[0]);
    expect(out.y.at(-1)).toBe(y[n - 1]);
    expect(out.x).toContain(31_337);
    expect(out.x).toContain(77_777);
    expect(Math.max(...out.y)).toBe(50);
    expect(Math.min(...out.y)).toBe(-50);
    // Ascending, no point twice.
    for (let i = 1; i < out.x.length; i++) expect(out.x[i]!).toBeGreaterThan(out.x[i - 1]!);
  });

  it('returns every point when there are no more than asked', () => {
    expect([...lttbIndexes({ x: [0, 1, 2], y: [1, 2, 3] }, 10)]).toEqual([0, 1, 2]);
    expect(lttb({ x: [0, 1, 2, 3, 4], y: [0, 5, 0, 1, 0] }, 3)).toEqual({ x: [0, 1, 4], y: [0, 5, 0] });
  });

  it('a zoomed range is cut before downsampling: full detail inside it', () => {
    const points = Array.from({ length: 10_000 }, (_, i) => ({ step: i, value: Math.sin(i / 10) }));
    const view = viewLine(toLine(points, 'step'), { points: 1000, min: 5000, max: 5099 });
    expect(view).toMatchObject({ inRange: 100, downsampled: false });
    expect(view.x[0]).toBe(5000);
    expect(view.x.at(-1)).toBe(5099);
  });

  it('time and relative axes use the timestamps; points without one are left out', () => {
    const points = [
      { step: 0, value: 1, timestamp: '2026-01-01T00:00:10Z' },
      { step: 1, value: 2 },
      { step: 2, value: 3, timestamp: '2026-01-01T00:00:00Z' },
    ];
    expect(toLine(points, 'relative')).toEqual({ x: Float64Array.from([0, 10]), y: Float64Array.from([3, 1]) });
    expect([...toLine(points, 'time').x]).toEqual([Date.parse('2026-01-01T00:00:00Z'), Date.parse('2026-01-01T00:00:10Z')]);
  });
});

describe('series as columns', () => {
  it('decodes exactly what decodeSeries decodes, number for number', () => {
    const rand = seededRandom(11);
    const formats = [
      (v: number) => String(v),
      (v: number) => v.toFixed(6),
      (v: number) => v.toPrecision(17),
      (v: number) => v.toExponential(8),
      (v: number) => v.toFixed(0),
      (v: number) => `${v < 0 ? '-' : ''}.${String(Math.abs(v)).replace(/^\d*\.?/, '') || '0'}`,
    ];
    const lines = ['step\tvalue\ttimestamp'];
    for (let i = 0; i < 20_000; i++) {
      const magnitude = 10 ** Math.floor(rand() * 40 - 20);
      const v = (rand() - 0.3) * magnitude;
      const fmt = formats[Math.floor(rand() * formats.length)]!;
      lines.push(`${i * 3}\t${fmt(v)}\t${i % 3 === 0 ? '' : new Date(Date.UTC(2026, 0, 1) + i * 1000).toISOString()}`);
    }
    lines.push('7\t-0\t', '8\t1e5\t', '9\t+2.50\t', '10\t0.000000000000000000000123\t', '11\t123456789012345678\t');
    const text = `${lines.join('\n')}\n`;
    const points = decodeSeries(text, 's');
    const cols = decodeSeriesColumns(text, 's');
    expect(cols.value.length).toBe(points.length);
    points.forEach((p, i) => {
      expect(Object.is(cols.value[i], p.value)).toBe(true);
      expect(cols.step[i]).toBe(p.step);
      expect(Number.isNaN(cols.time[i]!) ? undefined : cols.time[i]).toBe(p.timestamp === undefined ? undefined : Date.parse(p.timestamp));
    });
    expect(() => decodeSeriesColumns('step\tvalue\ttimestamp\n1\tabc\t\n', 's')).toThrow(/s:2: not a step and a finite value/);
    expect(() => decodeSeriesColumns('step,value\n', 's')).toThrow(/expected the header/);
  });
});
