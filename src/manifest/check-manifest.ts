/**
 * The manifest check of `git-track log`, written without zod.
 *
 * zod was measured too slow for start-up: loading its 100 KB, building the manifest schema
 * (~9 ms) and the first validation (~6 ms, jitless) were ~20 ms of a `log` whose budget is
 * 2.5× `node -e 0` (~160 ms against ~63 ms). The zod schema in schema.ts stays the single source
 * of truth: this check accepts exactly what it accepts and returns what it returns
 * (test/manifest/check-manifest.test.ts feeds both the same valid and invalid manifests, every
 * edge of every rule, and requires the same verdict, the same output and the same first issue
 * path), and a refused manifest is handed to zod, so the error the user sees is zod's own.
 */
import { hasCredentials } from '../git/credentials.js';
import { ANY_OID } from '../git/oid-text.js';
import { AUTHOR_TEXT, isInsidePath, isValidUtc, ISO_UTC, RUN_ID, SHA256_HEX, SINGLE_LINE } from './manifest-rules.js';
import { isValidName, MANIFEST_FORMAT } from './names.js';
import type { RunManifest } from './schema.js';

type Path = PropertyKey[];
/** Checks a value at `path` and returns what zod would return for it, or throws a {@link Refusal}. */
type Check = (value: unknown, path: Path) => unknown;

/** The first problem found, at the path of zod's first issue. */
class Refusal {
  constructor(readonly path: Path) {}
}

const refuse = (path: Path): never => {
  throw new Refusal(path);
};

const isObject = (v: unknown): v is Record<PropertyKey, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

/** zod's notion of a plain object (records require one; objects take any non-array object). */
function isPlainObject(o: unknown): o is Record<PropertyKey, unknown> {
  if (!isObject(o)) return false;
  const ctor = (o as { constructor?: unknown }).constructor;
  if (ctor === undefined || typeof ctor !== 'function') return true;
  const proto: unknown = ctor.prototype;
  return isObject(proto) && Object.prototype.hasOwnProperty.call(proto, 'isPrototypeOf');
}

/** A string passing every test (zod runs a string's checks in order, all at the string's path). */
const text =
  (...tests: ((s: string) => boolean)[]): Check =>
  (v, p) =>
    typeof v === 'string' && tests.every((t) => t(v)) ? v : refuse(p);
const matches = (re: RegExp) => (s: string) => re.test(s);
const singleLine = (max: number) => text((s) => s.length >= 1 && s.length <= max && SINGLE_LINE.test(s));
const anyString = text();
const gitOid = text(matches(ANY_OID));
const sha256 = text(matches(SHA256_HEX));
const runId = text(matches(RUN_ID));
const nameKey = (k: PropertyKey): k is string => typeof k === 'string' && isValidName(k);

const oneOf =
  (...allowed: unknown[]): Check =>
  (v, p) =>
    allowed.includes(v) ? v : refuse(p);
const finite: Check = (v, p) => (typeof v === 'number' && Number.isFinite(v) ? v : refuse(p));
const count: Check = (v, p) => (Number.isSafeInteger(v) && (v as number) >= 0 ? v : refuse(p));
const boolean: Check = (v, p) => (typeof v === 'boolean' ? v : refuse(p));
const nullable =
  (check: Check): Check =>
  (v, p) =>
    v === null ? null : check(v, p);

const isScalar = (v: unknown) => v === null || typeof v === 'string' || typeof v === 'boolean' || (typeof v === 'number' && Number.isFinite(v));
/** A param value: zod's union reports a bad one (or a bad list item) at the value itself. */
const paramValue: Check = (v, p) => {
  if (isScalar(v)) return v;
  if (!Array.isArray(v)) return refuse(p);
  // Indexes, not every(): a hole in a sparse list is an undefined item, as zod reads it.
  for (let i = 0; i < v.length; i++) if (!isScalar(v[i])) refuse(p);
  return [...v];
};

