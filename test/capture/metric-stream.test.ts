import { describe, expect, it } from 'vitest';
import { parseMetricStream, toMillis } from '../../src/capture/metric-stream.js';
import { encodeSeries, seriesFiles } from '../../src/capture/series-files.js';

describe('parseMetricStream', () => {
  it('groups steps by metric in the order logged, defaulting steps and reading ts units', () => {
    const text = [
      '{"name":"loss","step":0,"value":0.9,"ts":1767225600.5}',
      '{"name":"acc","value":0.5}',
      '{"name":"loss","step":1,"value":0.7,"ts":1767225601000}',
      '{"name":"acc","value":0.75,"ts":"2026-01-01T00:00:02Z"}',
      '',
    ].join('\n');
    const warnings: string[] = [];
    const series = parseMetricStream(text, 'metrics.jsonl', (w) => warnings.push(w));
    expect(warnings).toEqual([]);
    expect(series.get('loss')).toEqual([
      { step: 0, value: 0.9, ts: 1767225600500 },
      { step: 1, value: 0.7, ts: 1767225601000 },
    ]);
    expect(series.get('acc')).toEqual([
      { step: 0, value: 0.5 },
      { step: 1, value: 0.75, ts: Date.parse('2026-01-01T00:00:02Z') },
    ]);
  });

  it('warns with file and line for bad lines and keeps the valid rest', () => {
    const text = [
      '{"name":"loss","step":0,"value":0.9}',
      'not json',
      '{"name":"loss","step":1,"value":"high"}',
      '{"name":"bad name","value":1}',
      '[1,2]',
      '{"name":"loss","step":1.5,"value":1}',
      '{"name":"loss","step":2,"value":0.5}',
      '{"name":"loss","step":3,"va', // a write cut short by a kill: not a line yet
    ].join('\n');
    const warnings: string[] = [];
    const series = parseMetricStream(text, 'metrics.jsonl', (w) => warnings.push(w));
    expect(series.get('loss')!.map((p) => p.step)).toEqual([0, 2]);
    expect(warnings).toEqual([
      'metrics.jsonl line 2: not valid JSON, skipped',
      "metrics.jsonl line 3: metric 'loss' must be a finite number, got 'high'; skipped",
      "metrics.jsonl line 4: invalid metric name 'bad name', skipped",
      'metrics.jsonl line 5: expected an object {"name", "step", "value"}, skipped',
      "metrics.jsonl line 6: metric 'loss' step must be a whole number, got 1.5; skipped",
      'metrics.jsonl line 8: incomplete last line (stopped mid-write?), skipped',
    ]);
  });

  it('names the first ten bad lines and counts the rest', () => {
    const warnings: string[] = [];
    const text = `${'{"name":"loss","value":"nan"}\n'.repeat(400)}{"name":"loss","value":0.5}\n`;
    const series = parseMetricStream(text, 'metrics.jsonl', (w) => warnings.push(w));
    expect(series.get('loss')).toEqual([{ step: 0, value: 0.5 }]);
    expect(warnings).toHaveLength(11);
    expect(warnings[9]).toBe("metrics.jsonl line 10: metric 'loss' must be a finite number, got 'nan'; skipped");
    expect(warnings[10]).toBe('metrics.jsonl: 390 more bad lines skipped (400 in all)');
  });

  it('tells epoch seconds from milliseconds', () => {
    expect(toMillis(1.5)).toBe(1500);
    expect(toMillis(1767225600123)).toBe(1767225600123);
    expect(toMillis('nope')).toBeUndefined();
    expect(toMillis(-1)).toBeUndefined();
  });
});

describe('series files', () => {
  it('writes one TSV per metric with a step/value/timestamp header', () => {
    expect(encodeSeries([{ step: 0, value: 0.9, ts: 0 }, { step: 1, value: 0.125 }])).toBe(
      'step\tvalue\ttimestamp\n0\t0.9\t1970-01-01T00:00:00.000Z\n1\t0.125\t\n',
    );
    const { files, names, last } = seriesFiles(new Map([['val.loss', [{ step: 1, value: 2 }, { step: 2, value: 1 }]], ['empty', []]]));
    expect(names).toEqual(['val.loss']);
    expect(Object.keys(files)).toEqual(['series/val.loss.tsv']);
    expect(last).toEqual({ 'val.loss': 1 });
  });
});
