import { readFileSync } from 'node:fs';

/**
 * The installed git-track version, read from package.json (one level above both `src/` and
 * the built `dist/`).
 *
 * @example
 * gitTrackVersion(); // '0.1.0'
 */
export function gitTrackVersion(): string {
  cached ??= (JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')) as { version: string }).version;
  return cached;
}

let cached: string | undefined;
