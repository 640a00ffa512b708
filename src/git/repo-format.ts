/**
 * Which repositories git-track may read and write: `core.repositoryformatversion` and the
 * `extensions.*` a repository declares. git itself refuses a repository whose extensions it
 * does not know; we refuse as well those git knows but our object and ref code does not
 * handle, before reading or writing anything, naming the extension.
 *
 * Accepted: format versions 0 and 1; `extensions.noop`, `noop-v1`, `preciousObjects` (we
 * never delete objects), `partialClone` (missing objects are asked of git, which fetches
 * them), `worktreeConfig` (`config.worktree` is read), `objectFormat` `sha1` or `sha256`
 * and `refStorage=files`. Refused: any other object format or ref storage,
 * `compatObjectFormat` (objects under two hashes at once), any unknown extension in a
 * version 1 repository.
 */
import { GitTrackError } from '../errors.js';
import type { GitConfig } from './config.js';
import { objectFormatNamed, SHA1, type ObjectFormat } from './object-format.js';

/** Extensions git honours in a version 0 repository (git's `handle_extension_v0`). */
const V0_EXTENSIONS = new Set(['noop', 'preciousobjects', 'partialclone', 'worktreeconfig']);
/** Extensions git knows only in a version 1 repository; version 0 with one is refused by git ≥ 2.28. */
const V1_ONLY_EXTENSIONS = new Set(['noop-v1', 'objectformat', 'compatobjectformat', 'refstorage']);

/** What the repository declares that the rest of git-track must honour. */
export interface RepoFormat {
  /** The repository is a partial clone: an object not present locally may be on its promisor remote. */
  partialClone: boolean;
  /** `config.worktree` of each worktree applies. */
  worktreeConfig: boolean;
  /** The hash that names objects (`extensions.objectFormat`, sha1 when unset). */
  objectFormat: ObjectFormat;
}

/**
 * Check that git-track handles the repository whose config (its `<commonDir>/config`) is
 * `config`; throws `UNSUPPORTED_REPO` naming the version or extension otherwise.
 *
 * @example
 * checkRepoFormat(readGitConfig(commonDir), commonDir); // { partialClone: false, worktreeConfig: false, objectFormat: SHA1 }
 */
export function checkRepoFormat(config: GitConfig, where: string): RepoFormat {
  const rawVersion = config.get('core.repositoryformatversion') ?? '0';
  const version = /^\d+$/.test(rawVersion.trim()) ? Number(rawVersion) : NaN;
  if (version !== 0 && version !== 1) {
    refuse(where, `repository format version ${rawVersion} is not supported (git-track handles 0 and 1)`, { version: rawVersion });
  }
  const format: RepoFormat = { partialClone: false, worktreeConfig: false, objectFormat: SHA1 };
  for (const key of config.keys()) {
    if (!key.startsWith('extensions.')) continue;
    const name = key.slice('extensions.'.length);
    const value = (config.get(key) ?? '').trim();
    if (version === 0) {
      if (V1_ONLY_EXTENSIONS.has(name)) {
        refuse(where, `repository format version is 0 but extensions.${name} needs version 1 (git refuses it too)`, { extension: name });
      }
      // git ignores extensions it does not know in a version 0 repository.
      if (!V0_EXTENSIONS.has(name)) continue;
    }
    accept(where, name, value, format);
  }
  return format;
}

function accept(where: string, name: string, value: string, format: RepoFormat): void {
  switch (name) {
    case 'noop':
    case 'noop-v1':
    case 'preciousobjects':
      return;
    case 'partialclone':
      format.partialClone = value !== '';
      return;
    case 'worktreeconfig':
      format.worktreeConfig = /^(true|yes|on|1)$/i.test(value);
      return;
    case 'objectformat': {
      const known = objectFormatNamed(value);
      if (known) {
        format.objectFormat = known;
        return;
      }
      return refuse(where, `extensions.objectFormat is '${value}': git-track handles sha1 and sha256 repositories`, { extension: name, value });
    }
    case 'refstorage':
      if (value.toLowerCase() === 'files') return;
      return refuse(where, `extensions.refStorage is '${value}': git-track handles only the files ref storage`, { extension: name, value });
    default:
      return refuse(where, `extensions.${name} is not supported by git-track`, { extension: name, value });
  }
}

function refuse(where: string, what: string, data: Record<string, unknown>): never {
  throw new GitTrackError('UNSUPPORTED_REPO', `${where}: ${what}; nothing was read or written`, { where, ...data });
}
