import { describe, expect, it } from 'vitest';
import { formatDelta } from '../../src/cli/render/run-diff.js';
import type { MetricChange } from '../../src/compare/run-diff.js';

describe('formatDelta', () => {
  it('shows the relative change to three significant digits', () => {
    expect(formatDelta({ delta: -0.05, relative: -0.05 / 0.3 } as MetricChange)).toBe('-0.05 (-16.7%)');
    expect(formatDelta({ delta: 0.05, relative: 0.0625 } as MetricChange)).toBe('+0.05 (+6.25%)');
    expect(formatDelta({ delta: undefined } as MetricChange)).toBe('');
  });
});
