// What `git-track log` loads at start-up. Its budget (DESIGN.md: ≤ 2.5× `node -e 0`, measured
// by bench/log-e2e.mjs) leaves no room for zod or the `yaml` package, which were most of its
// start-up before: a plain log must load neither, and a refused run must still be worded by zod.
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { cli, cliWith, git, makeRepo, tempDir } from '../helpers/repo.js';

interface Loaded {
  code: number;
  stdout: string;
  stderr: string;
  /** Every file imported as an ES module. */
  files: string[];
  /** zod's global config exists once zod's core module has run (a bundle may hold zod unrun). */
  zodRan: boolean;
  /** The yaml package is loaded with require(), so it shows in require's cache. */
  yamlLoaded: boolean;
}

/** Runs the CLI with a module hook that lists every file it loads, and what ran, at exit. */
function loadedBy(dir: string, ...args: string[]): Loaded {
  const hooks = tempDir('gt-hooks-');
  const list = join(hooks, 'loaded.txt');
  const ran = join(hooks, 'ran.json');
  writeFileSync(list, '');
  writeFileSync(
    join(hooks, 'hooks.mjs'),
    `import { appendFileSync } from 'node:fs';
export async function load(url, context, next) {
  if (url.startsWith('file:')) appendFileSync(${JSON.stringify(list)}, url + '\\n');
  return next(url, context);
}
`,
  );
  writeFileSync(
    join(hooks, 'register.mjs'),
    `import { register, createRequire } from 'node:module';
import { writeFileSync } from 'node:fs';
register('./hooks.mjs', import.meta.url);
const cache = createRequire(import.meta.url).cache;
process.on('exit', () => writeFileSync(${JSON.stringify(ran)}, JSON.stringify({
  zodRan: globalThis.__zod_globalConfig !== undefined,
  yamlLoaded: Object.keys(cache).some((f) => f.includes('/node_modules/yaml/')),
})));
`,
  );
  const r = cliWith(dir, { NODE_OPTIONS: `--import=${join(hooks, 'register.mjs')}` }, ...args);
  const files = readFileSync(list, 'utf8').split('\n').filter(Boolean).map((u) => fileURLToPath(u));
  return { ...r, files, ...(JSON.parse(readFileSync(ran, 'utf8')) as { zodRan: boolean; yamlLoaded: boolean }) };
}

const inDist = (files: string[]) => files.filter((f) => f.includes('/dist/')).map((f) => f.slice(f.lastIndexOf('/dist/') + 1));

describe('git-track log start-up', () => {
  it('records a plain run without loading zod or the yaml package', () => {
    const dir = makeRepo({ commit: true });
    // Plain values only: a quoted value or a list (`-p 'layers=[64, 32]'`) is read by the yaml package.
    const r = loadedBy(dir, 'log', '--name', 'baseline', '-p', 'lr=0.01', '-p', 'opt=adam', '-m', 'f1=0.842', '-t', 'team=growth', '--note', 'first');
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    const id = r.stdout.trim();
    expect(git(dir, 'show', `runs:runs/${id.slice(0, 2)}/${id}/run.yaml`)).toMatch(/^  lr: 0\.01$/m);
    expect(r.files.some((f) => f.endsWith('/bin/git-track.js'))).toBe(true);
    // Its own build (scripts/build-log-bundle.mjs): what it always runs sits in one chunk, where
    // resolving and loading the ~40 chunks of dist/cli.js was a tenth of its start-up.
    const dist = inDist(r.files);
    expect(dist.slice(0, 2)).toEqual(['dist/command-name.js', 'dist/log-cli.js']);
    expect(dist.every((f) => /^dist\/(command-name|log-cli(-[A-Z0-9]+)?)\.js$/.test(f))).toBe(true);
    expect(dist.length).toBeLessThanOrEqual(4);
    expect(r.zodRan).toBe(false);
    expect(r.yamlLoaded).toBe(false);
  });

  it('takes the same path behind global options, and every other command keeps dist/cli.js', () => {
    const dir = makeRepo({ commit: true });
    const away = tempDir();
    const r = loadedBy(away, '--debug', '-C', dir, 'log', '-m', 'f1=0.5');
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    expect(inDist(r.files)).toContain('dist/log-cli.js');
    expect(r.zodRan).toBe(false);
    const list = loadedBy(dir, 'list', '--columns', 'id');
    expect(list.code).toBe(0);
    expect(list.stdout).toContain(r.stdout.trim());
    expect(inDist(list.files)).toContain('dist/cli.js');
    expect(inDist(list.files).some((f) => f.startsWith('dist/log-cli'))).toBe(false);
  });

  it('still words a refused run with the schema, exactly as before, and writes nothing', () => {
    const dir = makeRepo({ commit: true });
    const r = loadedBy(dir, 'log', '-m', 'f1=1', '--name', 'a\nb');
    expect(r.code).toBe(1);
    expect(r.stderr).toBe("git-track: invalid manifest: name: must be one line without control characters, got 'a\\nb'\n");
    // The same probe sees zod when it runs, so a clean result above is not a blind probe.
    expect(r.zodRan).toBe(true);
    expect(cli(dir, 'list', '--json').stdout.trim()).toBe('[]');
  });
});
