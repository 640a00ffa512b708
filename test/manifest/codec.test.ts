import { spawnSync } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import YAML from 'yaml';
import { describe, expect, it } from 'vitest';
import { errorOf } from '../helpers/errors.js';
import { decodeManifest, encodeManifest } from '../../src/manifest/codec.js';
import { parseYaml } from '../../src/manifest/yaml-text.js';
import { validateManifest, type RunManifest } from '../../src/manifest/schema.js';
import { GitTrackError } from '../../src/errors.js';
import { formatString } from '../../src/manifest/scalars.js';
import { randomManifest, randomString, rng } from './random.js';

const FIXTURES = resolve(import.meta.dirname, '..', '..', 'fixtures', 'manifests');
const read = (...p: string[]) => readFileSync(join(FIXTURES, ...p), 'utf8');
const validNames = readdirSync(join(FIXTURES, 'valid')).filter((f) => f.endsWith('.yaml'));


describe('canonical fixtures', () => {
  it.each(validNames)('%s is a fixed point: encode(decode(x)) === x', (name) => {
    const text = read('valid', name);
    expect(encodeManifest(decodeManifest(text, name))).toBe(text);
  });

  it.each(readdirSync(join(FIXTURES, 'noncanonical')))('%s encodes to valid/%s', (name) => {
    const m = decodeManifest(read('noncanonical', name), name);
    expect(encodeManifest(m)).toBe(read('valid', name));
  });
});

describe('round trip', () => {
  it('decode(encode(m)) deep-equals m for 1,000 random manifests, and encoding is a fixed point', () => {
    const r = rng(42);
    for (let i = 0; i < 1000; i++) {
      const m = randomManifest(r);
      const text = encodeManifest(m);
      const back = decodeManifest(text, `random #${i}`);
      expect(back).toStrictEqual(m);
      expect(encodeManifest(back)).toBe(text);
      // The full parser (used for hand-edited files) reads the same manifest.
      if (i % 5 === 0) expect(validateManifest(YAML.parse(text, { schema: 'core' }))).toStrictEqual(m);
    }
  });

  it('does not depend on the order keys were inserted in', () => {
    const m = decodeManifest(read('valid', 'full.yaml'));
    const shuffled = Object.fromEntries(Object.entries(m).reverse()) as RunManifest;
    shuffled.params = Object.fromEntries(Object.entries(m.params).reverse());
    shuffled.author = { email: m.author.email, name: m.author.name };
    expect(encodeManifest(shuffled)).toBe(read('valid', 'full.yaml'));
  });

  it('writes omitted optional fields not at all, and meaningful nulls explicitly', () => {
    const text = read('valid', 'no-commits.yaml');
    expect(text).toContain('\n  commit: null\n');
    expect(text).toContain('\n    sha256: null\n    size: null\n');
    const minimal = read('valid', 'minimal.yaml');
    for (const key of ['name', 'experiment', 'duration_s', 'command', 'code', 'series', 'note', 'source']) {
      expect(minimal).not.toMatch(new RegExp(`^${key}:`, 'm'));
    }
    expect(minimal).not.toContain('python');
    expect(minimal).not.toContain('null');
  });

  it('writes a multi-line note as a block literal and keeps its exact text', () => {
    for (const note of ['a\nb', 'a\nb\n', 'a\nb\n\n\n', '  indented\nnext', '\nleading blank', 'tab\there\n', 'x\n   \ny']) {
      const m = { ...decodeManifest(read('valid', 'minimal.yaml')), note };
      const text = encodeManifest(m);
      expect(text).toMatch(/\nnote: \|/);
      expect(decodeManifest(text).note).toBe(note);
      expect(YAML.parse(text, { schema: 'core' }).note).toBe(note);
    }
  });

  it('falls back to a quoted note when a literal cannot hold the text', () => {
    const m = decodeManifest(read('valid', 'minimal.yaml'));
    for (const note of ['\n\n', 'a\r\nb', 'bell\u0007\nx']) {
      const text = encodeManifest({ ...m, note });
      expect(text).toContain(`note: "`);
      expect(decodeManifest(text).note).toBe(note);
    }
  });
});

describe('encodeManifest', () => {
  it('keeps the longest awkward names within YAML key limits', () => {
    const m = decodeManifest(read('valid', 'minimal.yaml'));
    const names = ['"'.repeat(256), '\\'.repeat(256), '\u{1F680}'.repeat(128), `#${'é'.repeat(255)}`];
    const withNames = { ...m, params: Object.fromEntries(names.map((n) => [n, n])), tags: Object.fromEntries(names.map((n) => [n, n])) };
    const text = encodeManifest(withNames);
    expect(YAML.parse(text, { schema: 'core' }).params).toStrictEqual(withNames.params);
    expect(decodeManifest(text)).toStrictEqual(withNames);
  });


  it('refuses an invalid manifest rather than writing it', () => {
    const m = decodeManifest(read('valid', 'full.yaml'));
    const err = errorOf(() => encodeManifest({ ...m, metrics: { f1: NaN } }));
    expect(err.code).toBe('INVALID_MANIFEST');
    expect(err.message).toContain('metrics.f1');
  });

  it('writes one value per line with sorted map keys', () => {
    const text = read('valid', 'full.yaml');
    const params = text.slice(text.indexOf('params:\n') + 8, text.indexOf('metrics:')).trimEnd().split('\n');
    const keys = params.map((l) => l.trim().split(': ')[0]!);
    expect(keys).toEqual([...keys].sort());
    expect(params.every((l) => /^ {2}\S+: \S/.test(l))).toBe(true);
  });
});

