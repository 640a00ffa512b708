/**
 * `git-track ui`: serve the dashboard until Ctrl-C, or with `--export DIR` write it as a
 * static site.
 */
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { delimiter, join, resolve } from 'node:path';
import { GitTrackError, quoteInput } from '../../errors.js';
import { isLoopback, startUiServer } from '../../ui/server/start-server.js';
import type { CliContext } from '../context.js';

interface UiOptions {
  port?: string;
  host?: string;
  open?: boolean;
  filter?: string;
  export?: string;
}

export default async function ui(cli: CliContext, _args: unknown[], options: UiOptions): Promise<number> {
  const port = parsePort(options.port ?? '0');
  const host = options.host ?? '127.0.0.1';
  if (options.export !== undefined) {
    const { exportSite } = await import('../../ui/export/export-site.js');
    const result = await exportSite(cli.tracker(), resolve(cli.cwd, options.export), { filter: options.filter });
    cli.out(`exported ${result.runs} run${result.runs === 1 ? '' : 's'} (${result.files} files) to ${result.dir}; open ${join(result.dir, 'index.html')}`);
    return 0;
  }
  const server = await startUiServer({ ctx: cli.tracker(), host, port, filter: options.filter });
  if (!isLoopback(host)) cli.env.warn(`listening on ${host}: anyone who can reach this address can read every run, its params, logs and artifacts`);
  cli.out(`git-track dashboard: ${server.url}  (Ctrl-C to stop)`);
  // A fresh clone of many runs: say why the first minute is busy (small ones are done by now).
  const indexing = server.state.indexing?.build;
  if (indexing && indexing.total - indexing.read >= 1000) cli.out(`indexing ${indexing.total.toLocaleString('en-US')} runs (no query index yet): the table shows them as they are read`);
  if (options.open) openBrowser(cli, server.url);
  await new Promise<void>((done) => {
    const stop = () => {
      process.off('SIGINT', stop);
      process.off('SIGTERM', stop);
      void server.close().then(done);
    };
    process.on('SIGINT', stop);
    process.on('SIGTERM', stop);
  });
  return 0;
}

function parsePort(text: string): number {
  const port = Number(text);
  if (!/^\d+$/.test(text.trim()) || !Number.isInteger(port) || port > 65535) throw new GitTrackError('USAGE', `--port expects a port number from 0 to 65535, got ${quoteInput(text)}`);
  return port;
}

/** Open `url` with the desktop's opener when there is one; say so when there is none. */
function openBrowser(cli: CliContext, url: string): void {
  const opener = process.platform === 'darwin' ? 'open' : process.platform === 'win32' ? undefined : 'xdg-open';
  const found = opener && (process.env.PATH ?? '').split(delimiter).some((d) => d !== '' && existsSync(join(d, opener)));
  if (!found) {
    cli.env.warn(`--open: no ${opener ?? 'browser opener'} found; open ${url} yourself`);
    return;
  }
  const child = spawn(opener, [url], { stdio: 'ignore', detached: true });
  child.on('error', () => cli.env.warn(`--open: ${opener} failed; open ${url} yourself`));
  child.unref();
}
