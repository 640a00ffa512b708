/**
 * Hostile remotes built with git's own plumbing (hash-object, mktree, commit-tree,
 * update-ref): run directories, manifests, symlinks and artifact bytes that git-track itself
 * would never write, placed on the `runs` branch of a bare repository the way an attacker who
 * can push would place them.
 */
import { createHash } from 'node:crypto';
import { execFileSync } from 'node:child_process';
import { testGitEnv } from './repo.js';

/** A tree entry to place: blob content, a symlink target, or an existing tree. */
export type Placed = { blob: string | Buffer } | { link: string } | { tree: string } | { mode: string; oid: string; type: 'blob' | 'tree' };

function run(dir: string, args: string[], input?: string | Buffer): string {
  return execFileSync('git', args, { cwd: dir, env: testGitEnv(), input, encoding: 'utf8', stdio: ['pipe', 'pipe', 'pipe'], maxBuffer: 1 << 30 }).trim();
}

/** `git hash-object -w --stdin`. */
export function writeBlob(repo: string, content: string | Buffer): string {
  return run(repo, ['hash-object', '-w', '--stdin'], content);
}

interface Entry {
  mode: string;
  type: string;
  oid: string;
  name: string;
}

function lsTree(repo: string, tree: string | null): Entry[] {
  if (!tree) return [];
  const out = run(repo, ['ls-tree', '-z', tree]);
  return out
    .split('\0')
    .filter(Boolean)
    .map((line) => {
      const [meta, name] = line.split('\t') as [string, string];
      const [mode, type, oid] = meta.split(' ') as [string, string, string];
      return { mode, type, oid, name };
    });
}

/** `git mktree` from entries (names taken as given: duplicates and odd names allowed). */
export function makeTree(repo: string, entries: Entry[]): string {
  const text = entries.map((e) => `${e.mode} ${e.type} ${e.oid}\t${e.name}\0`).join('');
  return run(repo, ['mktree', '-z', '--missing'], text);
}

function entryFor(repo: string, name: string, what: Placed): Entry {
  if ('blob' in what) return { mode: '100644', type: 'blob', oid: writeBlob(repo, what.blob), name };
  if ('link' in what) return { mode: '120000', type: 'blob', oid: writeBlob(repo, what.link), name };
  if ('tree' in what) return { mode: '040000', type: 'tree', oid: what.tree, name };
  return { mode: what.mode, type: what.type, oid: what.oid, name };
}

/** A tree holding `files` (paths with `/` become subtrees). */
export function treeOf(repo: string, files: Record<string, Placed>): string {
  let tree: string | null = null;
  for (const [path, what] of Object.entries(files)) tree = placeAt(repo, tree, path.split('/'), what);
  return tree ?? makeTree(repo, []);
}

/** Replace (or add) `path` in `tree`, returning the new tree id. */
export function placeAt(repo: string, tree: string | null, path: string[], what: Placed): string {
  const [head, ...rest] = path as [string, ...string[]];
  const entries = lsTree(repo, tree).filter((e) => e.name !== head);
  if (rest.length === 0) entries.push(entryFor(repo, head, what));
  else {
    const sub = lsTree(repo, tree).find((e) => e.name === head && e.type === 'tree');
    entries.push({ mode: '040000', type: 'tree', oid: placeAt(repo, sub?.oid ?? null, rest, what), name: head });
  }
  return makeTree(repo, entries);
}

/** Commit `tree` on top of `ref` (or as its first commit) and move the ref. */
export function commitOnRef(repo: string, ref: string, tree: string, message = 'hostile', extraParents: string[] = []): string {
  let parent: string | null = null;
  try {
    parent = run(repo, ['rev-parse', '--verify', '-q', ref]);
  } catch {}
  const parents = [...(parent ? [parent] : []), ...extraParents].flatMap((p) => ['-p', p]);
  const commit = run(repo, ['commit-tree', tree, ...parents, '-m', message]);
  run(repo, ['update-ref', ref, commit]);
  return commit;
}

