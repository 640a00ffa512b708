// Build the CLI and the library into dist/ with esbuild. Dependencies are bundled and each
// command becomes its own chunk, so start-up parses only what the command uses.
import { build } from 'esbuild';
import { execFileSync, spawnSync } from 'node:child_process';
import { copyFileSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { buildLogBundle } from './build-log-bundle.mjs';

rmSync(new URL('../dist', import.meta.url), { recursive: true, force: true });
const node = {
  bundle: true,
  format: 'esm',
  platform: 'node',
  // Loaded lazily with require() (src/manifest/codec.ts), only when a file needs real YAML parsing.
  // @resvg/resvg-js is a native addon (a prebuilt .node per platform), imported only by
  // `plot -o FILE.png` (src/plot/plot-runs.ts): it cannot be bundled.
  // The AWS SDK loads only for an s3 artifact store (src/artifacts/stores/open-store.ts).
  external: ['yaml', '@resvg/resvg-js', '@aws-sdk/*'],
  target: 'node20',
  // Bundled CommonJS dependencies call require(); give the ESM output one.
  banner: { js: "import { createRequire as __gtCreateRequire } from 'node:module'; const require = __gtCreateRequire(import.meta.url);" },
  logLevel: 'warning',
  legalComments: 'none',
  // Minified: parsing the bundled zod + yaml is most of a command's start-up (measured).
  minify: !process.env.GT_NO_MINIFY,
  sourcemap: 'linked',
};
await build({
  ...node,
  entryPoints: { cli: 'src/cli/main.ts', index: 'src/index.ts' },
  outdir: 'dist',
  splitting: true,
  chunkNames: '[name]-[hash]',
});

// `git-track log`, the hot path, has a build of its own (see scripts/build-log-bundle.mjs).
await buildLogBundle(node);

// The manual page, from the same command declarations as --help: `git track --help` runs
// `man git-track`, and npm links dist/man/man1/git-track.1 (package.json `man`) on install.
// Bundled into dist/ itself, so commander resolves and the version is read from package.json.
{
  const entry = new URL('../dist/.man-page.mjs', import.meta.url);
  try {
    await build({ entryPoints: ['scripts/man-page-entry.ts'], outfile: entry.pathname, bundle: true, packages: 'external', format: 'esm', platform: 'node', target: 'node20', logLevel: 'warning' });
    const page = execFileSync(process.execPath, [entry.pathname], { encoding: 'utf8' });
    mkdirSync(new URL('../dist/man/man1', import.meta.url), { recursive: true });
    writeFileSync(new URL('../dist/man/man1/git-track.1', import.meta.url), page);
  } finally {
    rmSync(entry, { force: true });
  }
}

// The Python package as a wheel and an sdist (dist/python/), by its own standard-library
// backend; a machine without python3 builds everything else.
const python = ['python3', 'python'].find((p) => spawnSync(p, ['-c', 'import sys; sys.exit(sys.version_info < (3, 8))']).status === 0);
if (python) execFileSync(python, ['python/build_backend/git_track_build.py', 'dist/python'], { stdio: ['ignore', 'ignore', 'inherit'] });
else process.stderr.write('build: no python3 found; the Python wheel and sdist (dist/python/) were not built\n');
// The dashboard (src/ui/web/) → dist/ui/, served by `git-track ui` and copied by `--export`.
// Classic scripts, not ES modules: Chromium refuses module scripts and import() on file://
// pages, and the export must open from file://. The chart libraries are separate bundles the
// page adds as <script> tags only on the views that draw charts (src/ui/web/charts/load-chunk.ts).
{
  const ui = new URL('../dist/ui/', import.meta.url);
  await build({
    entryPoints: {
      app: 'src/ui/web/main.ts',
      'chart-lines': 'src/ui/web/charts/lines-chunk.ts',
      'chart-plots': 'src/ui/web/charts/plots-chunk.ts',
      style: 'src/ui/web/style.css',
    },
    outdir: ui.pathname,
    bundle: true,
    format: 'iife',
    platform: 'browser',
    target: ['chrome109', 'firefox115', 'safari16'],
    logLevel: 'warning',
    legalComments: 'none',
    minify: !process.env.GT_NO_MINIFY,
    // No source maps: they would triple what every --export copies (ECharts' alone is 3 MB).
    sourcemap: false,
  });
  copyFileSync(new URL('../src/ui/web/index.html', import.meta.url), new URL('index.html', ui));
  if (!process.argv.includes('--no-types')) {
    execFileSync('node_modules/.bin/tsc', ['-p', 'src/ui/web/tsconfig.json'], { stdio: 'inherit' });
  }
}
if (!process.argv.includes('--no-types')) {
  execFileSync('node_modules/.bin/tsc', ['-p', 'tsconfig.json'], { stdio: 'inherit' });
}
