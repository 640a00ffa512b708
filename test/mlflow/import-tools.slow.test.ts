/**
 * The real MLflow the import tests drive: the client venv sees Debian's scikit-learn, and the
 * full package's `mlflow server` starts on a free loopback port with a SQLite backend.
 */
import { spawnSync } from 'node:child_process';
import { beforeAll, describe, expect, it } from 'vitest';
import { mlflowPython, mlflowSkipReason, startMlflowServer } from '../helpers/mlflow-venv.js';
import { tempDir } from '../helpers/repo.js';

describe.skipIf(mlflowSkipReason())('the pinned MLflow venvs', () => {
  let client: string;
  beforeAll(() => { client = mlflowPython('client'); }, 1_200_000);

  it('the client venv has mlflow-skinny 2.22.0 and Debian\'s scikit-learn', () => {
    const r = spawnSync(client, ['-c', 'import mlflow, sklearn; print(mlflow.__version__)'], { encoding: 'utf8' });
    expect(r.stderr).toBe('');
    expect(r.stdout.trim()).toBe('2.22.0');
  });

  it('is reused: a second call returns at once', () => {
    const started = Date.now();
    expect(mlflowPython('client')).toBe(client);
    expect(Date.now() - started).toBeLessThan(1000);
  });

  it('mlflow server answers on 127.0.0.1 and the client logs a run into it', async () => {
    const dir = tempDir('gt-mlflow-server-');
    const server = await startMlflowServer(dir);
    try {
      expect(server.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
      const r = spawnSync(client, ['-c', [
        'import mlflow',
        'mlflow.set_experiment("smoke")',
        'with mlflow.start_run() as run:',
        '    mlflow.log_param("a", 1)',
        'print(mlflow.get_run(run.info.run_id).data.params["a"])',
      ].join('\n')], { encoding: 'utf8', env: { ...process.env, MLFLOW_TRACKING_URI: server.url } });
      // The client prints "View run … at" links of its own to stdout before ours.
      expect(r.stdout.trim().split('\n').at(-1), r.stderr).toBe('1');
    } finally {
      await server.stop();
    }
    expect(server.process.exitCode !== null || server.process.signalCode !== null).toBe(true);
  }, 1_200_000);
});