/** A list; with `key`, items whose key repeats an earlier one are refused at their index. */
function list(item: Check, key?: (out: never) => string): Check {
  return (v, p) => {
    if (!Array.isArray(v)) return refuse(p);
    const out = Array.from({ length: v.length }, (_, i) => item(v[i], [...p, i]));
    if (key) {
      const seen = new Set<string>();
      out.forEach((o, i) => {
        const k = key(o as never);
        if (seen.has(k)) refuse([...p, i]);
        seen.add(k);
      });
    }
    return out;
  };
}

/** A map of names to values, as zod's record: own enumerable keys, `__proto__` dropped. */
const record =
  (value: Check): Check =>
  (v, p) => {
    if (!isPlainObject(v)) return refuse(p);
    const out: Record<string, unknown> = {};
    for (const key of Reflect.ownKeys(v)) {
      if (key === '__proto__' || !Object.prototype.propertyIsEnumerable.call(v, key)) continue;
      if (!nameKey(key)) refuse([...p, key]);
      out[key as string] = value(v[key], [...p, key]);
    }
    return out;
  };

/** A field: its check, and whether it may be absent. */
type Field = [check: Check, optional?: 'optional'];
/** An object-level rule: the path (inside the object) of its issue when the output breaks it. */
type Rule = (out: Record<string, unknown>) => string | undefined;

/**
 * zod's strictObject: fields in declaration order (present means `key in value`, as zod reads
 * it), then unknown keys (`for…in`, inherited ones too), then the object's own rules.
 */
function strict(fields: Record<string, Field>, ...rules: Rule[]): Check & { keys: string[] } {
  const keys = Object.keys(fields);
  const known = new Set(keys);
  const check = (v: unknown, p: Path) => {
    if (!isObject(v)) return refuse(p);
    const out: Record<string, unknown> = {};
    for (const key of keys) {
      const [fieldCheck, optional] = fields[key]!;
      const present = key in v;
      if (!present && optional) continue;
      const value = v[key];
      out[key] = optional && value === undefined ? undefined : fieldCheck(value, [...p, key]);
    }
    for (const key in v) if (!known.has(key)) refuse(p);
    for (const rule of rules) {
      const at = rule(out);
      if (at !== undefined) refuse([...p, at]);
    }
    return out;
  };
  return Object.assign(check, { keys });
}

const filesOnlyForDirs: Rule = (e) => (e.files === undefined || e.kind === 'dir' ? undefined : 'files');

const author = strict({ name: [text((s) => s.length >= 1, matches(AUTHOR_TEXT))], email: [text(matches(AUTHOR_TEXT))] });
const code = strict(
  {
    commit: [nullable(gitOid)],
    branch: [nullable(singleLine(255)), 'optional'],
    dirty: [boolean],
    snapshot: [gitOid, 'optional'],
    patch: [singleLine(255), 'optional'],
    remote: [text((s) => s.length >= 1 && s.length <= 2048 && SINGLE_LINE.test(s) && !hasCredentials(s)), 'optional'],
  },
  (c) => (c.snapshot === undefined || c.dirty ? undefined : 'snapshot'),
);
const submodule = strict(
  {
    path: [text((s) => s.length >= 1 && isInsidePath(s))],
    commit: [gitOid],
    dirty: [boolean],
    changes_in_snapshot: [oneOf(false), 'optional'],
  },
  (s) => (s.dirty === (s.changes_in_snapshot === false) ? undefined : 'changes_in_snapshot'),
);
const hashedData = strict(
  {
    path: [singleLine(4096)],
    kind: [oneOf('file', 'dir')],
    sha256: [sha256],
    size: [count],
    files: [count, 'optional'],
    label: [singleLine(200), 'optional'],
  },
  filesOnlyForDirs,
);
const declaredData = strict({ path: [singleLine(4096), 'optional'], kind: [oneOf('version')], label: [singleLine(200)] });
/** zod's discriminated union on `kind`: an unknown kind is refused at `kind`. */
const dataEntry: Check = (v, p) => {
  if (!isObject(v)) return refuse(p);
  if (v.kind === 'file' || v.kind === 'dir') return hashedData(v, p);
  return v.kind === 'version' ? declaredData(v, p) : refuse([...p, 'kind']);
};
const artifact = strict(
  {
    path: [text((s) => s.length >= 1 && s.length <= 4096 && SINGLE_LINE.test(s) && isInsidePath(s))],
    kind: [oneOf('file', 'dir')],
    sha256: [nullable(sha256)],
    size: [nullable(count)],
    files: [count, 'optional'],
    role: [singleLine(200), 'optional'],
  },
  filesOnlyForDirs,
  (a) => ((a.sha256 === null) === (a.size === null) ? undefined : 'size'),
);
const env = strict({
  os: [anyString],
  arch: [anyString],
  hostname: [anyString],
  node: [anyString],
  python: [anyString, 'optional'],
  packages: [anyString, 'optional'],
  git_track: [anyString],
});
const source = strict({ kind: [oneOf('record')], file: [singleLine(4096)] });

