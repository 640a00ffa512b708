import { describe, expect, it } from 'vitest';
import { cli, makeRepo } from '../helpers/repo.js';

describe('--filter and --sort naming a field no run has', () => {
  it('say so on stderr, with the nearest names; known fields stay silent', () => {
    const dir = makeRepo({ commit: true });
    expect(cli(dir, 'log', '-m', 'f1=0.5', '-p', 'lr=1', '-t', 'team=a').code).toBe(0);
    expect(cli(dir, 'log', '-m', 'f1=0.6', '-p', 'lr=2').code).toBe(0);
    const typo = cli(dir, 'list', '--filter', 'metrics.f11 > 0.1');
    expect(typo.code).toBe(0);
    expect(typo.stderr).toBe('warning: --filter names metrics.f11, which no run has (did you mean metrics.f1?)\n');
    const sort = cli(dir, 'list', '--sort', '-metrics.f1,params.depht,tags.tem');
    expect(sort.stderr).toBe('warning: --sort names params.depht, which no run has\nwarning: --sort names tags.tem, which no run has (did you mean tags.team?)\n');
    expect(cli(dir, 'compare', '--filter', 'params.lrr > 0').stderr).toMatch(/^warning: --filter names params\.lrr, which no run has \(did you mean params\.lr\?\)$/m);
    expect(cli(dir, 'list', '--filter', "metrics.f1 > 0.1 AND tags.team = 'a'", '--sort', 'params.lr').stderr).toBe('');
    // A tag added later counts as a field runs have.
    expect(cli(dir, 'tag', 'latest', 'owner=ada').code).toBe(0);
    expect(cli(dir, 'list', '--filter', "tags.owner = 'ada'").stderr).toBe('');
  });
});
