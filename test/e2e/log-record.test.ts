import { createHash } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { cli, cliWith, git, makeRepo, tempDir } from '../helpers/repo.js';

function record(dir: string, fields: Record<string, unknown>, file = 'record.json'): string {
  writeFileSync(join(dir, file), JSON.stringify(fields));
  return file;
}

describe('log --from: the record\'s commit', () => {
  it('resolves a short hash as git rev-parse --short HEAD writes it, and links that code', () => {
    const dir = makeRepo({ commit: true });
    const head = git(dir, 'rev-parse', 'HEAD').trim();
    const short = git(dir, 'rev-parse', '--short', 'HEAD').trim();
    const r = cli(dir, 'log', '--from', record(dir, { git_commit: short, metrics: { f1: 0.8 } }), '--json');
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    expect(JSON.parse(r.stdout).code.commit).toBe(head);
    expect(git(dir, 'rev-parse', 'runs^2').trim()).toBe(head);
  });

  for (const [what, commit] of [
    ['a full id', '1234567890123456789012345678901234567890'],
    ['a short hash', 'deadbee'],
    ['text that is no hash', 'v1.2-release'],
  ]) {
    it(`keeps ${what} of a commit the repository lacks as text, warns, and never makes it a parent`, () => {
      const dir = makeRepo({ commit: true });
      const r = cli(dir, 'log', '--from', record(dir, { git_commit: commit, metrics: { f1: 0.8 } }), '--json');
      expect(r.code).toBe(0);
      expect(r.stderr.trim()).toBe(`warning: record.json: git_commit '${commit}' is not a commit in this repository; kept as tag record.git_commit, not linked to the run's code`);
      const m = JSON.parse(r.stdout);
      expect(m.code.commit).toBeNull();
      expect(m.tags['record.git_commit']).toBe(commit);
      expect(git(dir, 'rev-list', '--parents', '-1', 'runs').trim().split(' ')).toHaveLength(2);
      // Plain git reads the whole branch, and so does a push.
      expect(git(dir, 'log', '--format=%H', 'runs').trim().split('\n')).toHaveLength(2);
      git(dir, 'fsck', '--strict', '--no-dangling');
      const bare = tempDir('gt-bare-');
      git(bare, 'init', '-q', '--bare');
      const push = cli(dir, 'push', bare);
      expect(push.stderr).not.toMatch(/git-track:/);
      expect(push.code).toBe(0);
      expect(cli(dir, 'verify').code).toBe(0);
    });
  }

  it('keeps a short hash that names two commits as text, saying it is ambiguous', () => {
    const dir = makeRepo({ commit: true });
    // Two commits whose ids share their first 4 hex digits (found by trying messages).
    const body = (i: number) => `tree 4b825dc642cb6eb9a060e54bf8d69288fbee4904\nauthor A <a@b> 1700000000 +0000\ncommitter A <a@b> 1700000000 +0000\n\ntry ${i}\n`;
    const oid = (text: string) => createHash('sha1').update(`commit ${Buffer.byteLength(text)}\0${text}`).digest('hex');
    const seen = new Map<string, number>();
    let pair: [number, number] | undefined;
    for (let i = 0; !pair; i++) {
      const prefix = oid(body(i)).slice(0, 4);
      const earlier = seen.get(prefix);
      if (earlier !== undefined) pair = [earlier, i];
      else seen.set(prefix, i);
    }
    for (const i of pair) {
      writeFileSync(join(dir, 'c.txt'), body(i));
      git(dir, 'hash-object', '-t', 'commit', '-w', 'c.txt');
    }
    const prefix = oid(body(pair[0])).slice(0, 4);
    const r = cli(dir, 'log', '--from', record(dir, { git_commit: prefix, metrics: { f1: 0.8 } }), '--json');
    expect(r.code).toBe(0);
    expect(r.stderr).toContain(`git_commit '${prefix}' names more than one commit in this repository; kept as tag record.git_commit`);
    expect(JSON.parse(r.stdout).code.commit).toBeNull();
  });

  it('an error about the record names the record, not a manifest', () => {
    const dir = makeRepo({ commit: true });
    cli(dir, 'init');
    const tip = git(dir, 'rev-parse', 'runs').trim();
    const r = cli(dir, 'log', '--from', record(dir, { name: 'two\nlines', metrics: { f1: 0.8 } }, 'rec.json'));
    expect(r.code).toBe(1);
    expect(r.stderr.trim()).toBe("git-track: rec.json: invalid run record: name: must be one line without control characters, got 'two\\nlines'");
    expect(git(dir, 'rev-parse', 'runs').trim()).toBe(tip);
  });
});

