// What `git-track log` loads at start-up. Its budget (DESIGN.md: ≤ 2.5× `node -e 0`, measured
// by bench/log-e2e.mjs) leaves no room for zod or the `yaml` package, which were most of its
// start-up before: a plain log must load neither, and a refused run must still be worded by zod.
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { cli, cliWith, git, makeRepo, tempDir } from '../helpers/repo.js';

/** Runs the CLI with a module hook that lists every file it loads; returns those files' paths. */
function loadedBy(dir: string, ...args: string[]): { code: number; stdout: string; stderr: string; files: string[] } {
  const hooks = tempDir('gt-hooks-');
  const list = join(hooks, 'loaded.txt');
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
  writeFileSync(join(hooks, 'register.mjs'), `import { register } from 'node:module';\nregister('./hooks.mjs', import.meta.url);\n`);
  const r = cliWith(dir, { NODE_OPTIONS: `--import=${join(hooks, 'register.mjs')}` }, ...args);
  const files = readFileSync(list, 'utf8').split('\n').filter(Boolean).map((u) => fileURLToPath(u));
  return { ...r, files };
}

const isZod = (file: string) => file.includes('/node_modules/zod/') || readFileSync(file, 'utf8').includes('"$ZodType"');
const isYaml = (file: string) => file.includes('/node_modules/yaml/');

describe('git-track log start-up', () => {
  it('records a plain run without loading zod or the yaml package', () => {
    const dir = makeRepo({ commit: true });
    const r = loadedBy(dir, 'log', '--name', 'baseline', '-p', 'lr=0.01', '-p', 'layers=[64, 32]', '-m', 'f1=0.842', '-t', 'team=growth', '--note', 'first');
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    const id = r.stdout.trim();
    expect(git(dir, 'show', `runs:runs/${id.slice(0, 2)}/${id}/run.yaml`)).toMatch(/^  lr: 0\.01$/m);
    // The hook saw the command's own modules, so an empty list cannot pass for a clean one.
    expect(r.files.some((f) => f.endsWith('/bin/git-track.js'))).toBe(true);
    expect(r.files.filter((f) => f.includes('/dist/')).length).toBeGreaterThan(3);
    expect(r.files.filter(isZod)).toEqual([]);
    expect(r.files.filter(isYaml)).toEqual([]);
  });

  it('still words a refused run with the schema, exactly as before, and writes nothing', () => {
    const dir = makeRepo({ commit: true });
    const r = loadedBy(dir, 'log', '-m', 'f1=1', '--name', 'a\nb');
    expect(r.code).toBe(1);
    expect(r.stderr).toBe("git-track: invalid manifest: name: must be one line without control characters, got 'a\\nb'\n");
    expect(r.files.some(isZod)).toBe(true);
    expect(cli(dir, 'list', '--json').stdout.trim()).toBe('[]');
  });
});
