/**
 * How a dataset is kept in a manifest's tags (src/mlflow/dataset-tags.ts): exactly, one tag per
 * field, whether it comes from MLflow's log-inputs or the Python helper's inputs.json; and
 * tags of the earlier form ("<digest> <source>" in one tag) read exactly as they always were.
 * The real MLflow client is in server-datasets.slow.test.ts.
 */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { readInputs } from '../../src/capture/program-files.js';
import { datasetRecordTags } from '../../src/mlflow/dataset-tags.js';
import { datasetInputsOf, fromTrackName } from '../../src/mlflow/mapping.js';
import { makeRepo } from '../helpers/repo.js';
import { api, startGitTrackServer, type TestServer } from './server-helpers.js';

const FIELDS = [
  { digest: '', source: 's3://b/x y.csv' },
  { digest: 'a b', source: '' },
  { digest: '', source: '' },
  { digest: ' ', source: ' ' },
  { digest: 'd"0\'', source: '{"uri": "it\'s"}' },
  { digest: 'x\r\ny', source: 'ü\n😀\t𝄞 ' },
  { digest: 'unnamed', source: 'source' },
];

/** Tags with their keys as MLflow reads them (manifestTags does the same). */
const manifestTagsOf = (tags: Record<string, string>) => Object.fromEntries(Object.entries(tags).map(([k, v]) => [fromTrackName(k), v]));

let server: TestServer | undefined;
afterEach(async () => {
  await server?.stop();
  server = undefined;
});

