// git's own smart-HTTP server for tests: `git http-backend` (CGI) behind a Node HTTP server on
// 127.0.0.1 at a random port. Runs as its own process, because the tests drive the CLI with
// spawnSync, which would block a server living in the test process.
//
//   node git-http-server.mjs <project-root> [user:password]
// prints the port on stdout, then serves until killed. With GIT_HTTP_LOG=<file>, each request
// appends a line "<METHOD> <path>?<query>" to that file (benchmarks count the pushes a server saw).
// With GIT_HTTP_PROTOCOL_V0=1, the client's Git-Protocol header is not passed on, so git
// answers in protocol v0, as behind a front end that drops it.
import { spawn } from 'node:child_process';
import { appendFileSync } from 'node:fs';
import http from 'node:http';

const [root, auth] = process.argv.slice(2);
const expected = auth ? `Basic ${Buffer.from(auth).toString('base64')}` : null;

const server = http.createServer((req, res) => {
  if (expected && req.headers.authorization !== expected) {
    res.writeHead(401, { 'WWW-Authenticate': 'Basic realm="git-track test"' });
    res.end('unauthorized\n');
    req.resume();
    return;
  }
  const url = new URL(req.url, 'http://localhost');
  if (process.env.GIT_HTTP_LOG) appendFileSync(process.env.GIT_HTTP_LOG, `${req.method} ${url.pathname}${url.search}\n`);
  const env = {
    PATH: process.env.PATH,
    GIT_PROJECT_ROOT: root,
    GIT_HTTP_EXPORT_ALL: '1',
    PATH_INFO: decodeURIComponent(url.pathname),
    QUERY_STRING: url.search.slice(1),
    REQUEST_METHOD: req.method,
    CONTENT_TYPE: req.headers['content-type'] ?? '',
    REMOTE_USER: auth ? auth.split(':')[0] : '',
    REMOTE_ADDR: '127.0.0.1',
  };
  if (req.headers['content-length']) env.CONTENT_LENGTH = req.headers['content-length'];
  if (req.headers['content-encoding']) env.HTTP_CONTENT_ENCODING = req.headers['content-encoding'];
  if (req.headers['git-protocol'] && !process.env.GIT_HTTP_PROTOCOL_V0) env.GIT_PROTOCOL = req.headers['git-protocol'];
  const cgi = spawn('git', ['http-backend'], { env, stdio: ['pipe', 'pipe', 'inherit'] });
  req.pipe(cgi.stdin);
  let head = Buffer.alloc(0);
  let started = false;
  cgi.stdout.on('data', (chunk) => {
    if (started) return void res.write(chunk);
    head = Buffer.concat([head, chunk]);
    let end = head.indexOf('\r\n\r\n');
    let sep = 4;
    if (end < 0) {
      end = head.indexOf('\n\n');
      sep = 2;
    }
    if (end < 0) return;
    started = true;
    let status = 200;
    const headers = {};
    for (const line of head.subarray(0, end).toString('latin1').split(/\r?\n/)) {
      const colon = line.indexOf(':');
      const key = line.slice(0, colon).trim();
      const value = line.slice(colon + 1).trim();
      if (key.toLowerCase() === 'status') status = Number.parseInt(value, 10);
      else headers[key] = value;
    }
    res.writeHead(status, headers);
    res.write(head.subarray(end + sep));
  });
  cgi.stdout.on('end', () => res.end());
});
server.listen(0, '127.0.0.1', () => process.stdout.write(`${server.address().port}\n`));
