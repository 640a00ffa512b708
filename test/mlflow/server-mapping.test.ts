import { describe, expect, it } from 'vitest';
import {
  experimentIdOf,
  fromParamValue,
  fromRunStatus,
  fromTrackName,
  manifestTags,
  runFromManifest,
  tagsToFields,
  toParamValue,
  toRunStatus,
  toTrackName,
} from '../../src/mlflow/mapping.js';
import { isValidName } from '../../src/manifest/names.js';
import { validateManifest, type RunManifest } from '../../src/manifest/schema.js';

const manifest: RunManifest = validateManifest({
  format: 'git-track/run@1',
  id: '3f9a21c0b7d4',
  name: 'baseline',
  experiment: 'churn',
  parent: 'aaaaaaaaaaaa',
  status: 'failed',
  created: '2026-05-30T10:15:02.500Z',
  duration_s: 2.25,
  author: { name: 'Ada', email: 'ada@example.com' },
  code: { commit: 'a'.repeat(40), dirty: false },
  data: [],
  params: { lr: 0.01, 'learning%20rate': 'x', flags: [1, 2] },
  metrics: { f1: 0.8 },
  artifacts: [],
  tags: { team: 'growth' },
  note: 'first',
});

describe('MLflow mapping', () => {
  it('derives experiment ids from names: the same everywhere, Default is 0', () => {
    expect(experimentIdOf(undefined)).toBe('0');
    expect(experimentIdOf('Default')).toBe('0');
    expect(experimentIdOf('churn')).toBe(experimentIdOf('churn'));
    expect(experimentIdOf('churn')).toMatch(/^[1-9][0-9]*$/);
    expect(experimentIdOf('churn')).not.toBe(experimentIdOf('churn2'));
    expect(Number.isSafeInteger(Number(experimentIdOf('x')))).toBe(true);
  });

  it('encodes keys a name cannot hold, reversibly', () => {
    for (const key of ['learning rate', 'a=b', '.lead', 'trail.', 'a..b', '50%', 'train/loss', 'ünï code', 'tab\tkey']) {
      const name = toTrackName(key)!;
      expect(isValidName(name), key).toBe(true);
      expect(fromTrackName(name)).toBe(key);
    }
    expect(toTrackName('train/loss')).toBe('train/loss');
    expect(toTrackName('mlflow.log-model.history')).toBe('mlflow.log-model.history');
    expect(toTrackName(' '.repeat(100))).toBeNull();
  });

  it('keeps param strings exact, numbers when they print the same', () => {
    expect(toParamValue('0.01')).toBe(0.01);
    expect(toParamValue('100')).toBe(100);
    for (const s of ['1e-3', '01', '0.10', 'True', 'None', '', '-0', 'NaN', ' 1']) expect(fromParamValue(toParamValue(s))).toBe(s);
  });

  it('maps statuses', () => {
    expect(toRunStatus('FINISHED')).toBe('finished');
    expect(toRunStatus('RUNNING')).toBeNull();
    expect(fromRunStatus('running')).toBe('RUNNING');
    expect(fromRunStatus('killed')).toBe('KILLED');
  });

  it('turns well-known tags into fields and keeps the rest', () => {
    const f = tagsToFields(
      { 'mlflow.runName': 'r', 'mlflow.note.content': 'n', 'mlflow.parentRunId': 'P', 'mlflow.source.git.commit': 'ABCDEF1', 'mlflow.user': 'ada', 'my tag': 'v', 'mlflow.source.name': 'train.py' },
      (id) => (id === 'P' ? 'bbbbbbbbbbbb' : undefined),
    );
    expect(f).toEqual({
      name: 'r',
      note: 'n',
      parent: 'bbbbbbbbbbbb',
      commit: 'abcdef1',
      author: { name: 'ada', email: '' },
      tags: { 'my%20tag': 'v', 'mlflow.source.name': 'train.py' },
      rejected: [],
    });
    expect(tagsToFields({ 'mlflow.parentRunId': 'unknown' }, () => undefined).tags).toEqual({ 'mlflow.parentRunId': 'unknown' });
  });

  it('shows a manifest as an MLflow run', () => {
    const run = runFromManifest(manifest, { artifactUri: 'mlflow-artifacts:/x/artifacts', deleted: true });
    expect(run.info).toMatchObject({
      run_id: '3f9a21c0b7d4',
      run_name: 'baseline',
      experiment_id: experimentIdOf('churn'),
      status: 'FAILED',
      start_time: Date.parse('2026-05-30T10:15:02.500Z'),
      end_time: Date.parse('2026-05-30T10:15:04.750Z'),
      lifecycle_stage: 'deleted',
    });
    expect(run.data.params).toEqual([
      { key: 'lr', value: '0.01' },
      { key: 'learning rate', value: 'x' },
      { key: 'flags', value: '[1,2]' },
    ]);
    expect(manifestTags(manifest)).toEqual({
      team: 'growth',
      'mlflow.runName': 'baseline',
      'mlflow.note.content': 'first',
      'mlflow.parentRunId': 'aaaaaaaaaaaa',
      'mlflow.source.git.commit': 'a'.repeat(40),
      'mlflow.user': 'Ada',
    });
  });
});