const manifest = strict(
  {
    format: [oneOf(MANIFEST_FORMAT)],
    id: [runId],
    name: [singleLine(200), 'optional'],
    experiment: [singleLine(200), 'optional'],
    parent: [runId, 'optional'],
    status: [oneOf('finished', 'failed', 'killed')],
    created: [text(matches(ISO_UTC), isValidUtc)],
    duration_s: [(v, p) => (finite(v, p) as number) >= 0 ? v : refuse(p), 'optional'],
    author: [author],
    command: [list(anyString), 'optional'],
    code: [code, 'optional'],
    submodules: [list(submodule, (s: { path: string }) => s.path), 'optional'],
    data: [list(dataEntry, (d: { path?: string; label?: string }) => d.path ?? `version:${d.label}`)],
    params: [record(paramValue)],
    metrics: [record(finite)],
    series: [list(text(nameKey), (s: string) => s), 'optional'],
    artifacts: [list(artifact, (a: { path: string }) => a.path)],
    env: [env, 'optional'],
    tags: [record(anyString)],
    note: [anyString, 'optional'],
    source: [source, 'optional'],
  },
  (m) => (m.parent === undefined || m.parent !== m.id ? undefined : 'parent'),
);

/** The field names of each object the check knows, for the test that pins them to zod's shapes. */
export const CHECKED_FIELDS = {
  manifest: manifest.keys,
  author: author.keys,
  code: code.keys,
  submodule: submodule.keys,
  hashedData: hashedData.keys,
  declaredData: declaredData.keys,
  artifact: artifact.keys,
  env: env.keys,
  source: source.keys,
};

/**
 * Checks a manifest as `runManifestSchema.safeParse` would, without loading zod.
 *
 * @returns the manifest as zod returns it, or the path of the first issue zod would report
 * @example
 * const r = checkManifest(draft);
 * if (!r.ok) console.log(r.path); // ['metrics', 'f1']
 */
export function checkManifest(value: unknown): { ok: true; manifest: RunManifest } | { ok: false; path: PropertyKey[] } {
  try {
    return { ok: true, manifest: manifest(value, []) as RunManifest };
  } catch (err) {
    if (err instanceof Refusal) return { ok: false, path: err.path };
    throw err;
  }
}

/**
 * `validateManifest` (schema.ts) for the hot path: zod loads only to word a refusal.
 *
 * @throws GitTrackError INVALID_MANIFEST, exactly as `validateManifest` throws it
 * @example
 * const m = await validateManifestQuickly(draft);
 */
export async function validateManifestQuickly(value: unknown, source?: string, what?: string): Promise<RunManifest> {
  const checked = checkManifest(value);
  if (checked.ok) return checked.manifest;
  const { validateManifest } = await import('./schema.js');
  return validateManifest(value, source, what);
}
