// The build of `git-track log`, the hot path (DESIGN.md: ≤ 2.5× `node -e 0`, measured by
// bench/log-e2e.mjs). bin/git-track.js loads dist/log-cli.js when dist/command-name.js says the
// command is `log`; every other command runs from dist/cli.js. With `log` named, the program
// declares no other command (src/cli/program.ts), so the others are left out of this build.
//
// Why a build of its own: from the chunks of dist/cli.js, `log` loads ~40 files. Measured (CPU
// to import, load average ~5): those chunks 37 ms; everything `log` may run in one file 32 ms
// (the rare paths alone, zod to word a refused manifest, the run index of --parent, log
// --remote, are more than half of it, parsed for nothing); what `log` always runs in one
// chunk, with the rare paths in chunks of their own, 21 ms.
//
// esbuild puts a module in the chunk of the set of entries that reach it, and every dynamic
// import is an entry. So a first pass lists the modules `log` always runs (its static closure,
// the command's own module included), and every entry of the real build (the CLI, each dynamic
// import) is wrapped to import a hub of all of them first: they are then reached by every entry
// and share one chunk. Each module still runs after its own imports, as ES modules do.
import { build } from 'esbuild';
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';

const LOG_COMMAND = './commands/log.js';

/** The declarations import each command's module: all but `log`'s become a module that throws. */
function leaveOutOtherCommands(b) {
  b.onResolve({ filter: /^\.\/commands\/[a-z-]+\.js$/ }, (args) =>
    args.importer.endsWith('command-declarations.ts') && args.path !== LOG_COMMAND ? { path: args.path, namespace: 'not-in-log-bundle' } : undefined,
  );
  b.onLoad({ filter: /.*/, namespace: 'not-in-log-bundle' }, (args) => ({ contents: `throw new Error(${JSON.stringify(`${args.path} is not in the log bundle`)});`, loader: 'js' }));
}

/**
 * Builds dist/log-cli.js and its chunks, and dist/command-name.js that the bin shim asks, with
 * the esbuild options of the other node builds.
 *
 * @param {import('esbuild').BuildOptions} options
 */
export async function buildLogBundle(options) {
  await build({ ...options, banner: {}, sourcemap: false, entryPoints: { 'command-name': 'src/cli/command-name.ts' }, outdir: 'dist' });
  const entry = resolve('src/cli/main.ts');
  const hot = await build({
    ...options,
    entryPoints: [entry],
    outdir: 'dist',
    write: false,
    metafile: true,
    sourcemap: false,
    plugins: [
      {
        name: 'static-closure',
        setup(b) {
          leaveOutOtherCommands(b);
          b.onResolve({ filter: /.*/ }, (args) => (args.kind === 'dynamic-import' && args.path !== LOG_COMMAND ? { path: args.path, external: true } : undefined));
        },
      },
    ],
  });
  const hub = Object.keys(hot.metafile.inputs)
    .filter((p) => !p.includes(':'))
    .map((p) => `import ${JSON.stringify(resolve(p))};`)
    .join('\n');

  await build({
    ...options,
    entryPoints: { 'log-cli': 'log-cli-entry' },
    outdir: 'dist',
    splitting: true,
    chunkNames: 'log-cli-[hash]',
    plugins: [
      {
        name: 'hot-modules-in-one-chunk',
        setup(b) {
          leaveOutOtherCommands(b);
          b.onResolve({ filter: /^log-cli-entry$/ }, () => ({ path: entry, namespace: 'after-hub' }));
          b.onResolve({ filter: /^log-cli-hub$/ }, () => ({ path: 'log-cli-hub', namespace: 'hub' }));
          b.onLoad({ filter: /.*/, namespace: 'hub' }, () => ({ contents: hub, loader: 'js', resolveDir: process.cwd() }));
          b.onResolve({ filter: /.*/ }, async (args) => {
            if (args.kind !== 'dynamic-import' || args.namespace === 'not-in-log-bundle') return undefined;
            const real = await b.resolve(args.path, { resolveDir: args.resolveDir, kind: 'import-statement' });
            return real.external || real.errors.length > 0 ? undefined : { path: real.path, namespace: 'after-hub' };
          });
          // The module itself, after the hub: same exports, default included when it has one.
          b.onLoad({ filter: /.*/, namespace: 'after-hub' }, (args) => {
            const path = JSON.stringify(args.path);
            const hasDefault = /^export default /m.test(readFileSync(args.path, 'utf8'));
            return {
              contents: `import "log-cli-hub";\nexport * from ${path};\n${hasDefault ? `export { default } from ${path};\n` : ''}`,
              loader: 'js',
              resolveDir: process.cwd(),
            };
          });
        },
      },
    ],
  });
}