describe('log --from: time, machine and path', () => {
  it('reads a time without a zone as UTC, whatever the importer\'s zone', () => {
    const dir = makeRepo({ commit: true });
    const file = record(dir, { created_at: '2026-05-30T10:15:02', metrics: { f1: 0.8 } });
    for (const tz of ['America/New_York', 'Asia/Tokyo']) {
      const r = cliWith(dir, { TZ: tz }, 'log', '--from', file, '--dry-run', '--json');
      expect(r.code).toBe(0);
      expect(JSON.parse(r.stdout).created).toBe('2026-05-30T10:15:02Z');
    }
    const spaced = record(dir, { created_at: '2026-05-30 10:15', metrics: { f1: 0.8 } }, 'spaced.json');
    expect(JSON.parse(cliWith(dir, { TZ: 'Asia/Tokyo' }, 'log', '--from', spaced, '--dry-run', '--json').stdout).created).toBe('2026-05-30T10:15:00Z');
    const offset = record(dir, { created_at: '2026-05-30T10:15:02+02:00', metrics: { f1: 0.8 } }, 'offset.json');
    expect(JSON.parse(cli(dir, 'log', '--from', offset, '--dry-run', '--json').stdout).created).toBe('2026-05-30T08:15:02Z');
  });

  it('does not stamp the importing machine as the run\'s env, nor an absolute path as its source', () => {
    const dir = makeRepo({ commit: true });
    const outside = tempDir('gt-records-');
    record(outside, { metrics: { f1: 0.8 } }, 'far.json');
    record(dir, { metrics: { f1: 0.8 } }, 'near.json');
    const far = cli(dir, 'log', '--from', join(outside, 'far.json'));
    expect(far.code).toBe(0);
    const yaml = cli(dir, 'show', far.stdout.trim()).stdout;
    expect(yaml).not.toMatch(/^env:/m);
    expect(yaml).not.toContain(outside);
    expect(yaml).toMatch(/^source:\n  kind: record\n  file: far\.json$/m);
    const near = cli(dir, 'log', '--from', join(dir, 'near.json'), '--json');
    expect(JSON.parse(near.stdout).source).toEqual({ kind: 'record', file: 'near.json' });
    // A run logged on this machine still records it.
    expect(cli(dir, 'show', cli(dir, 'log', '-m', 'f1=1').stdout.trim()).stdout).toMatch(/^env:\n  os: /m);
  });
});

describe('verify', () => {
  it('reports a run commit whose parent is missing', () => {
    const dir = makeRepo({ commit: true });
    expect(cli(dir, 'log', '-m', 'f1=1').code).toBe(0);
    const tree = git(dir, 'rev-parse', 'runs^{tree}').trim();
    const tip = git(dir, 'rev-parse', 'runs').trim();
    const missing = '1234567890123456789012345678901234567890';
    const body = `tree ${tree}\nparent ${tip}\nparent ${missing}\nauthor A <a@b> 1700000000 +0000\ncommitter A <a@b> 1700000000 +0000\n\nrun with a lost parent\n`;
    writeFileSync(join(dir, 'commit.txt'), body);
    const bad = git(dir, 'hash-object', '-t', 'commit', '-w', '--literally', 'commit.txt').trim();
    git(dir, 'update-ref', 'refs/heads/runs', bad);
    const r = cli(dir, 'verify');
    expect(r.code).toBe(1);
    expect(r.stdout + r.stderr).toContain(`commit ${bad.slice(0, 12)} on runs names parent ${missing.slice(0, 12)}, which is not in the repository`);
  });
});
