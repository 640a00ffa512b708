import { describe, expect, it } from 'vitest';
import YAML from 'yaml';
import { encodeManifest } from '../../src/manifest/codec.js';
import { type RunManifest } from '../../src/manifest/schema.js';
import { MANIFEST_FORMAT } from '../../src/manifest/names.js';
import { parseStageFile, renderStageFile } from '../../src/stages/stage-file.js';
import { PROMOTION_FORMAT, promotionPath, tagsPath, type Promotion } from '../../src/stages/records.js';
import { diffRuns } from '../../src/stages/stage-diff.js';

const manifest: RunManifest = {
  format: MANIFEST_FORMAT,
  id: '3f9a21c0b7d4',
  status: 'finished',
  created: '2026-05-30T10:15:02Z',
  author: { name: 'Ada', email: 'ada@example.com' },
  data: [],
  params: { lr: 0.01, layers: [64, 32] },
  metrics: { f1: 0.84 },
  artifacts: [],
  env: { os: 'linux', arch: 'x64', hostname: 'h', node: '20', git_track: '0.1.0' },
  tags: {},
  note: 'first line\n\n  indented after a blank line\n',
};

const promotion: Promotion = {
  format: PROMOTION_FORMAT,
  stage: 'production',
  run: '3f9a21c0b7d4',
  previous: null,
  promoted: '2026-05-30T11:00:00.000Z',
  by: { name: 'Ada', email: 'ada@example.com' },
  reason: 'best f1: "quoted" # not a comment',
};

describe('stage file', () => {
  it('round-trips the manifest byte for byte and the promotion, and is one valid YAML document', () => {
    const yaml = encodeManifest(manifest);
    const text = renderStageFile(promotion, yaml);
    const parsed = parseStageFile(text, 'production.yaml');
    expect(parsed.manifestYaml).toBe(yaml);
    expect(parsed.promotion).toEqual(promotion);
    const whole = YAML.parse(text);
    expect(whole.run.note).toBe(manifest.note);
    expect(whole.run.params.layers).toEqual([64, 32]);
  });

  it('refuses a file without a run section or with a bad promotion', () => {
    expect(() => parseStageFile('promotion: {}\n', 'x.yaml')).toThrow(/no 'run:' section/);
    expect(() => parseStageFile('promotion:\n  stage: p\nrun:\n  id: x\n', 'x.yaml')).toThrow(/x\.yaml: promotion\./);
  });
});

describe('record paths', () => {
  it('sort by time inside month directories and never collide on the same millisecond', () => {
    expect(promotionPath(promotion, 'ab12')).toBe('stages/production/2026-05/20260530T110000000Z-3f9a21c0b7d4-ab12.yaml');
    expect(promotionPath({ ...promotion, promoted: '2026-05-30T11:00:00Z' }, 'ab12')).toBe(promotionPath(promotion, 'ab12'));
    expect(promotionPath(promotion, 'ab12')).not.toBe(promotionPath(promotion, 'cd34'));
    expect(tagsPath('3f9a21c0b7d4', '2026-05-30T11:00:00.500Z', 'ab12')).toBe('tags/3f/3f9a21c0b7d4/20260530T110000500Z-ab12.yaml');
  });
});

describe('diffRuns', () => {
  it('lists changed params, metrics, data and code only', () => {
    const after: RunManifest = {
      ...manifest,
      id: 'aaaaaaaaaaaa',
      params: { lr: 0.02, layers: [64, 32] },
      metrics: { f1: 0.86, auc: 0.9 },
      code: { commit: 'a'.repeat(40), dirty: false },
    };
    expect(diffRuns(manifest, after)).toEqual([
      { section: 'params', key: 'lr', before: 0.01, after: 0.02 },
      { section: 'metrics', key: 'auc', before: undefined, after: 0.9 },
      { section: 'metrics', key: 'f1', before: 0.84, after: 0.86 },
      { section: 'code', key: 'commit', before: undefined, after: 'aaaaaaaaaaaa' },
    ]);
  });
});
