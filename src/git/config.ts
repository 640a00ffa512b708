/**
 * Reading a repository's own `config` file.
 *
 * isomorphic-git has a config parser, but importing isomorphic-git costs ~180 ms of start-up
 * (measured: `node -e "await import('isomorphic-git')"` vs `node -e 0`), more than the whole
 * budget of `git-track log`. The hot commands only need a few keys of the repo's config, so
 * this small reader serves them; user-level settings (identity) come from `git var`.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { systemCode } from '../errors.js';

export interface GitConfig {
  /** Last value of `section.subsection.key` (section and key case-insensitive), if set. */
  get(key: string): string | undefined;
  /** Every value of a multi-valued key, in file order. */
  getAll(key: string): string[];
  /** Every key set, as `section.subsection.key` with section and key lowercase. */
  keys(): string[];
}

/**
 * Parse `<gitDir>/config`. A missing file reads as empty.
 *
 * @example
 * readGitConfig(repo.commonDir).get('remote.origin.url');
 */
export function readGitConfig(gitDir: string): GitConfig {
  return readGitConfigFile(join(gitDir, 'config'));
}

/**
 * The per-user config files git reads, lowest precedence first: `$XDG_CONFIG_HOME/git/config`
 * (default `~/.config/git/config`), then `~/.gitconfig`.
 *
 * @example
 * globalConfigPaths(env.vars).map(readGitConfigFile);
 */
export function globalConfigPaths(vars: Record<string, string | undefined>): string[] {
  const home = vars.HOME;
  const xdg = vars.XDG_CONFIG_HOME ?? (home ? join(home, '.config') : undefined);
  return [...(xdg ? [join(xdg, 'git', 'config')] : []), ...(home ? [join(home, '.gitconfig')] : [])];
}

/**
 * Parse one config file (e.g. `~/.gitconfig`). A missing or unreadable file reads as empty.
 *
 * @example
 * readGitConfigFile(join(homedir(), '.gitconfig')).get('core.fsync');
 */
export function readGitConfigFile(path: string): GitConfig {
  let text = '';
  try {
    text = readFileSync(path, 'utf8');
  } catch (err) {
    if (systemCode(err) !== 'ENOENT' && systemCode(err) !== 'EACCES' && systemCode(err) !== 'ENOTDIR') throw err;
  }
  return parseGitConfig(text);
}

/**
 * Parse git config text: `[section "sub"]` headers, `key = value` lines, `;`/`#` comments,
 * double quotes and backslash escapes, and boolean keys without a value.
 *
 * @example
 * parseGitConfig('[remote "origin"]\n\turl = git@x:y.git').get('remote.origin.url');
 */
export function parseGitConfig(text: string): GitConfig {
  const values = new Map<string, string[]>();
  let section = '';
  for (const rawLine of text.split(/\r?\n/)) {
    const line = rawLine.trim();
    if (line === '' || line.startsWith('#') || line.startsWith(';')) continue;
    const header = /^\[\s*([A-Za-z0-9.-]+)(?:\s+"((?:[^"\\]|\\.)*)")?\s*\]/.exec(line);
    if (header) {
      const [name = '', ...dotted] = header[1]!.split('.');
      const sub = header[2] !== undefined ? header[2].replace(/\\(.)/g, '$1') : dotted.join('.');
      section = sub ? `${name.toLowerCase()}.${sub}` : name.toLowerCase();
      continue;
    }
    const entry = /^([A-Za-z][A-Za-z0-9-]*)\s*(?:=\s*(.*))?$/.exec(line);
    if (!entry || !section) continue;
    const key = `${section}.${entry[1]!.toLowerCase()}`;
    const value = entry[2] === undefined ? 'true' : unquote(entry[2]);
    values.set(key, [...(values.get(key) ?? []), value]);
  }
  const normalise = (key: string): string => {
    const first = key.indexOf('.');
    const last = key.lastIndexOf('.');
    return `${key.slice(0, first).toLowerCase()}${key.slice(first, last)}${key.slice(last).toLowerCase()}`;
  };
  return {
    get: (key) => values.get(normalise(key))?.at(-1),
    getAll: (key) => values.get(normalise(key)) ?? [],
    keys: () => [...values.keys()],
  };
}

function unquote(raw: string): string {
  let out = '';
  let quoted = false;
  for (let i = 0; i < raw.length; i++) {
    const c = raw[i]!;
    if (c === '"') quoted = !quoted;
    else if (c === '\\' && i + 1 < raw.length) {
      const next = raw[++i]!;
      out += next === 'n' ? '\n' : next === 't' ? '\t' : next;
    } else if (!quoted && (c === '#' || c === ';')) break;
    else out += c;
  }
  return quoted ? out : out.trimEnd();
}
