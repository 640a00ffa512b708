import { execFileSync } from 'node:child_process';
import { chmodSync, mkdirSync, readFileSync, utimesSync, writeFileSync } from 'node:fs';
import { unsealJson } from '../../src/cache-seal.js';
import { hostname } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { fixedEnv, type Env } from '../../src/env.js';
import { findRepo } from '../../src/git/repo.js';
import { captureEnvironment, findExecutable, probePython } from '../../src/runs/environment.js';
import { makeRepo, tempDir } from '../helpers/repo.js';

function envWith(vars: Record<string, string | undefined>): Env {
  return { ...fixedEnv(), vars };
}

/** A real executable `python3` that prints what `script` prints. */
function fakePython(dir: string, body: string): string {
  mkdirSync(dir, { recursive: true });
  const path = join(dir, 'python3');
  writeFileSync(path, `#!/bin/sh\n${body}\n`);
  chmodSync(path, 0o755);
  return path;
}

describe('captureEnvironment', () => {
  it('records the python3 on PATH, as `python3 --version` reports it, then serves it from the cache', async () => {
    const { stateDir } = findRepo(makeRepo());
    const env = envWith({ PATH: process.env.PATH, HOME: process.env.HOME, PYENV_ROOT: process.env.PYENV_ROOT });
    const cwd = tempDir();
    const expected = execFileSync('python3', ['--version'], { cwd, env: { PATH: process.env.PATH, HOME: process.env.HOME }, encoding: 'utf8' })
      .trim()
      .replace(/^Python /, '');
    expect(expected).toMatch(/^\d+\.\d+\.\d+/);

    const captured = await captureEnvironment({ stateDir, env, version: '0.1.0', cwd });
    expect(captured).toEqual({
      os: process.platform,
      arch: process.arch,
      hostname: hostname(),
      node: process.versions.node,
      python: expected,
      git_track: '0.1.0',
    });
    expect(await probePython({ stateDir, env, cwd })).toEqual({ version: expected, source: 'cache' });
  });

  it('omits python when there is no python3 on PATH', async () => {
    const { stateDir } = findRepo(makeRepo());
    const env = envWith({ PATH: tempDir() });
    const captured = await captureEnvironment({ stateDir, env, version: '0.1.0' });
    expect('python' in captured).toBe(false);
    expect(await probePython({ stateDir, env })).toEqual({ source: 'none' });
  });
});

describe('probePython cache keys', () => {
  it('spawns again when the python3 binary changes or the environment points elsewhere', async () => {
    const { stateDir } = findRepo(makeRepo());
    const bin = tempDir();
    const python = fakePython(bin, 'echo "Python 9.9.1"');
    const env = envWith({ PATH: bin });
    expect(await probePython({ stateDir, env })).toEqual({ version: '9.9.1', source: 'spawn' });
    expect(await probePython({ stateDir, env })).toEqual({ version: '9.9.1', source: 'cache' });

    fakePython(bin, 'echo "Python 9.9.2"');
    utimesSync(python, new Date('2030-01-01'), new Date('2030-01-01')); // a new install: new mtime
    expect(await probePython({ stateDir, env })).toEqual({ version: '9.9.2', source: 'spawn' });
    expect(await probePython({ stateDir, env: envWith({ PATH: bin, VIRTUAL_ENV: '/venv' }) })).toMatchObject({ source: 'spawn' });
    expect(await probePython({ stateDir, env: envWith({ PATH: bin, PYENV_VERSION: '3.9.0' }) })).toMatchObject({ source: 'spawn' });
    expect(await probePython({ stateDir, env })).toEqual({ version: '9.9.2', source: 'cache' });
  });

  it('for a version-manager shim, follows the cwd and edits of .python-version', async () => {
    const { stateDir } = findRepo(makeRepo());
    const root = tempDir();
    // Like pyenv: the shim picks the version from .python-version in the cwd or a parent.
    // (shell builtins only: PATH holds nothing but the shim)
    fakePython(
      join(root, 'shims'),
      [
        'd=$PWD',
        'while [ -n "$d" ] && [ ! -f "$d/.python-version" ]; do d=${d%/*}; done',
        'if [ -f "$d/.python-version" ]; then read -r v < "$d/.python-version"; else v=0.0.0; fi',
        'echo "Python $v"',
      ].join('\n'),
    );
    const env = envWith({ PATH: join(root, 'shims') });
    const project = join(tempDir(), 'project');
    mkdirSync(join(project, 'src'), { recursive: true });
    writeFileSync(join(project, '.python-version'), '3.10.1');

    expect(await probePython({ stateDir, env, cwd: project })).toEqual({ version: '3.10.1', source: 'spawn' });
    expect(await probePython({ stateDir, env, cwd: project })).toEqual({ version: '3.10.1', source: 'cache' });
    expect(await probePython({ stateDir, env, cwd: join(project, 'src') })).toEqual({ version: '3.10.1', source: 'spawn' });
    writeFileSync(join(project, '.python-version'), '3.12.2');
    expect(await probePython({ stateDir, env, cwd: join(project, 'src') })).toEqual({ version: '3.12.2', source: 'spawn' });
    expect(await probePython({ stateDir, env, cwd: tempDir() })).toEqual({ version: '0.0.0', source: 'spawn' });
  });

  it('ignores a corrupt cache file and rewrites it', async () => {
    const { stateDir } = findRepo(makeRepo());
    const bin = tempDir();
    fakePython(bin, 'echo "Python 9.9.3"');
    const env = envWith({ PATH: bin });
    mkdirSync(stateDir, { recursive: true });
    writeFileSync(join(stateDir, 'env-cache.json'), '{not json');
    expect(await probePython({ stateDir, env })).toEqual({ version: '9.9.3', source: 'spawn' });
    expect((unsealJson(readFileSync(join(stateDir, 'env-cache.json'), 'utf8')) as { format: string }).format).toBe('git-track/env-cache@1');
    expect(await probePython({ stateDir, env })).toEqual({ version: '9.9.3', source: 'cache' });
  });

  it('caches a python3 that fails, so a broken shim does not cost a spawn every time', async () => {
    const { stateDir } = findRepo(makeRepo());
    const bin = tempDir();
    fakePython(bin, 'echo "pyenv: version 3.8 is not installed" >&2; exit 1');
    const env = envWith({ PATH: bin });
    expect(await probePython({ stateDir, env })).toEqual({ source: 'spawn' });
    expect(await probePython({ stateDir, env })).toEqual({ source: 'cache' });
  });
});

describe('findExecutable', () => {
  it('takes the first executable file on PATH, skipping non-executables and directories', () => {
    const [a, b, c] = [tempDir(), tempDir(), tempDir()];
    writeFileSync(join(a, 'python3'), 'not executable');
    mkdirSync(join(b, 'python3'));
    const real = fakePython(c, 'true');
    expect(findExecutable('python3', ['', a, b, c].join(':'))).toBe(real);
    expect(findExecutable('python3', a)).toBeNull();
    expect(findExecutable('python3', undefined)).toBeNull();
  });
});
