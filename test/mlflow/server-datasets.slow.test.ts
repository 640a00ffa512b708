/**
 * Datasets logged through the real MLflow client (mlflow-skinny 2.22.0) into `git-track server`
 * come back exactly once the run is recorded: an empty digest, spaces, quotes, line breaks and
 * any Unicode in digest and source, a name with a space, two datasets of one name, through `get_run` and `search_runs` with `datasets.*`
 * filters. Runs recorded in the earlier form (`dataset.<name>` = "<digest> <source>") still
 * read as they always did.
 */
import { describe, expect, it } from 'vitest';
import { cli, git, makeRepo } from '../helpers/repo.js';
import { mlflowSkipReason } from '../helpers/mlflow-venv.js';
import { mlflowClientTests, startGitTrackServer } from './server-helpers.js';

const t = mlflowClientTests();

/** name, digest, source, context: every one must come back exactly. */
const ODD: [string, string, string, string | null][] = [
  ['empty-digest', '', 's3://bucket/data set/train.csv', 'training'],
  ['quotes', 'a "b" c', `{"uri": "/data/it's \\"quoted\\".csv"}`, 'eval'],
  ['unicode', 'ü✓𝄞', 'gs://données/日本語/😀 x.parquet', null],
  ['no-source', 'd4', '', null],
  ['both-empty', '', '', null],
  ['lines', 'x\ny', 'line1\nline2\r\n  tail ', 'training'],
  ['spaces', ' d ', '  ', null],
  ['wine quality.v2', 'd5', 's3://b/wine.csv', 'eval'],
];

const SCRIPT = `
import json, sys, mlflow
from mlflow import MlflowClient
from mlflow.entities import Dataset, DatasetInput, InputTag
spec = json.load(sys.stdin)
c = MlflowClient()
e = c.create_experiment("ds")
run = c.create_run(e, run_name="odd")
c.log_inputs(run.info.run_id, [
    DatasetInput(Dataset(name=n, digest=d, source_type="http", source=s), [InputTag("mlflow.data.context", ctx)] if ctx else [])
    for n, d, s, ctx in spec["odd"]])
c.set_terminated(run.info.run_id)
plain = c.create_run(e, run_name="plain")
c.log_inputs(plain.info.run_id, [DatasetInput(Dataset(name="iris", digest="d0", source_type="s3", source="s3://b/iris.csv"), [])])
c.set_terminated(plain.info.run_id)
from mlflow.data.meta_dataset import MetaDataset
from mlflow.data.http_dataset_source import HTTPDatasetSource
mlflow.set_experiment(experiment_id=e)
with mlflow.start_run(run_name="unnamed"):
    # No names: MLflow calls both "dataset".
    mlflow.log_input(MetaDataset(HTTPDatasetSource("http://h/train.csv")), context="training")
    mlflow.log_input(MetaDataset(HTTPDatasetSource("http://h/test.csv")), context="eval")
def names(f):
    return sorted(r.info.run_name for r in c.search_runs(["0", e], f))
def inputs(name):
    r = c.search_runs(["0", e], "attributes.run_name = '%s'" % name)[0]
    return [[d.dataset.name, d.dataset.digest, d.dataset.source, d.dataset.source_type, [t.value for t in d.tags]]
            for d in sorted(c.get_run(r.info.run_id).inputs.dataset_inputs, key=lambda d: d.dataset.name)]
print(json.dumps({
    "odd": inputs("odd"),
    "plain": inputs("plain"),
    "legacy": inputs("legacy"),
    "unnamed": inputs("unnamed"),
    "searched": [[d.dataset.name, d.dataset.digest, d.dataset.source] for d in c.search_runs([e], "attributes.run_name = 'odd'")[0].inputs.dataset_inputs
                 if d.dataset.name == "empty-digest"],
    "filters": {f: names(f) for f in spec["filters"]},
}, ensure_ascii=False))
`;

