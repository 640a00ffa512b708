/**
 * Reading YAML text that people write (params files, policies, stage files): one document,
 * YAML 1.2 core schema, errors with a line number. The `yaml` package loads on first use.
 */
import { createRequire } from 'node:module';
import { GitTrackError } from '../errors.js';
import { MAX_NESTING_DEPTH } from '../limits.js';
import { checkYamlDepth, isRoundedInteger, tooDeep, unsafeInteger } from './nesting.js';

/**
 * Parses one YAML document with the core schema; duplicate keys, unknown tags and more than
 * one document are errors, and so are nesting past {@link MAX_NESTING_DEPTH} and an integer
 * a double would round (integers are read exactly, then refused when a double would change them).
 *
 * @throws GitTrackError BAD_INPUT `<source>: line N: <reason>`
 * @example
 * parseYaml('a: 1\n', 'params.yaml'); // { a: 1 }
 */
export function parseYaml(text: string, source: string): unknown {
  checkYamlDepth(text, source);
  const YAML = loadYaml();
  const lineCounter = new YAML.LineCounter();
  const doc = YAML.parseDocument(text, { schema: 'core', uniqueKeys: true, prettyErrors: true, lineCounter, intAsBigInt: true });
  const lineOf = (offset: number | undefined) => (offset === undefined ? undefined : lineCounter.linePos(offset).line);
  const fail = (reason: string, offset: number | undefined): never => {
    const line = lineOf(offset);
    throw new GitTrackError('BAD_INPUT', `${source}: ${line ? `line ${line}: ` : ''}${reason}`, { source, line });
  };
  // The parser catches its own stack overflow and reports it as an error.
  const exhausted = doc.errors.find((e) => e.code === 'RESOURCE_EXHAUSTION');
  if (exhausted) throw tooDeep(source, `line ${lineOf(exhausted.pos[0]) ?? 1}`);
  checkDocument(doc.contents, (node) => {
    throw tooDeep(source, `line ${lineOf(node.range?.[0]) ?? 1}`);
  }, (node) => {
    const line = lineOf(node.range?.[0]);
    throw unsafeInteger(`${source}${line ? `: line ${line}` : ''}`, String(node.value));
  });
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

type YamlNode = { range?: [number, number, number] | null; value?: unknown; items?: unknown[]; key?: unknown };

/**
 * Walks the parsed document without recursion: refuses nesting past {@link MAX_NESTING_DEPTH}
 * and integers a double would round, and turns the other integers (read as bigint, so none is rounded
 * unseen) back into numbers.
 */
function checkDocument(root: unknown, deep: (node: YamlNode) => never, unsafe: (node: YamlNode) => never): void {
  const stack: [YamlNode, number][] = root ? [[root as YamlNode, 1]] : [];
  while (stack.length > 0) {
    const [node, depth] = stack.pop()!;
    if (Array.isArray(node.items)) {
      if (depth > MAX_NESTING_DEPTH) deep(node);
      for (const item of node.items as YamlNode[]) {
        if (item && 'key' in item) {
          // A pair: its key and value sit at the level of the map's entries.
          if (item.key) stack.push([item.key as YamlNode, depth + 1]);
          if (item.value) stack.push([item.value as YamlNode, depth + 1]);
        } else if (item) stack.push([item, depth + 1]);
      }
    } else if (typeof node.value === 'bigint') {
      if (isRoundedInteger(node.value.toString())) unsafe(node);
      node.value = Number(node.value);
    }
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
