/** The lineage graph's layers and bounds (src/ui/web/views/lineage-layout.ts), without a browser. */
import { describe, expect, it } from 'vitest';
import type { LineageNode, RunAnswer } from '../../src/ui/web/api-types.js';
import { UI_LINEAGE_LAYER_NODES } from '../../src/limits.js';
import { lineageGraph } from '../../src/ui/web/views/lineage-layout.js';

const node = (id: string, inputs: LineageNode['inputs'] = []): LineageNode => ({ id, created: '2026-01-01T00:00:00Z', inputs });
const input = (path: string, ...producers: LineageNode[]): LineageNode['inputs'][number] => ({ path, sha256: 'x', producers: producers.map((n) => ({ artifact: path, node: n })) });

function answer(lineage: LineageNode | null, usedBy: RunAnswer['usedBy'] = []): RunAnswer {
  return { run: { id: 'root', name: 'root' }, lineage, usedBy, data: [], children: [] } as unknown as RunAnswer;
}

describe('lineage graph layout', () => {
  it('is null for a run with neither producers nor consumers', () => {
    expect(lineageGraph(answer(node('root', [{ path: 'a.csv', sha256: null, producers: [] }])))).toBeNull();
  });

  it('places a shared ancestor once, in the generation nearest the run, and marks older inputs', () => {
    const grand = node('grand', [input('raw', node('older', [input('dump', node('oldest'))]))]);
    const prep = node('prep', [input('x.csv', grand)]);
    const g = lineageGraph(answer(node('root', [input('train.csv', prep), input('extra.csv', grand)]), [{ id: 'use', path: 'model.bin' }]))!;
    const layer = Object.fromEntries(g.nodes.map((n) => [n.key, n.layer]));
    expect(layer).toEqual({ root: 0, prep: -1, grand: -1, older: -2, use: 1 });
    expect(g.edges).toContainEqual({ from: 'grand', to: 'prep', labels: ['x.csv'] });
    expect(g.edges).toContainEqual({ from: 'root', to: 'use', labels: ['model.bin'] });
    expect(g.nodes.find((n) => n.key === 'older')!.older).toBe(true);
    expect(g.nodes.find((n) => n.key === 'grand')!.older).toBeUndefined();
  });

  it('cuts a wide layer to a "+N more" node joined to the run', () => {
    const usedBy = Array.from({ length: 30 }, (_, i) => ({ id: `c${i}`, path: 'model.bin' }));
    const g = lineageGraph(answer(node('root'), usedBy))!;
    const right = g.nodes.filter((n) => n.layer === 1);
    expect(right).toHaveLength(UI_LINEAGE_LAYER_NODES);
    expect(right.at(-1)!.more).toBe(30 - UI_LINEAGE_LAYER_NODES + 1);
    // Its tooltip names the first ones it stands for.
    expect(right.at(-1)!.hidden!.slice(0, 2)).toEqual([`c${UI_LINEAGE_LAYER_NODES - 1}`.slice(0, 8), `c${UI_LINEAGE_LAYER_NODES}`.slice(0, 8)]);
    expect(g.edges.filter((e) => e.from === 'root')).toHaveLength(UI_LINEAGE_LAYER_NODES);
  });
});
