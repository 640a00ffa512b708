/**
 * Concurrent transfers share one progress line: added up, never going backwards, cleared only
 * when the last one is done.
 */
import { describe, expect, it } from 'vitest';
import { combinedProgress } from '../../src/artifacts/stores/combined-progress.js';

function recorder() {
  const lines: string[] = [];
  return {
    lines,
    sink: {
      update: (label: string, done: number, total?: number) => lines.push(`${label} ${done}/${total}`),
      done: (label: string) => lines.push(`done ${label}`),
    },
  };
}

describe('combined progress', () => {
  it('one transfer shows under its own label', () => {
    const r = recorder();
    const p = combinedProgress(r.sink);
    p.update('uploading model.bin', 10, 100);
    p.done('uploading model.bin');
    expect(r.lines).toEqual(['uploading model.bin 10/100', 'done uploading model.bin']);
  });

  it('several at once add up on one line, and it is cleared once, after the last', () => {
    const r = recorder();
    const p = combinedProgress(r.sink);
    p.update('uploading a.bin', 10, 100);
    p.update('uploading b.bin', 20, 100);
    p.update('uploading a.bin', 100, 100);
    p.done('uploading a.bin');
    p.update('uploading b.bin', 50, 100);
    p.done('uploading b.bin');
    p.done('uploading never-reported.bin');
    expect(r.lines).toEqual([
      'uploading a.bin 10/100',
      'done uploading a.bin',
      'uploading 2 files 30/200',
      'uploading 2 files 120/200',
      'uploading 2 files 150/200', // a.bin's 100 bytes stay counted: the line never goes backwards
      'done uploading 2 files',
    ]);
  });
});
