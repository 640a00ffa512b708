/**
 * `import mlflow --server` against a hostile server (no real MLflow server sends these, so a
 * small one speaks MLflow's REST shapes here): artifact paths that climb out of the run's
 * root, downloads larger than listed, endless paging. Each bad run costs one line; nothing is
 * written outside the repository. The binary runs asynchronously: this process serves it.
 */
import { createServer, type Server } from 'node:http';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { cliAsync, git, makeRepo } from '../helpers/repo.js';
import { idsOf, showJson } from './import-fixture.js';

type Handler = (path: string, query: URLSearchParams, body: any) => { status?: number; json?: unknown; raw?: Buffer };

let server: Server | undefined;
afterEach(async () => {
  await new Promise((r) => server?.close(r) ?? r(undefined));
  server = undefined;
});

async function serve(handler: Handler): Promise<string> {
  server = createServer((req, res) => {
    let text = '';
    req.on('data', (d) => (text += d));
    req.on('end', () => {
      const url = new URL(req.url!, 'http://x');
      const out = handler(url.pathname, url.searchParams, text ? JSON.parse(text) : {});
      res.writeHead(out.status ?? 200, { 'content-type': out.raw ? 'application/octet-stream' : 'application/json' });
      res.end(out.raw ?? JSON.stringify(out.json ?? {}));
    });
  });
  await new Promise<void>((r) => server!.listen(0, '127.0.0.1', r));
  const address = server.address();
  return `http://127.0.0.1:${typeof address === 'object' && address ? address.port : 0}`;
}

const run = (id: string) => ({
  info: { run_id: id, run_uuid: id, experiment_id: '1', run_name: id, user_id: 'eve', status: 'FINISHED', start_time: 1767225600000, end_time: 1767225660000, artifact_uri: `mlflow-artifacts:/1/${id}/artifacts`, lifecycle_stage: 'active' },
  data: { params: [{ key: 'lr', value: '0.1' }], tags: [], metrics: [] },
});

describe('import mlflow --server: a hostile server', () => {
  it('a listed artifact outside the run, or a download larger than listed, costs that run only', async () => {
    const url = await serve((path, query) => {
      if (path.endsWith('/experiments/search')) return { json: { experiments: [{ experiment_id: '1', name: 'x', lifecycle_stage: 'active' }] } };
      if (path.endsWith('/runs/search')) return { json: { runs: [run('climb'), run('flood'), run('good')] } };
      if (path.endsWith('/artifacts/list')) {
        const id = query.get('run_id');
        if (id === 'climb') return { json: { files: [{ path: '../../../.git/hooks/post-checkout', is_dir: false, file_size: 5 }] } };
        return { json: { files: [{ path: 'model.txt', is_dir: false, file_size: 5 }] } };
      }
      if (path.includes('/mlflow-artifacts/artifacts/1/flood/')) return { raw: Buffer.alloc(1024 * 1024, 120) };
      if (path.includes('/mlflow-artifacts/artifacts/1/good/')) return { raw: Buffer.from('hello') };
      return { status: 404, json: { error_code: 'ENDPOINT_NOT_FOUND', message: path } };
    });
    const repo = makeRepo();
    const r = await cliAsync(repo, 'import', 'mlflow', '--server', url, '--json');
    expect(r.code).toBe(1);
    expect(r.stderr.trim().split('\n')).toEqual([
      "warning: MLflow run climb: the server listed artifact '../../../.git/hooks/post-checkout' outside the artifact root; run not imported",
      'warning: MLflow run flood: artifact model.txt: the server sent more than the 5 bytes it listed; run not imported',
    ]);
    expect([...idsOf(r.stdout).keys()]).toEqual(['good']);
    expect(showJson(repo, idsOf(r.stdout).get('good')!).artifacts[0]).toMatchObject({ path: 'model.txt', size: 5 });
    expect(existsSync(join(repo, '.git', 'hooks', 'post-checkout'))).toBe(false);
  });

  it('a page token that never ends the listing: one line, exit 1, nothing written', async () => {
    const url = await serve((path) => {
      if (path.endsWith('/experiments/search')) return { json: { experiments: [{ experiment_id: '1', name: 'x' }], next_page_token: 'again' } };
      return { status: 404, json: {} };
    });
    const repo = makeRepo();
    const r = await cliAsync(repo, 'import', 'mlflow', '--server', url);
    expect(r.code).toBe(1);
    expect(r.stderr.trim()).toBe('git-track: the MLflow server returned the same page token twice');
    expect(() => git(repo, 'rev-parse', '--verify', '-q', 'runs')).toThrow();
  });

  it('an answer broken off half-way is one line naming the server and the answer, nothing written', async () => {
    server = createServer((req, res) => {
      res.writeHead(200, { 'content-type': 'application/json', 'content-length': '1000' });
      res.write('{"experiments": [');
      setTimeout(() => res.socket?.destroy(), 50);
    });
    await new Promise<void>((r) => server!.listen(0, '127.0.0.1', r));
    const address = server.address();
    const url = `http://127.0.0.1:${typeof address === 'object' && address ? address.port : 0}`;
    const repo = makeRepo();
    const r = await cliAsync(repo, 'import', 'mlflow', '--server', url);
    expect(r.code).toBe(1);
    expect(r.stderr.trim()).toBe(`git-track: the MLflow server ${url}: the answer to experiments/search: the connection broke off (ECONNRESET)`);
    expect(() => git(repo, 'rev-parse', '--verify', '-q', 'runs')).toThrow();
  });

  it('an answer that is not JSON is one line naming the server', async () => {
    const url = await serve(() => ({ raw: Buffer.from('<html>proxy login</html>') }));
    const r = await cliAsync(makeRepo(), 'import', 'mlflow', '--server', url);
    expect(r.code).toBe(1);
    expect(r.stderr.trim()).toBe(`git-track: the MLflow server ${url} answered experiments/search with something that is not JSON`);
  });
});