/** Tree of `ref`'s tip. */
export function tipTree(repo: string, ref: string): string | null {
  try {
    return run(repo, ['rev-parse', '--verify', '-q', `${ref}^{tree}`]);
  } catch {
    return null;
  }
}

/**
 * Add a run directory `runs/<id[0:2]>/<dirName>` holding `files` to the `runs` branch of
 * `repo` (one new commit).
 *
 * @example
 * addRun(bare, 'aaaaaaaaaaaa', { 'run.yaml': { blob: manifestText({ id: 'aaaaaaaaaaaa' }) } });
 */
export function addRun(repo: string, dirName: string, files: Record<string, Placed>, options: { shard?: string; code?: string } = {}): string {
  const runTree = treeOf(repo, files);
  const root = placeAt(repo, tipTree(repo, 'refs/heads/runs'), ['runs', options.shard ?? dirName.slice(0, 2), dirName], { tree: runTree });
  return commitOnRef(repo, 'refs/heads/runs', root, `run ${dirName}`, options.code ? [options.code] : []);
}

/** A root commit holding `files` (a code snapshot for a run's `code.commit`). */
export function codeCommit(repo: string, files: Record<string, Placed>): string {
  return run(repo, ['commit-tree', treeOf(repo, files), '-m', 'code']);
}

/** Put artifact bytes on `refs/git-track/artifacts` (the `git` store); returns their sha256. */
export function addArtifactBytes(repo: string, bytes: string | Buffer): string {
  const sha256 = createHash('sha256').update(bytes).digest('hex');
  const root = placeAt(repo, tipTree(repo, 'refs/git-track/artifacts'), ['sha256', sha256.slice(0, 2), sha256.slice(2)], { blob: bytes });
  commitOnRef(repo, 'refs/git-track/artifacts', root, 'artifacts');
  return sha256;
}

export interface ManifestSpec {
  id: string;
  commit?: string | null;
  remote?: string;
  command?: string[];
  author?: string;
  data?: { path: string; bytes: string }[];
  artifacts?: { path: string; bytes: string }[];
  extra?: string;
}

const sha = (s: string) => createHash('sha256').update(s).digest('hex');

/**
 * A canonical manifest text, as `git-track log` would write it, with whatever paths given.
 *
 * @example
 * manifestText({ id: 'aaaaaaaaaaaa', artifacts: [{ path: '.git/hooks/post-checkout', bytes: '#!/bin/sh\n' }] });
 */
export function manifestText(spec: ManifestSpec): string {
  const lines = [
    'format: git-track/run@1',
    `id: ${spec.id}`,
    'status: finished',
    'created: 2026-01-01T00:00:00Z',
    'author:',
    `  name: ${spec.author ?? 'Mallory'}`,
    '  email: mallory@example.com',
  ];
  if (spec.command) lines.push('command:', ...spec.command.map((c) => `  - ${JSON.stringify(c)}`));
  if (spec.commit !== undefined || spec.remote !== undefined) {
    lines.push('code:', `  commit: ${spec.commit ?? 'null'}`, '  branch: main', '  dirty: false');
    if (spec.remote !== undefined) lines.push(`  remote: ${JSON.stringify(spec.remote)}`);
  }
  lines.push(spec.data?.length ? 'data:' : 'data: []');
  for (const d of spec.data ?? []) lines.push(`  - path: ${JSON.stringify(d.path)}`, '    kind: file', `    sha256: ${sha(d.bytes)}`, `    size: ${Buffer.byteLength(d.bytes)}`);
  lines.push('params: {}', 'metrics:', '  f1: 0.5');
  lines.push(spec.artifacts?.length ? 'artifacts:' : 'artifacts: []');
  if (spec.artifacts?.length) {
    for (const a of spec.artifacts) lines.push(`  - path: ${JSON.stringify(a.path)}`, '    kind: file', `    sha256: ${sha(a.bytes)}`, `    size: ${Buffer.byteLength(a.bytes)}`);
  }
  lines.push('env:', '  os: linux', '  arch: x64', '  hostname: box', '  node: 20.0.0', '  git_track: 0.1.0', 'tags: {}');
  if (spec.extra) lines.push(spec.extra);
  return `${lines.join('\n')}\n`;
}
