/**
 * Rendering manifests for the terminal and for `--json`.
 */
import type { RunManifest } from '../../manifest/schema.js';

/**
 * A manifest as pretty JSON.
 *
 * @example
 * renderManifestJson(manifest); // '{\n  "format": "git-track/run@1", …'
 */
export function renderManifestJson(m: RunManifest | RunManifest[]): string {
  return JSON.stringify(m, null, 2);
}
