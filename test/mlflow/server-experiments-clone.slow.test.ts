/**
 * Experiments made with the real MLflow client (mlflow-skinny 2.22.0) through `git-track
 * server` travel with `git-track push` / `pull`: a teammate's clone, its own server started
 * there, sees the same ids, names, tags and lifecycle — also for experiments without a run.
 */
import { describe, expect, it } from 'vitest';
import { experimentIdOf } from '../../src/mlflow/mapping.js';
import { mlflowSkipReason } from '../helpers/mlflow-venv.js';
import { cloneOf, makeBare, makeOrigin } from '../helpers/remotes.js';
import { cli, git } from '../helpers/repo.js';
import { mlflowClientTests, startGitTrackServer } from './server-helpers.js';

const t = mlflowClientTests();

const LIST = `
import json
from mlflow import MlflowClient
from mlflow.entities import ViewType
c = MlflowClient()
print(json.dumps(sorted(([e.experiment_id, e.name, e.lifecycle_stage, e.tags] for e in c.search_experiments(view_type=ViewType.ALL)), key=lambda e: e[1])))
`;

describe.skipIf(mlflowSkipReason())('MLflow experiments shared through push and pull (the real client)', () => {
  it('a clone pulls experiments without runs and its own server gives the same ids, names and tags', async () => {
    const bare = makeBare();
    const origin = makeOrigin(bare);
    git(origin, 'push', '-q', 'origin', 'main');
    t.server = await startGitTrackServer(origin);
    const made = t.runPython(
      origin,
      t.server.url,
      `
import json
from mlflow import MlflowClient
c = MlflowClient()
churn = c.create_experiment("churn", tags={"team": "growth", "data set": "v2"})
c.set_experiment_tag(churn, "owner", "ada")
renamed = c.create_experiment("draft")
c.rename_experiment(renamed, "final")
gone = c.create_experiment("scratch")
c.delete_experiment(gone)
print(json.dumps({"churn": churn, "renamed": renamed, "gone": gone}))
`,
    );
    expect(made).toEqual({ churn: experimentIdOf('churn'), renamed: experimentIdOf('draft'), gone: experimentIdOf('scratch') });
    const before = t.runPython(origin, t.server.url, LIST);
    await t.server.stop();
    const pushed = cli(origin, 'push');
    expect(pushed.code, pushed.stderr).toBe(0);

    const clone = cloneOf(bare);
    const pulled = cli(clone, 'pull');
    expect(pulled.code, pulled.stderr).toBe(0);
    t.server = await startGitTrackServer(clone);
    const after = t.runPython(clone, t.server.url, LIST);
    expect(after).toEqual(before);
    expect(after).toEqual([
      ['0', 'Default', 'active', {}],
      [made.churn, 'churn', 'active', { team: 'growth', 'data set': 'v2', owner: 'ada' }],
      [made.renamed, 'final', 'active', {}],
      [made.gone, 'scratch', 'deleted', {}],
    ]);
    // A run in the clone's "final" lands in the experiment the origin created (its first name's id).
    const run = t.runPython(
      clone,
      t.server.url,
      `
import json, mlflow
mlflow.set_experiment("final")
with mlflow.start_run() as r:
    mlflow.log_metric("f1", 0.5)
print(json.dumps({"exp": r.info.experiment_id}))
`,
    );
    expect(run.exp).toBe(made.renamed);
    expect(git(clone, 'fsck', '--strict')).toBe('');
    expect(cli(clone, 'verify').code).toBe(0);
  }, 600_000);
});