describe('decodeManifest', () => {
  it('reads yes, dates and hex-looking ids as strings (core schema)', () => {
    const m = decodeManifest(read('valid', 'full.yaml').replace('team: growth', 'team: yes'));
    expect(m.tags.team).toBe('yes');
    expect(m.created).toBe('2026-05-30T10:15:02Z');
  });

  it('reports malformed YAML as BAD_INPUT with the source and line', () => {
    const err = errorOf(() => decodeManifest('format: git-track/run@1\nid: [abc\n', 'runs:3f/9a/run.yaml'));
    expect(err.code).toBe('BAD_INPUT');
    expect(err.message).toMatch(/^runs:3f\/9a\/run\.yaml: line \d+: /);
    expect(err.message).not.toContain('\n');
  });

  it('refuses duplicate keys', () => {
    const text = read('valid', 'full.yaml').replace('  team: growth\n', '  team: growth\n  team: ops\n');
    expect(errorOf(() => decodeManifest(text, 'x.yaml')).message).toMatch(/^x\.yaml: line \d+: Map keys must be unique/);
  });

  it('names the source when the manifest is invalid', () => {
    const err = errorOf(() => decodeManifest(read('valid', 'full.yaml').replace('status: finished', 'status: done'), 'run.yaml'));
    expect(err.code).toBe('INVALID_MANIFEST');
    expect(err.message).toBe("run.yaml: invalid manifest: status: must be one of finished, failed, killed, got 'done'");
  });
});

describe('parseYaml', () => {
  it('uses the core schema and reports the line of an unresolved alias', () => {
    expect(parseYaml('a: yes\nb: 0o17\n', 's')).toEqual({ a: 'yes', b: 15 });
    expect(errorOf(() => parseYaml('a: 1\nb: *nope\n', 's')).message).toBe('s: line 2: Unresolved alias *nope');
  });
});

// PyYAML (YAML 1.1) is what a Python training script will read run.yaml with; it must see the
// same values. Runs when python3 with PyYAML is installed, as on the dev and CI machines.
const py = spawnSync('python3', ['-c', 'import yaml'], { encoding: 'utf8' });
describe.skipIf(py.status !== 0)('PyYAML reads what we write', () => {
  it('sees the same params, metrics, tags and command', () => {
    const r = rng(99);
    const manifests = [decodeManifest(read('valid', 'tricky-values.yaml')), ...Array.from({ length: 500 }, () => randomManifest(r))];
    const docs = manifests.map((m) => encodeManifest(m));
    const script = [
      'import sys, json, yaml',
      'docs = json.load(sys.stdin)',
      'out = []',
      'for d in docs:',
      '    m = yaml.safe_load(d)',
      "    out.append({k: m.get(k) for k in ('params', 'metrics', 'tags', 'command', 'id', 'name')})",
      'print(json.dumps(out))',
    ].join('\n');
    const res = spawnSync('python3', ['-c', script], { input: JSON.stringify(docs), encoding: 'utf8', maxBuffer: 1 << 26 });
    expect(res.stderr).toBe('');
    const seen = JSON.parse(res.stdout) as Record<string, unknown>[];
    manifests.forEach((m, i) => {
      const want = { params: m.params, metrics: m.metrics, tags: m.tags, command: m.command ?? null, id: m.id, name: m.name ?? null };
      // JSON cannot carry -0; compare the rest exactly.
      expect(JSON.parse(JSON.stringify(seen[i]))).toEqual(JSON.parse(JSON.stringify(want)));
    });
  });

  it('reads 5,000 awkward strings back as themselves, as values, list items and keys', () => {
    const r = rng(123);
    const strings = Array.from({ length: 5000 }, () => randomString(r, 6));
    const docs = strings.map((s) => `${formatString(s)}: ${formatString(s)}\nlist: [${formatString(s, true)}]\n`);
    const script = 'import sys, json, yaml\nprint(json.dumps([yaml.safe_load(d) for d in json.load(sys.stdin)]))';
    const res = spawnSync('python3', ['-c', script], { input: JSON.stringify(docs), encoding: 'utf8', maxBuffer: 1 << 26 });
    expect(res.stderr).toBe('');
    const seen = JSON.parse(res.stdout) as Record<string, unknown>[];
    strings.forEach((s, i) => {
      const want = s === 'list' ? { list: [s] } : { [s]: s, list: [s] };
      if (JSON.stringify(seen[i]) !== JSON.stringify(want)) expect.fail(`PyYAML read ${docs[i]} as ${JSON.stringify(seen[i])}`);
    });
  });
});
