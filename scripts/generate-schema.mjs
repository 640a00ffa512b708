// Generate schema/run.schema.json from the zod manifest schema (src/manifest/schema.ts) and
// schema/config.schema.json from the project config schema (src/config/schema.ts), the
// single sources of truth. `node scripts/generate-schema.mjs` rewrites the file;
// `--check` exits 1 if the committed file is stale (test/manifest/json-schema.test.ts pins
// the same thing).
//
// Node 20 cannot import TypeScript, so esbuild bundles schema.ts (zod included, so the schema
// and z.toJSONSchema share one zod instance) and the bundle is imported from a data: URL.
import { build } from 'esbuild';
import { readFileSync, writeFileSync, mkdirSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('..', import.meta.url));
const targets = [
  { file: 'schema/run.schema.json', entry: 'src/manifest/schema.ts', fn: 'manifestJsonSchema' },
  { file: 'schema/config.schema.json', entry: 'src/config/schema.ts', fn: 'configJsonSchema' },
];

let stale = false;
for (const { file, entry, fn } of targets) {
  const result = await build({
    entryPoints: [`${root}${entry}`],
    bundle: true,
    write: false,
    format: 'esm',
    platform: 'node',
    target: 'node20',
    logLevel: 'warning',
  });
  const code = result.outputFiles[0].text;
  const mod = await import(`data:text/javascript;base64,${Buffer.from(code).toString('base64')}`);
  const text = `${JSON.stringify(mod[fn](), null, 2)}\n`;
  const target = `${root}${file}`;
  if (process.argv.includes('--check')) {
    let current = '';
    try {
      current = readFileSync(target, 'utf8');
    } catch {}
    if (current !== text) {
      process.stderr.write(`${file} is stale: run node scripts/generate-schema.mjs\n`);
      stale = true;
    }
  } else {
    mkdirSync(`${root}schema`, { recursive: true });
    writeFileSync(target, text);
    process.stdout.write(`wrote ${file}\n`);
  }
}
if (stale) process.exit(1);
