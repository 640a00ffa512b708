import { describe, expect, it } from 'vitest';
import { errorOf } from '../helpers/errors.js';
import { GitTrackError } from '../../src/errors.js';
import { parseSeries } from '../../src/series/parse-series.js';
import { decodeSeries, seriesPath } from '../../src/series/series-file.js';
import { seriesInput } from '../../src/series/series-input.js';
import { summariseSeries } from '../../src/series/read-series.js';

const obj = (text: string, source: string) => Object.fromEntries(parseSeries(text, source));


describe('series files', () => {
  const expected = {
    loss: [{ step: 1, value: 0.9 }, { step: 2, value: 0.5 }],
    acc: [{ step: 1, value: 0.6 }, { step: 2, value: 0.7 }],
  };

  it('reads long and wide CSV, TSV and JSON lines to the same points', () => {
    expect(obj('step,loss,acc\n1,0.9,0.6\n2,0.5,0.7\n', 'm.csv')).toEqual(expected);
    expect(obj('metric,step,value\nloss,1,0.9\nacc,1,0.6\nloss,2,0.5\nacc,2,0.7\n', 'm.csv')).toEqual(expected);
    expect(obj('step\tloss\tacc\r\n1\t0.9\t0.6\r\n2\t0.5\t0.7\r\n', 'm.tsv')).toEqual(expected);
    expect(obj('{"step":1,"loss":0.9,"acc":0.6}\n{"step":2,"loss":0.5,"acc":0.7}\n', 'm.jsonl')).toEqual(expected);
    expect(obj('{"metric":"loss","step":1,"value":0.9}\n{"metric":"acc","step":1,"value":0.6}\n{"metric":"loss","step":2,"value":0.5}\n{"metric":"acc","step":2,"value":0.7}\n', 'm.log')).toEqual(expected);
    expect(obj('step,loss,timestamp\n1,0.9,2026-01-01T00:00:00Z\n2,,x\n', 'm.csv')).toEqual({ loss: [{ step: 1, value: 0.9, ts: Date.UTC(2026, 0, 1) }] });
    expect(obj('{"step":1,"loss":0.9,"time":1767225600.5}\n', 'm.jsonl')).toEqual({ loss: [{ step: 1, value: 0.9, ts: Date.UTC(2026, 0, 1) + 500 }] });
  });

  it.each([
    ['step,loss\n1,0.5\n2,nan\n', 'a.csv', "a.csv:3: metric 'loss' has a non-finite value 'nan' (only finite numbers are stored)"],
    ['step,loss\n1,0.5\n2,inf\n', 'a.csv', "a.csv:3: metric 'loss' has a non-finite value 'inf' (only finite numbers are stored)"],
    ['step,loss\n1,abc\n', 'a.csv', "a.csv:2: metric 'loss' value must be a number, got 'abc'"],
    ['step,loss\nx,1\n', 'a.csv', "a.csv:2: step must be a number, got 'x'"],
    ['loss,acc\n1,2\n', 'a.csv', "a.csv:1: header must name a 'step' column (long: metric,step,value[,timestamp]; wide: step,loss,acc)"],
    ['step,loss\n1,2,3\n', 'a.csv', 'a.csv:2: expected 2 fields like the header, got 3'],
    ['{"step":1,"loss":0.5}\nnot json\n', 'a.jsonl', 'a.jsonl:2: not a JSON object'],
    ['{"step":1,"loss":null}\n', 'a.jsonl', "a.jsonl:1: metric 'loss' value must be a number, got null"],
    ['{"metric":"bad name","step":1,"value":1}\n', 'a.jsonl', "a.jsonl:1: invalid metric name 'bad name' (dot-separated segments without spaces or '=')"],
    ['step,loss,timestamp\n1,0.5,yesterday\n', 'a.csv', "a.csv:2: timestamp 'yesterday' is not a time (ISO 8601, or seconds or milliseconds since 1970)"],
  ])('refuses %j with the file and line', (text, source, message) => {
    const err = errorOf(() => parseSeries(text, source));
    expect(err.code).toBe('BAD_INPUT');
    expect(err.message).toBe(message);
  });

  it('stores one TSV per metric (the format git-track run writes) and the last value logged', () => {
    const input = seriesInput([{ source: 'a.csv', text: 'step,loss,timestamp\n2,0.4,2026-01-01T00:00:00Z\n3,0.3,\n' }, { source: 'b.jsonl', text: '{"step":1,"train/acc":0.5}\n' }]);
    expect(input.series).toEqual(['loss', 'train/acc']);
    expect(input.last).toEqual({ loss: 0.3, 'train/acc': 0.5 });
    expect(Object.keys(input.files).sort()).toEqual(['series/loss.tsv', 'series/train/acc.tsv']);
    const text = input.files['series/loss.tsv']!.toString();
    expect(text).toBe('step\tvalue\ttimestamp\n2\t0.4\t2026-01-01T00:00:00.000Z\n3\t0.3\t\n');
    expect(decodeSeries(text, 'x')).toEqual([{ step: 2, value: 0.4, timestamp: '2026-01-01T00:00:00.000Z' }, { step: 3, value: 0.3 }]);
    expect(errorOf(() => seriesInput([{ source: 'a.csv', text: 'step,loss\n1,1\n' }, { source: 'b.csv', text: 'step,loss\n1,2\n' }])).message).toBe(
      "metric 'loss' has a series in both a.csv and b.csv",
    );
    expect(seriesPath('val.loss')).toBe('series/val.loss.tsv');
  });

  it('summarises last, min, max and the step of the best value', () => {
    const pts = [{ step: 1, value: 0.9 }, { step: 2, value: 0.4 }, { step: 3, value: 0.5 }];
    expect(summariseSeries('loss', pts)).toEqual({ points: 3, last: 0.5, min: 0.4, max: 0.9, direction: 'lower', best: 0.4, bestStep: 2 });
    expect(summariseSeries('acc', pts)).toMatchObject({ best: 0.9, bestStep: 1 });
    expect(summariseSeries('speed', pts)).not.toHaveProperty('bestStep');
  });
});

describe('single-metric files', () => {
  it('names a step,value file by its file name, as git-track stores series', () => {
    const series = parseSeries('step\tvalue\ttimestamp\n1\t0.9\t\n2\t0.5\t2026-05-30T10:00:00.000Z\n', 'out/series/loss.tsv');
    expect([...series.keys()]).toEqual(['loss']);
    expect(series.get('loss')!.map((p) => p.value)).toEqual([0.9, 0.5]);
  });
});
