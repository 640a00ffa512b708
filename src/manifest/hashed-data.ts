/**
 * Data inputs that carry a content hash (a declared `version` entry has none).
 */
import type { DataEntry } from './schema.js';

export type HashedDataEntry = Extract<DataEntry, { sha256: string }>;

/**
 * The data entries of a manifest that can be looked up by content.
 *
 * @example
 * hashedData(manifest.data).map((d) => d.sha256);
 */
export function hashedData(data: readonly DataEntry[]): HashedDataEntry[] {
  return data.filter((d): d is HashedDataEntry => d.kind !== 'version');
}
