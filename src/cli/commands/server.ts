/**
 * `git-track server`: MLflow's tracking REST API over the repository's `runs` branch, until
 * interrupted. Runs still in progress when it stops stay staged and are recorded as killed by
 * the next server start, `list` or `recover`.
 */
import { GitTrackError } from '../../errors.js';
import type { CliContext } from '../context.js';

interface ServerOptions {
  port?: string;
  host?: string;
  token?: string;
}

export default async function server(cli: CliContext, _args: unknown[], options: ServerOptions): Promise<number> {
  const portText = options.port ?? '5000';
  const port = Number(portText);
  if (!/^\d+$/.test(portText) || port > 65535) throw new GitTrackError('USAGE', `--port must be a number from 0 to 65535, got '${portText}'`);
  const host = options.host ?? '127.0.0.1';
  const token = options.token ?? (process.env.GIT_TRACK_SERVER_TOKEN || undefined);
  const { startServer } = await import('../../mlflow/server/http-server.js');
  const running = await startServer(cli.tracker(), { host, port, token });
  const url = running.url;
  process.stderr.write(
    `git-track server: MLflow tracking API on ${url}${token ? ' (token required)' : ''}\n` +
      `  export MLFLOW_TRACKING_URI=${url}${token ? ' MLFLOW_TRACKING_TOKEN=…' : ''}\n` +
      'Stop with Ctrl-C.\n',
  );
  await new Promise<void>((resolve) => {
    const stop = () => {
      process.off('SIGINT', stop);
      process.off('SIGTERM', stop);
      resolve();
    };
    process.on('SIGINT', stop);
    process.on('SIGTERM', stop);
  });
  await running.close();
  const left = running.store.active.size;
  if (left) process.stderr.write(`git-track server: stopped; ${left} run(s) still in progress stay staged and will be recorded as killed\n`);
  return 0;
}
