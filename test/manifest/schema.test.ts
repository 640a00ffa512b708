import { readdirSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import YAML from 'yaml';
import { describe, expect, it } from 'vitest';
import { errorOf } from '../helpers/errors.js';
import { decodeManifest } from '../../src/manifest/codec.js';
import { formatPath } from '../../src/manifest/schema-errors.js';
import { manifestJsonSchema, validateManifest, type RunManifest } from '../../src/manifest/schema.js';
import { MANIFEST_FORMAT } from '../../src/manifest/names.js';
import { GitTrackError } from '../../src/errors.js';

const FIXTURES = resolve(import.meta.dirname, '..', '..', 'fixtures', 'manifests');
const validNames = readdirSync(join(FIXTURES, 'valid')).filter((f) => f.endsWith('.yaml'));
const invalidNames = readdirSync(join(FIXTURES, 'invalid')).filter((f) => f.endsWith('.yaml'));

function load(name: string): RunManifest {
  return decodeManifest(readFileSync(join(FIXTURES, 'valid', name), 'utf8'), name);
}


describe('valid fixtures', () => {
  it('has several', () => expect(validNames.length).toBeGreaterThanOrEqual(4));
  it.each(validNames)('%s validates', (name) => {
    const m = load(name);
    expect(m.format).toBe(MANIFEST_FORMAT);
    expect(m.id).toMatch(/^[0-9a-f]{12}$/);
  });
});

describe('invalid fixtures', () => {
  it('covers the cases the brief names', () => {
    for (const n of ['bad-id', 'bad-status', 'nan-metric', 'missing-format', 'unknown-key', 'bad-sha']) {
      expect(invalidNames).toContain(`${n}.yaml`);
    }
  });

  // Each fixture's first line says what it must produce: `# expect: CODE message-fragment`.
  it.each(invalidNames)('%s is refused with the field named', (name) => {
    const text = readFileSync(join(FIXTURES, 'invalid', name), 'utf8');
    const [, code, fragment] = /^# expect: (\S+) (.*)$/m.exec(text)!;
    const err = errorOf(() => decodeManifest(text, `fixtures/${name}`));
    expect(err.code).toBe(code);
    expect(err.message.startsWith(`fixtures/${name}: `)).toBe(true);
    expect(err.message).toContain(fragment!.trim());
    expect(err.message).not.toContain('\n');
  });
});

describe('validateManifest', () => {
  const base = load('full.yaml');
  const refuse = (mutate: (m: Record<string, any>) => void) => {
    const m = structuredClone(base) as Record<string, any>;
    mutate(m);
    return errorOf(() => validateManifest(m));
  };

  it('returns the manifest unchanged when valid', () => {
    expect(validateManifest(structuredClone(base))).toEqual(base);
  });

  it('keeps every zod issue in data.issues and names the first one', () => {
    const err = refuse((m) => {
      m.id = 'nope';
      m.status = 'done';
    });
    expect(err.code).toBe('INVALID_MANIFEST');
    expect(err.message).toBe("invalid manifest: id: must be 12 lowercase hex characters, got 'nope'");
    expect((err.data.issues as unknown[]).length).toBe(2);
  });

  it.each([
    ['not a map', () => 'hello', "expected a map, got 'hello'"],
    ['null', () => null, 'expected a map, got null'],
  ])('refuses %s at the top level', (_label, value, message) => {
    expect(errorOf(() => validateManifest(value())).message).toBe(`invalid manifest: ${message}`);
  });

  it.each<[string, (m: Record<string, any>) => void, string]>([
    ['a NaN metric', (m) => (m.metrics.f1 = NaN), 'metrics.f1: must be a finite number, got NaN'],
    ['an infinite duration', (m) => (m.duration_s = Infinity), 'duration_s: must be a finite number, got Infinity'],
    ['a float size', (m) => (m.data[0].size = 1.5), 'data[0].size: must be an integer'],
    ['a missing author email', (m) => delete m.author.email, 'author.email: is required'],
    ['a name with a newline', (m) => (m.name = 'a\nb'), 'name: must be one line'],
    ['an empty name', (m) => (m.name = ''), 'name: must not be empty'],
    ['an author name with <', (m) => (m.author.name = 'Ada <x>'), "author.name: must not contain '<'"],
    ['an impossible date', (m) => (m.created = '2026-02-30T00:00:00Z'), 'created: is not a real calendar time'],
    ['a local time', (m) => (m.created = '2026-05-30T10:15:02+02:00'), 'created: must be an ISO-8601 UTC time'],
    ['a nested param map', (m) => (m.params.model = { depth: 8 }), 'params.model: must be a number, string, boolean, null, or a list'],
    ['a param list of lists', (m) => (m.params.layers = [[1]]), 'params.layers: must be'],
    ['a non-string tag', (m) => (m.tags.team = 3), 'tags.team: must be a string, got 3'],
    ['a tag name with a space', (m) => (m.tags['my team'] = 'x'), 'tags["my team"]: invalid name'],
    ['an empty name segment', (m) => (m.metrics['a..b'] = 1), 'metrics.a..b: invalid name'],
    ['a name with =', (m) => (m.params['a=b'] = 1), 'params.a=b: invalid name'],
    ['a duplicate series name', (m) => (m.series = ['loss', 'loss']), "series[1]: duplicate series name 'loss'"],
    ['a duplicate artifact path', (m) => m.artifacts.push({ ...m.artifacts[0] }), "artifacts[3]: duplicate artifact path 'models/churn.pkl'"],
    ['an absolute artifact path', (m) => (m.artifacts[0].path = '/etc/passwd'), 'artifacts[0].path: must be a relative path'],
    ['a size without a hash', (m) => (m.artifacts[0].sha256 = null), 'artifacts[0].size: must be null exactly when sha256 is null'],
    ['a file count on a file', (m) => (m.data[0].files = 2), "data[0].files: only a 'dir' entry has a file count"],
    ['a bad kind', (m) => (m.data[0].kind = 'link'), "data[0].kind: must be one of file, dir, version, got 'link'"],
    ['a snapshot of a clean tree', (m) => (m.code.dirty = false), 'code.snapshot: is only recorded for a dirty tree'],
    ['a token in an https remote', (m) => (m.code.remote = 'https://ghp_abc@github.com/a/b'), 'code.remote: must not contain credentials'],
    ['a bad source kind', (m) => (m.source = { kind: 'mlflow', file: 'x' }), "source.kind: must be record, got 'mlflow'"],
    ['a status in capitals', (m) => (m.status = 'FINISHED'), "status: must be one of finished, failed, killed, got 'FINISHED'"],
  ])('refuses %s', (_label, mutate, fragment) => {
    const err = refuse(mutate);
    expect(err.code).toBe('INVALID_MANIFEST');
    expect(err.message).toContain(fragment);
  });

  it.each<[string, (m: Record<string, any>) => void]>([
    ['an ssh remote with a user', (m) => (m.code.remote = 'ssh://git@github.com/a/b.git')],
    ['an scp-like remote', (m) => (m.code.remote = 'git@github.com:a/b.git')],
    ['millisecond precision', (m) => (m.created = '2026-05-30T10:15:02.123Z')],
    ['a leap day', (m) => (m.created = '2028-02-29T00:00:00Z')],
    ['unicode names', (m) => (m.params['größe'] = 1)],
    ['names with / and @', (m) => (m.metrics['val/acc@5'] = 0.9)],
    ['a detached HEAD', (m) => (m.code.branch = null)],
    ['a repository without commits', (m) => (m.code = { commit: null, dirty: true })],
    ['a missing artifact', (m) => (m.artifacts[0] = { path: 'gone.bin', kind: 'file', sha256: null, size: null })],
  ])('accepts %s', (_label, mutate) => {
    const m = structuredClone(base) as Record<string, any>;
    mutate(m);
    expect(() => validateManifest(m)).not.toThrow();
  });
});

describe('formatPath', () => {
  it('reads like the YAML it points into', () => {
    expect(formatPath(['metrics', 'f1'])).toBe('metrics.f1');
    expect(formatPath(['artifacts', 2, 'sha256'])).toBe('artifacts[2].sha256');
    expect(formatPath(['params', 'a b'])).toBe('params["a b"]');
    expect(formatPath([])).toBe('');
  });
});

describe('JSON Schema', () => {
  // The pin: regenerate with `node scripts/generate-schema.mjs` after changing the zod schema.
  it('matches the committed schema/run.schema.json', () => {
    const committed = readFileSync(resolve(FIXTURES, '..', '..', 'schema', 'run.schema.json'), 'utf8');
    expect(committed).toBe(`${JSON.stringify(manifestJsonSchema(), null, 2)}\n`);
  });

  it('requires what the zod schema requires and forbids unknown fields', () => {
    const s = manifestJsonSchema() as { required: string[]; additionalProperties: boolean; properties: Record<string, unknown> };
    expect(s.additionalProperties).toBe(false);
    expect(s.required).toEqual(['format', 'id', 'status', 'created', 'author', 'data', 'params', 'metrics', 'artifacts', 'tags']);
    expect(Object.keys(s.properties)).toContain('source');
  });

  it('describes the valid fixtures (checked by its own patterns)', () => {
    const s = manifestJsonSchema() as any;
    const name = new RegExp(s.properties.params.propertyNames.pattern);
    for (const f of validNames) {
      const raw = YAML.parse(readFileSync(join(FIXTURES, 'valid', f), 'utf8'), { schema: 'core' });
      for (const key of Object.keys(raw)) expect(s.properties).toHaveProperty(key);
      for (const key of Object.keys(raw.params)) expect(key).toMatch(name);
      expect(raw.id).toMatch(new RegExp(s.properties.id.pattern));
    }
  });
});
