/**
 * The built front end (`dist/ui/`), served at `/`. Paths never leave the site's directory and
 * no symlink in it is followed; page URLs without an extension get `index.html`, so a URL
 * holding a view's state opens that view.
 */
import { closeSync, constants, createReadStream, existsSync, fstatSync, openSync, realpathSync } from 'node:fs';
import type { ServerResponse } from 'node:http';
import { extname, join, sep } from 'node:path';
import { fileURLToPath } from 'node:url';

const TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.mjs': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.json': 'application/json; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.ico': 'image/x-icon',
  '.woff2': 'font/woff2',
  '.woff': 'font/woff',
  '.ttf': 'font/ttf',
  '.map': 'application/json; charset=utf-8',
  '.txt': 'text/plain; charset=utf-8',
};

/**
 * Where the built front end is: `dist/ui/` beside the built CLI (its chunks sit in `dist/`),
 * or, when running from the sources (tests), the repository's `dist/ui/`. Null when not built.
 *
 * @example
 * webRoot(); // '/usr/lib/node_modules/git-track/dist/ui' or null
 */
export function webRoot(): string | null {
  for (const rel of ['./ui/', '../../../dist/ui/']) {
    const dir = fileURLToPath(new URL(rel, import.meta.url));
    if (existsSync(join(dir, 'index.html'))) return dir.replace(/[/\\]$/, '');
  }
  return null;
}

/** The page served while the front end is not built. */
export const NOT_BUILT_PAGE = `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>git-track</title></head>
<body><h1>git-track dashboard</h1>
<p>The dashboard's front end is not built in this installation (no <code>dist/ui/index.html</code>).
Build it with <code>npm run build</code>. The JSON API is served under <a href="/api/info">/api/</a>
(see docs/ui-api.md).</p></body></html>
`;

/**
 * Answer a GET for `pathname` from `root` (or the not-built page); false when nothing matched.
 *
 * @example
 * serveStatic(res, webRoot(), '/assets/app.js', false);
 */
export function serveStatic(res: ServerResponse, root: string | null, pathname: string, headOnly: boolean): boolean {
  const headers = { 'X-Content-Type-Options': 'nosniff', 'Cache-Control': 'no-cache', 'Referrer-Policy': 'no-referrer' };
  if (!root) {
    if (pathname !== '/' && pathname !== '/index.html') return false;
    res.writeHead(200, { ...headers, 'Content-Type': TYPES['.html']! });
    res.end(headOnly ? undefined : NOT_BUILT_PAGE);
    return true;
  }
  let rel: string;
  try {
    rel = decodeURIComponent(pathname);
  } catch {
    return false;
  }
  const segments = rel.split('/').filter((s) => s !== '');
  if (segments.some((s) => s === '..' || s === '.' || s.includes('\\') || s.includes('\0'))) return false;
  // A page URL (no extension) is the single-page app's: its state is in the URL.
  const file = segments.length === 0 || extname(segments.at(-1)!) === '' ? join(root, 'index.html') : join(root, ...segments);
  let fd: number;
  try {
    fd = openSync(file, constants.O_RDONLY | constants.O_NOFOLLOW);
  } catch {
    return false;
  }
  try {
    // No directory on the way may be a symlink out of the site.
    const real = realpathSync(file);
    const stat = fstatSync(fd);
    if (!stat.isFile() || !(real === join(realpathSync(root), 'index.html') || real.startsWith(realpathSync(root) + sep))) {
      closeSync(fd);
      return false;
    }
    res.writeHead(200, { ...headers, 'Content-Type': TYPES[extname(file).toLowerCase()] ?? 'application/octet-stream', 'Content-Length': String(stat.size) });
    if (headOnly) {
      closeSync(fd);
      res.end();
    } else createReadStream('', { fd, autoClose: true }).pipe(res);
    return true;
  } catch {
    closeSync(fd);
    return false;
  }
}
