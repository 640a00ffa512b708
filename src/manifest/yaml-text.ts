/**
 * Reading YAML text that people write (params files, policies, stage files): one document,
 * YAML 1.2 core schema, errors with a line number. The `yaml` package loads on first use.
 */
import { createRequire } from 'node:module';
import { GitTrackError } from '../errors.js';

/**
 * Parses one YAML document with the core schema; duplicate keys, unknown tags and more than
 * one document are errors.
 *
 * @throws GitTrackError BAD_INPUT `<source>: line N: <reason>`
 * @example
 * parseYaml('a: 1\n', 'params.yaml'); // { a: 1 }
 */
export function parseYaml(text: string, source: string): unknown {
  const YAML = loadYaml();
  const lineCounter = new YAML.LineCounter();
  const doc = YAML.parseDocument(text, { schema: 'core', uniqueKeys: true, prettyErrors: true, lineCounter });
  const fail = (reason: string, offset: number | undefined): never => {
    const line = offset === undefined ? undefined : lineCounter.linePos(offset).line;
    throw new GitTrackError('BAD_INPUT', `${source}: ${line ? `line ${line}: ` : ''}${reason}`, { source, line });
  };
  const problem = doc.errors[0] ?? doc.warnings[0];
  if (problem) {
    const reason = problem.message
      .split('\n')[0]!
      .replace(/ at line \d+, column \d+:?$/, '')
      .replace(/; please use YAML\.parseAllDocuments\(\)/, '');
    fail(reason, problem.pos[0]);
  }
  // toJS would throw a bare ReferenceError; find the alias first so the error has a line.
  YAML.visit(doc, {
    Alias(_key, node) {
      if (node.resolve(doc) === undefined) fail(`Unresolved alias *${node.source}`, node.range?.[0]);
    },
  });
  try {
    return doc.toJS({ maxAliasCount: 100 });
  } catch (err) {
    return fail((err as Error).message, undefined);
  }
}

/**
 * The `yaml` package, loaded on first use; every module reaches it through here. Canonical
 * manifests and `-p` flags never need it, and parsing its 260 KB at start-up was a third of
 * `git-track log`'s time (measured). The build keeps it external: a plain require.
 */
export function loadYaml(): typeof import('yaml') {
  yamlModule ??= createRequire(import.meta.url)('yaml') as typeof import('yaml');
  return yamlModule;
}

let yamlModule: typeof import('yaml') | undefined;
