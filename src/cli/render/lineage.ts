/**
 * Rendering provenance: `which` results, and lineage trees as indented text or mermaid.
 */
import type { LineageNode } from '../../provenance/lineage.js';
import type { WhichResult } from '../../provenance/which.js';

/**
 * @example
 * renderWhich(result, 'models/m.pkl'); // 'models/m.pkl  sha256 9f86d0…\nproduced by:\n  3f9a… …'
 */
export function renderWhich(r: WhichResult, label: string): string {
  const line = (u: WhichResult['producedBy'][number]) => `  ${u.run.id}  ${u.run.created}  ${u.run.name ?? ''}  as ${u.path}${u.role ? ` (${u.role})` : ''}`.replace(/ {3,}as/, '  as');
  const out = [`${label}  sha256 ${r.hash.sha256}`];
  out.push(r.producedBy.length ? 'produced by:' : 'produced by: no recorded run', ...r.producedBy.map(line));
  out.push(r.usedBy.length ? 'used as data by:' : 'used as data by: no recorded run', ...r.usedBy.map(line));
  return out.join('\n');
}

function code(n: LineageNode): string {
  if (!n.code) return 'code: not recorded';
  if (!n.code.commit) return 'code: no commit';
  return `code ${n.code.commit.slice(0, 12)}${n.code.dirty ? ` + uncommitted changes (snapshot ${n.code.snapshot?.slice(0, 12) ?? '?'})` : ''}`;
}

/**
 * An indented tree.
 *
 * @example
 * renderLineageText(tree);
 * // run c3… eval  (code 1a2b…)
 * //   data models/m.pkl 9f86d0…
 * //     produced as models/m.pkl by run b2… train …
 */
export function renderLineageText(root: LineageNode): string {
  const out: string[] = [];
  const walk = (n: LineageNode, depth: number) => {
    const pad = '  '.repeat(depth);
    out.push(`${pad}run ${n.id}${n.name ? ` ${n.name}` : ''}  (${code(n)})${n.seen ? '  [shown above]' : ''}${n.truncated ? '  [inputs not shown: depth limit, see --depth]' : ''}`);
    if (n.seen) return;
    for (const input of n.inputs) {
      out.push(`${pad}  data ${input.path ?? '(no path)'}  ${input.sha256 ? `sha256 ${input.sha256.slice(0, 12)}` : 'not hashed'}${input.label ? `  @${input.label}` : ''}${input.producers.length ? '' : '  (no recorded producer)'}`);
      for (const p of input.producers) {
        out.push(`${pad}    produced as ${p.artifact} by:`);
        walk(p.node, depth + 3);
      }
    }
  };
  walk(root, 0);
  return out.join('\n');
}

/**
 * A mermaid flowchart: runs and data as nodes, edges from producer to data to consumer.
 *
 * @example
 * renderLineageMermaid(tree); // 'flowchart LR\n  run_b2…["train b2…"] --> data_9f86…'
 */
export function renderLineageMermaid(root: LineageNode): string {
  const lines = new Set<string>();
  const quote = (s: string) => s.replace(/"/g, '#quot;');
  const walk = (n: LineageNode) => {
    lines.add(`  run_${n.id}["run ${n.id}${n.name ? ` ${quote(n.name)}` : ''}"]`);
    if (n.seen) return;
    for (const input of n.inputs) {
      const data = `data_${input.sha256?.slice(0, 16) ?? `${n.id}_${n.inputs.indexOf(input)}`}`;
      lines.add(`  ${data}[("${quote(input.path ?? input.label ?? 'data')}${input.sha256 ? '' : ` @${quote(input.label ?? '')}`}")]`);
      lines.add(`  ${data} --> run_${n.id}`);
      for (const p of input.producers) {
        walk(p.node);
        lines.add(`  run_${p.node.id} --> ${data}`);
      }
    }
  };
  walk(root);
  return ['flowchart LR', ...lines].join('\n');
}
