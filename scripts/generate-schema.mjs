// Generate schema/run.schema.json from the zod manifest schema (src/manifest/schema.ts), the
// single source of truth. `node scripts/generate-schema.mjs` rewrites the file;
// `--check` exits 1 if the committed file is stale (test/manifest/json-schema.test.ts pins
// the same thing).
//
// Node 20 cannot import TypeScript, so esbuild bundles schema.ts (zod included, so the schema
// and z.toJSONSchema share one zod instance) and the bundle is imported from a data: URL.
import { build } from 'esbuild';
import { readFileSync, writeFileSync, mkdirSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('..', import.meta.url));
const target = `${root}schema/run.schema.json`;

const result = await build({
  entryPoints: [`${root}src/manifest/schema.ts`],
  bundle: true,
  write: false,
  format: 'esm',
  platform: 'node',
  target: 'node20',
  logLevel: 'warning',
});
const code = result.outputFiles[0].text;
const { manifestJsonSchema } = await import(`data:text/javascript;base64,${Buffer.from(code).toString('base64')}`);
const text = `${JSON.stringify(manifestJsonSchema(), null, 2)}\n`;

if (process.argv.includes('--check')) {
  let current = '';
  try {
    current = readFileSync(target, 'utf8');
  } catch {}
  if (current !== text) {
    process.stderr.write('schema/run.schema.json is stale: run node scripts/generate-schema.mjs\n');
    process.exit(1);
  }
} else {
  mkdirSync(`${root}schema`, { recursive: true });
  writeFileSync(target, text);
  process.stdout.write(`wrote schema/run.schema.json\n`);
}