describe.skipIf(mlflowSkipReason())('git-track server: datasets through the real MLflow client', () => {
  it('gives back every digest and source exactly, and reads runs recorded in the earlier form as before', async () => {
    const dir = makeRepo({ commit: true });
    // A run recorded by an earlier git-track: one tag "<digest> <source>", context beside it;
    // and one whose digest was empty then, so its source was read as the digest.
    cli(dir, 'log', '--name', 'legacy', '-t', 'dataset.old=d9 s3://b/old data.csv', '-t', 'dataset.old.context=training', '-t', 'dataset.lossy=s3://b/only-source.csv');
    t.server = await startGitTrackServer(dir);
    const filters = [
      "datasets.digest = ''",
      `datasets.digest = 'a "b" c'`,
      "datasets.digest = 'ü✓𝄞'",
      "datasets.digest = ' d '",
      "datasets.digest IN ('d4', 'd9')",
      "datasets.digest = 'd0'",
      "datasets.digest LIKE 's3://%'",
      "datasets.name = 'old' and datasets.context = 'training'",
      "datasets.name = 'both-empty'",
      "datasets.context = 'eval'",
      "datasets.name = 'wine quality.v2'",
      "datasets.name = 'dataset' and datasets.context = 'eval'",
    ];
    const out = t.runPython(dir, t.server.url, SCRIPT, { input: { odd: ODD, filters } });
    const expected = [...ODD]
      .sort(([a], [b]) => (a < b ? -1 : 1))
      .map(([name, digest, source, context]) => [name, digest, source, 'http', context ? [context] : []]);
    expect(out.odd).toEqual(expected);
    expect(out.plain).toEqual([['iris', 'd0', 's3://b/iris.csv', 's3', []]]);
    expect(out.legacy).toEqual([
      ['lossy', 's3://b/only-source.csv', '', '', []],
      ['old', 'd9', 's3://b/old data.csv', '', ['training']],
    ]);
    expect(out.searched).toEqual([['empty-digest', '', 's3://bucket/data set/train.csv']]);
    expect(out.filters).toEqual({
      "datasets.digest = ''": ['odd'],
      [`datasets.digest = 'a "b" c'`]: ['odd'],
      "datasets.digest = 'ü✓𝄞'": ['odd'],
      "datasets.digest = ' d '": ['odd'],
      "datasets.digest IN ('d4', 'd9')": ['legacy', 'odd'],
      "datasets.digest = 'd0'": ['plain'],
      // The earlier form's lossy reading is kept: its source stands as the digest.
      "datasets.digest LIKE 's3://%'": ['legacy'],
      "datasets.name = 'old' and datasets.context = 'training'": ['legacy'],
      "datasets.name = 'both-empty'": ['odd'],
      "datasets.context = 'eval'": ['odd', 'unnamed'],
      "datasets.name = 'wine quality.v2'": ['odd'],
      "datasets.name = 'dataset' and datasets.context = 'eval'": ['unnamed'],
    });
    // Two datasets MLflow named alike ("dataset"), both kept.
    expect(out.unnamed.map((d: unknown[]) => [d[0], JSON.parse(d[2] as string).url, d[4]]).sort()).toEqual([
      ['dataset', 'http://h/test.csv', ['eval']],
      ['dataset', 'http://h/train.csv', ['training']],
    ]);
    expect(new Set(out.unnamed.map((d: unknown[]) => d[1])).size).toBe(2);

    // On the branch: one tag per field, exact, readable with plain git and git-track show.
    const id = JSON.parse(cli(dir, 'list', '--filter', "name = 'odd'", '--json').stdout)[0].id as string;
    const tags = JSON.parse(cli(dir, 'show', id, '--json').stdout).tags as Record<string, string>;
    expect(tags).toMatchObject({
      'dataset.empty-digest': 's3://bucket/data set/train.csv',
      'dataset.empty-digest.digest': '',
      'dataset.empty-digest.context': 'training',
      'dataset.lines': 'line1\nline2\r\n  tail ',
      'dataset.lines.digest': 'x\ny',
      'dataset.both-empty': '',
      'dataset.both-empty.digest': '',
      // A name a tag cannot hold as it is, written as MLflow keys are.
      'dataset.wine%20quality.v2': 's3://b/wine.csv',
      'dataset.wine%20quality.v2.digest': 'd5',
      'dataset.wine%20quality.v2.context': 'eval',
    });
    const yaml = git(dir, 'show', `runs:runs/${id.slice(0, 2)}/${id}/run.yaml`);
    expect(yaml).toContain('dataset.no-source.digest: d4\n');
    git(dir, 'fsck', '--strict');
  }, 300_000);
});
