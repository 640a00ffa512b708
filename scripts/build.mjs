// Build the CLI and the library into dist/ with esbuild. Dependencies are bundled and each
// command becomes its own chunk, so start-up parses only what the command uses.
import { build } from 'esbuild';
import { execFileSync } from 'node:child_process';
import { rmSync } from 'node:fs';

rmSync(new URL('../dist', import.meta.url), { recursive: true, force: true });
await build({
  entryPoints: { cli: 'src/cli/main.ts', index: 'src/index.ts' },
  outdir: 'dist',
  bundle: true,
  splitting: true,
  format: 'esm',
  platform: 'node',
  // Loaded lazily with require() (src/manifest/codec.ts), only when a file needs real YAML parsing.
  external: ['yaml'],
  target: 'node20',
  chunkNames: '[name]-[hash]',
  // Bundled CommonJS dependencies call require(); give the ESM output one.
  banner: { js: "import { createRequire as __gtCreateRequire } from 'node:module'; const require = __gtCreateRequire(import.meta.url);" },
  logLevel: 'warning',
  legalComments: 'none',
  // Minified: parsing the bundled zod + yaml is most of a command's start-up (measured).
  minify: !process.env.GT_NO_MINIFY,
  sourcemap: 'linked',
});
if (!process.argv.includes('--no-types')) {
  execFileSync('node_modules/.bin/tsc', ['-p', 'tsconfig.json'], { stdio: 'inherit' });
}
