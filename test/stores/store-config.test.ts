/**
 * Settings of the s3 and lfs stores: `.git-track.yaml` validated, git config overriding it
 * field by field, and where an lfs store finds its server (as git-lfs does).
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { lfsEndpoint } from '../../src/artifacts/stores/lfs-endpoint.js';
import { resolveStore } from '../../src/config/load-store.js';
import { fixedEnv } from '../../src/env.js';
import { isGitTrackError } from '../../src/errors.js';
import { findRepo } from '../../src/git/repo.js';
import { resolveRemote } from '../../src/sync/remote.js';
import { git, makeRepo } from '../helpers/repo.js';

function repoWith(yaml?: string) {
  const dir = makeRepo();
  if (yaml) writeFileSync(join(dir, '.git-track.yaml'), yaml);
  const env = { ...fixedEnv(), vars: { PATH: process.env.PATH, HOME: dir, GIT_CONFIG_NOSYSTEM: '1' } };
  return { dir, repo: findRepo(dir), env };
}

async function failure(p: Promise<unknown>): Promise<string> {
  try {
    await p;
  } catch (err) {
    if (isGitTrackError(err)) return err.message;
    throw err;
  }
  throw new Error('expected a failure');
}

describe('s3 store settings', () => {
  it('reads bucket, prefix, region, endpoint and path style; git config wins field by field', async () => {
    const { dir, repo, env } = repoWith('store:\n  type: s3\n  bucket: ml-art\n  prefix: team/churn\n  region: eu-west-1\n  endpoint: https://s3.lab.example:9000\n  force_path_style: true\n');
    expect(await resolveStore(repo, env)).toEqual({ type: 's3', bucket: 'ml-art', prefix: 'team/churn', region: 'eu-west-1', endpoint: 'https://s3.lab.example:9000', forcePathStyle: true });
    git(dir, 'config', 'gittrack.store.region', 'us-west-2');
    git(dir, 'config', 'gittrack.store.forcePathStyle', 'false');
    git(dir, 'config', 'gittrack.store.prefix', 'mine');
    expect(await resolveStore(repo, env)).toEqual({ type: 's3', bucket: 'ml-art', prefix: 'mine', region: 'us-west-2', endpoint: 'https://s3.lab.example:9000', forcePathStyle: false });
    // Without the file: git config alone.
    const other = repoWith();
    git(other.dir, 'config', 'gittrack.store.type', 's3');
    expect(await failure(resolveStore(other.repo, other.env))).toMatch(/store type is s3 but no bucket is set/);
    git(other.dir, 'config', 'gittrack.store.bucket', 'ml-art');
    expect(await resolveStore(other.repo, other.env)).toEqual({ type: 's3', bucket: 'ml-art', prefix: '', forcePathStyle: false });
  });

  it('refuses bad values with one line naming the setting', async () => {
    expect(await failure(resolveStore(repoWith('store:\n  type: s3\n  bucket: Bad_Bucket\n').repo, repoWith().env))).toMatch(/^\.git-track\.yaml: store\.bucket: a bucket name/);
    expect(await failure(resolveStore(repoWith('store:\n  type: s3\n  bucket: ok-bucket\n  endpoint: ftp://x\n').repo, repoWith().env))).toMatch(/^\.git-track\.yaml: store\.endpoint: /);
    expect(await failure(resolveStore(repoWith('store:\n  type: s3\n  bucket: ok-bucket\n  secret: x\n').repo, repoWith().env))).toMatch(/^\.git-track\.yaml: store: /);
    const { dir, repo, env } = repoWith('store:\n  type: s3\n  bucket: ok-bucket\n');
    git(dir, 'config', 'gittrack.store.endpoint', 'https://AKIA:secret@s3.example');
    const msg = await failure(resolveStore(repo, env));
    expect(msg).toMatch(/^gittrack\.store\.endpoint: not an http\(s\) URL without credentials/);
    expect(msg).not.toContain('secret');
    git(dir, 'config', '--unset', 'gittrack.store.endpoint');
    git(dir, 'config', 'gittrack.store.prefix', 'a/../b');
    expect(await failure(resolveStore(repo, env))).toMatch(/^gittrack\.store\.prefix: not a key prefix/);
  });
});

describe('lfs store settings', () => {
  it('finds the server as git-lfs does: url, lfs.url, remote.<name>.lfsurl, then <remote>.git/info/lfs', async () => {
    const { dir, repo, env } = repoWith('store:\n  type: lfs\n');
    expect(await resolveStore(repo, env)).toEqual({ type: 'lfs' });
    git(dir, 'remote', 'add', 'origin', 'https://git.example.com/team/churn');
    const origin = resolveRemote(repo, undefined, dir);
    expect((await lfsEndpoint(repo, env, origin, undefined, 'upload')).href).toBe('https://git.example.com/team/churn.git/info/lfs');
    git(dir, 'remote', 'set-url', 'origin', 'https://git.example.com/team/churn.git/');
    expect((await lfsEndpoint(repo, env, origin, undefined, 'upload')).href).toBe('https://git.example.com/team/churn.git/info/lfs');
    git(dir, 'config', 'remote.origin.lfsurl', 'https://lfs.example.com/churn');
    expect((await lfsEndpoint(repo, env, origin, undefined, 'upload')).href).toBe('https://lfs.example.com/churn');
    git(dir, 'config', 'lfs.url', 'https://lfs2.example.com/churn/');
    expect((await lfsEndpoint(repo, env, origin, undefined, 'upload')).href).toBe('https://lfs2.example.com/churn');
    expect((await lfsEndpoint(repo, env, origin, 'https://store.example/x', 'upload')).href).toBe('https://store.example/x');
    git(dir, 'config', 'gittrack.store.url', 'https://gc.example/lfs');
    expect(await resolveStore(repo, env)).toEqual({ type: 'lfs', url: 'https://gc.example/lfs' });
  });

  it('a remote without an LFS server (a local path) is one line saying how to set one', async () => {
    const { dir, repo, env } = repoWith('store:\n  type: lfs\n');
    git(dir, 'remote', 'add', 'origin', '/srv/git/churn.git');
    const msg = await failure(lfsEndpoint(repo, env, resolveRemote(repo, undefined, dir), undefined, 'upload'));
    expect(msg).toBe('remote origin has no Git LFS server (it is not an http(s) or ssh URL); set one with git config gittrack.store.url URL');
  });
});