describe('dataset tags', () => {
  it('round-trips every digest and source through the tags', () => {
    for (const fields of FIELDS) {
      const tags = { ...datasetRecordTags([{ name: 'iris', ...fields, context: 'training' }]).tags, team: 'a' };
      const { inputs, rest } = datasetInputsOf(tags);
      expect(rest, JSON.stringify(fields)).toEqual({ team: 'a' });
      expect(inputs, JSON.stringify(fields)).toEqual([
        { tags: [{ key: 'mlflow.data.context', value: 'training' }], dataset: { name: 'iris', digest: fields.digest, source_type: '', source: fields.source } },
      ]);
    }
  });

  it('keeps datasets of one name and different digests apart (MLflow names every unnamed dataset "dataset")', () => {
    const logged = [
      { name: 'dataset', digest: 'd1', source: 's3://b/train.csv', context: 'training' },
      { name: 'dataset~2', digest: 'x', source: 'a real name' },
      { name: 'dataset', digest: 'd2', source: 's3://b/test.csv', context: 'eval' },
      { name: 'dataset', digest: 'd1', source: 's3://b/train.csv', context: 'training', sourceType: 's3' }, // again: replaces the first
      { name: 'dataset', digest: 'd3', source: '' },
    ];
    const { tags, refused } = datasetRecordTags(logged);
    expect(refused).toEqual([]);
    expect(tags).toEqual({
      'dataset.dataset': 's3://b/train.csv',
      'dataset.dataset.digest': 'd1',
      'dataset.dataset.context': 'training',
      'dataset.dataset.source_type': 's3',
      'dataset.dataset~2': 'a real name',
      'dataset.dataset~2.digest': 'x',
      'dataset.dataset~3': 's3://b/test.csv',
      'dataset.dataset~3.digest': 'd2',
      'dataset.dataset~3.context': 'eval',
      'dataset.dataset~3.name': 'dataset',
      'dataset.dataset~4': '',
      'dataset.dataset~4.digest': 'd3',
      'dataset.dataset~4.name': 'dataset',
    });
    expect(datasetInputsOf(tags).inputs.map((i) => [i.dataset.name, i.dataset.digest, i.dataset.source, i.tags?.[0]?.value])).toEqual([
      ['dataset', 'd1', 's3://b/train.csv', 'training'],
      ['dataset~2', 'x', 'a real name', undefined],
      ['dataset', 'd2', 's3://b/test.csv', 'eval'],
      ['dataset', 'd3', '', undefined],
    ]);
  });

  it('reads tags of the earlier form as it always did, lossy cases included', () => {
    const { inputs, rest } = datasetInputsOf({
      'dataset.old': 'd0 s3://b/a b.csv',
      'dataset.old.source_type': 's3',
      'dataset.bare': 'd1',
      // The earlier writer's empty digest: the source stood first, and still reads as the digest.
      'dataset.lossy': 's3://b/only.csv',
      'dataset.none': 'unnamed source',
    });
    expect(rest).toEqual({});
    expect(inputs.map((i) => i.dataset)).toEqual([
      { name: 'old', digest: 'd0', source_type: 's3', source: 's3://b/a b.csv' },
      { name: 'bare', digest: 'd1', source_type: '', source: '' },
      { name: 'lossy', digest: 's3://b/only.csv', source_type: '', source: '' },
      { name: 'none', digest: 'unnamed', source_type: '', source: 'source' },
    ]);
  });

  it('keeps what the Python helper wrote in inputs.json exactly, and cuts only past a tag value limit, with a warning', () => {
    const dir = mkdtempSync(join(tmpdir(), 'gt-inputs-'));
    const long = 'x'.repeat(9000);
    writeFileSync(
      join(dir, 'inputs.json'),
      JSON.stringify([
        { name: 'train', digest: '', source: 'http://h/a b.csv\nnext', context: 'training' },
        { name: 'eval', source: 'gs://b/ü.csv' },
        { name: 'raw', digest: 'd 1' },
        { name: 'big', digest: 'd', source: long },
        { name: 'x'.repeat(245), digest: 'd', source: 's' },
        { name: 'wine quality', digest: 'd2', source: 's3://b/w.csv' },
        { name: '.hidden 100%', digest: 'd3', source: '' },
      ]),
    );
    const warnings: string[] = [];
    const out = readInputs(dir, 'r1', (m) => warnings.push(m));
    expect(out.data).toEqual([]);
    expect(out.tags).toEqual({
      'dataset.train': 'http://h/a b.csv\nnext',
      'dataset.train.digest': '',
      'dataset.train.context': 'training',
      'dataset.eval': 'gs://b/ü.csv',
      'dataset.eval.digest': '',
      'dataset.raw': '',
      'dataset.raw.digest': 'd 1',
      'dataset.big': long.slice(0, 8000),
      'dataset.big.digest': 'd',
      'dataset.wine%20quality': 's3://b/w.csv',
      'dataset.wine%20quality.digest': 'd2',
      'dataset.%2Ehidden%20100%25': '',
      'dataset.%2Ehidden%20100%25.digest': 'd3',
    });
    // Read back (as the server does, tag keys decoded) under the names given.
    expect(datasetInputsOf(manifestTagsOf(out.tags)).inputs.map((i) => [i.dataset.name, i.dataset.digest])).toEqual([
      ['train', ''],
      ['eval', ''],
      ['raw', 'd 1'],
      ['big', 'd'],
      ['wine quality', 'd2'],
      ['.hidden 100%', 'd3'],
    ]);
    expect(warnings).toEqual([
      "run r1: inputs.json: dataset 'big': its source is 9000 characters; kept the first 8000 (MAX_TAG_VALUE_CHARS)",
      `run r1: inputs.json: a dataset without a valid name ('${'x'.repeat(100)}…' is too long); ignored`,
    ]);
  });

  it('refuses at log-inputs a digest, source or name the run could not record, as MLflow refuses too long ones', async () => {
    const dir = makeRepo({ commit: true });
    server = await startGitTrackServer(dir);
    const { url } = server;
    const run = (await api(url, 'runs/create', { experiment_id: '0', run_name: 'r' })).json.run.info.run_id;
    const log = (digest: string, source: string) => api(url, 'runs/log-inputs', { run_id: run, datasets: [{ dataset: { name: 'd', digest, source_type: 'local', source } }] });
    for (const [digest, source, name] of [['x'.repeat(37), 's', 'd'], ['d', 's'.repeat(8001), 'd'], ['d', 's', 'n'.repeat(240)]]) {
      const r = await api(url, 'runs/log-inputs', { run_id: run, datasets: [{ dataset: { name, digest, source_type: 'local', source } }] });
      expect(r.status).toBe(400);
      expect(r.json.error_code).toBe('INVALID_PARAMETER_VALUE');
    }
    expect((await log('x'.repeat(36), 's'.repeat(8000))).status).toBe(200);
    // A name that fits alone, but not as the second of its name (dataset.<name>~2.source_type).
    const long = 'n'.repeat(235);
    const inputs = (digest: string) => api(url, 'runs/log-inputs', { run_id: run, datasets: [{ dataset: { name: long, digest, source_type: 'local', source: 's' } }] });
    expect((await inputs('a')).status).toBe(200);
    expect((await inputs('a')).status).toBe(200); // the same again: nothing new
    const second = await inputs('b');
    expect(second.status).toBe(400);
    expect(second.json.message).toContain('is too long');
    expect((await api(url, 'runs/update', { run_id: run, status: 'FINISHED' })).status).toBe(200);
    const got = await api(url, 'runs/get', { run_id: run }, { method: 'GET' });
    expect(got.json.run.inputs.dataset_inputs).toEqual([
      { dataset: { name: 'd', digest: 'x'.repeat(36), source_type: 'local', source: 's'.repeat(8000) } },
      { dataset: { name: long, digest: 'a', source_type: 'local', source: 's' } },
    ]);
  });
});
