import { execFileSync, spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { cli, tempDir, testGitEnv } from '../helpers/repo.js';

const ROOT = resolve(import.meta.dirname, '..', '..');
/** Every command `git-track --help` lists. */
function commandNames(): string[] {
  const help = cli(ROOT, '--help').stdout;
  const names = [...help.slice(help.indexOf('Commands:')).matchAll(/^ {2}([a-z][a-z-]*)/gm)].map((m) => m[1]!).filter((n) => n !== 'help');
  expect(names).toContain('reproduce');
  return names;
}

describe('the manual page', () => {
  it('is built from the command declarations and listed in package.json', () => {
    const pkg = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { man: string[] };
    expect(pkg.man).toEqual(['./dist/man/man1/git-track.1']);
    const page = readFileSync(join(ROOT, pkg.man[0]!), 'utf8');
    expect(page).toMatch(/^\.TH GIT\\-TRACK 1 /);
    for (const name of commandNames()) expect(page, name).toContain(`.SS "git\\-track ${name}`);
    // Every option of `log --help` is in it.
    const help = cli(ROOT, 'log', '--help').stdout;
    for (const flag of help.match(/--[a-z][a-z-]+/g) ?? []) expect(page, flag).toContain(flag.replace(/-/g, '\\-'));
  });

  it('`git track --help` finds it after npm install -g (as after npm link)', () => {
    const prefix = tempDir('gt-prefix-');
    execFileSync('npm', ['install', '-g', '--prefix', prefix, '--ignore-scripts', '--offline', '--no-audit', '--no-fund', ROOT], {
      env: testGitEnv(),
      stdio: 'ignore',
    });
    // As a user's shell: the install's bin on PATH, no MANPATH (man derives it from PATH).
    const env = testGitEnv({ PATH: `${join(prefix, 'bin')}:${process.env.PATH}`, MANPAGER: 'cat', PAGER: 'cat', MANWIDTH: '100' });
    delete env.MANPATH;
    const r = spawnSync('git', ['track', '--help'], { cwd: prefix, env, encoding: 'utf8' });
    expect(r.stderr).not.toContain('No manual entry');
    expect(r.stdout).toContain('GIT-TRACK(1)');
    expect(r.stdout).toContain('git-track reproduce');
  });

  it('every document a help text names ships in the npm package', () => {
    const packed = JSON.parse(execFileSync('npm', ['pack', '--dry-run', '--json', '--ignore-scripts'], { cwd: ROOT, env: testGitEnv(), encoding: 'utf8' })) as [{ files: { path: string }[] }];
    const files = new Set(packed[0].files.map((f) => f.path));
    expect(files).toContain('dist/man/man1/git-track.1');
    const named = new Set<string>();
    for (const name of ['', ...commandNames()]) {
      const help = cli(ROOT, ...(name ? [name] : []), '--help').stdout;
      for (const doc of help.match(/\b(?:docs\/[\w./-]+\.md|README\.md)\b/g) ?? []) named.add(doc);
    }
    expect(named).toContain('docs/run-contract.md');
    for (const doc of named) expect(files, doc).toContain(doc);
  });
});
