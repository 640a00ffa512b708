/**
 * A manifest as the query index reads it: the strict canonical reader with a structural check
 * (what the columns read, and what a listing must refuse), else the full decoder, which
 * validates and names what is wrong.
 */
import { readCanonical } from '../manifest/canonical-reader.js';
import type { RunManifest } from '../manifest/schema.js';
import { decodeStoredManifest, type RunEntry } from '../runs/read-runs.js';
import { hasCredentials } from '../git/credentials.js';
import { pathProblem } from '../artifacts/safe-path.js';

/** The canonical reader's value when it has the shape the index reads, else the full decoder. */
export function manifestForIndex(text: string, e: RunEntry): RunManifest {
  const v = readCanonical(text) as Partial<Record<keyof RunManifest, unknown>> | undefined;
  const isMap = (x: unknown) => typeof x === 'object' && x !== null && !Array.isArray(x);
  if (
    v &&
    v.id === e.id &&
    typeof v.created === 'string' &&
    typeof v.status === 'string' &&
    isMap(v.author) &&
    isMap(v.params) &&
    isMap(v.metrics) &&
    isMap(v.tags) &&
    Array.isArray(v.data) &&
    v.data.every(indexableInput) &&
    (v.code === undefined || isMap(v.code)) &&
    !unsafeForListing(v)
  ) {
    return v as RunManifest;
  }
  return decodeStoredManifest(text, e);
}

/**
 * A data input with the fields its columns read (`data.<path>` is its sha256, or a declared
 * version's label): one without is left to the full decoder, which names what is missing, so
 * the listing skips it as `list --json` and `show` do.
 */
function indexableInput(d: unknown): boolean {
  if (typeof d !== 'object' || d === null || Array.isArray(d)) return false;
  const { kind, label, sha256, size } = d as Record<string, unknown>;
  return kind === 'version' ? typeof label === 'string' : typeof kind === 'string' && typeof sha256 === 'string' && typeof size === 'number';
}

/**
 * What the full validation refuses and a listing must not show either (they disagree
 * otherwise: `list` showing a run that `list --json` and `show` skip): a remote URL with
 * credentials, an artifact path leaving its tree. Those manifests take the full decoder.
 */
function unsafeForListing(v: Partial<Record<keyof RunManifest, unknown>>): boolean {
  const remote = (v.code as { remote?: unknown } | undefined)?.remote;
  if (typeof remote === 'string' && hasCredentials(remote)) return true;
  const artifacts = Array.isArray(v.artifacts) ? (v.artifacts as { path?: unknown }[]) : [];
  return artifacts.some((a) => typeof a?.path !== 'string' || pathProblem(a.path) === 'outside');
}
