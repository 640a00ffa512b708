import { describe, expect, it } from 'vitest';
import { cli, makeRepo } from '../helpers/repo.js';

function logRun(dir: string, ...args: string[]): string {
  const r = cli(dir, 'log', ...args);
  expect(r.code).toBe(0);
  return r.stdout.trim();
}

describe('one style of error line', () => {
  const cases: [string, string[], RegExp][] = [
    ['a mistyped command', ['lst'], /^git-track: unknown command 'lst' \(did you mean list, ls\?\)$/],
    ['a missing argument', ['show'], /^git-track: missing required argument 'run'$/],
    ['an unknown option', ['list', '--colums', 'id'], /^git-track: unknown option '--colums'/],
    ['an invalid choice', ['list', '--format', 'xml'], /^git-track: option '--format <format>' argument 'xml' is invalid/],
    ['an option without its value', ['list', '--limit'], /^git-track: option '-n, --limit <n>' argument missing$/],
    ['too many arguments', ['list', 'extra'], /^git-track: too many arguments for 'list'/],
    ['a bad value', ['list', '--limit', 'ten'], /^git-track: --limit expects a whole number/],
    ['a command of subcommands without one', ['import'], /^git-track: import needs a source \(sources: mlflow; /],
    ['an unknown subcommand', ['import', 'wandb'], /^git-track: unknown source 'wandb' for import /],
  ];
  for (const [what, args, line] of cases) {
    it(`${what}: git-track: …, exit 2`, () => {
      const dir = makeRepo({ commit: true });
      const r = cli(dir, ...args);
      expect(r.code).toBe(2);
      const lines = r.stderr.trim().split('\n');
      expect(lines[0]).toMatch(line);
      expect(lines.slice(1).every((l) => !/^error:/.test(l))).toBe(true);
      expect(r.stderr).not.toMatch(/^error:/m);
    });
  }

  it('an option of the command to run given before -- hints at --', () => {
    const dir = makeRepo({ commit: true });
    const r = cli(dir, 'run', '--name', 'x', 'python', 'train.py', '--lr', '3');
    expect(r.code).toBe(2);
    expect(r.stderr.split('\n')[0]).toBe(
      "git-track: unknown option '--lr' (options of the command to run go after --: git-track run --name x -- python train.py --lr 3)",
    );
    expect(cli(dir, 'list').stdout).toMatch(/No runs yet/);
  });
});

describe('a run reference that matches nothing', () => {
  it('suggests the nearest names', () => {
    const dir = makeRepo({ commit: true });
    logRun(dir, '--name', 'baseline', '-m', 'f1=0.1');
    logRun(dir, '--name', 'sweep-lr', '-m', 'f1=0.2');
    const typo = cli(dir, 'show', 'baselnie');
    expect(typo.code).toBe(1);
    expect(typo.stderr).toBe("git-track: no run matches 'baselnie' (not an id, id prefix, name or run commit); did you mean 'baseline'?\n");
    expect(cli(dir, 'diff', 'sweep', 'baseline').stderr).toBe("git-track: no run matches 'sweep' (not an id, id prefix, name or run commit); did you mean 'sweep-lr'?\n");
    expect(cli(dir, 'show', 'qqqqqqqq').stderr).toBe("git-track: no run matches 'qqqqqqqq' (not an id, id prefix, name or run commit)\n");
  });

  it('a prefix shorter than 4 says the minimum', () => {
    const dir = makeRepo({ commit: true });
    const id = logRun(dir, '-m', 'f1=0.1');
    const r = cli(dir, 'show', id.slice(0, 3));
    expect(r.code).toBe(1);
    expect(r.stderr).toContain(`no run matches '${id.slice(0, 3)}'`);
    expect(r.stderr).toContain('an id prefix needs at least 4 characters');
    expect(cli(dir, 'show', id.slice(0, 4)).code).toBe(0);
  });
});

describe('show NAME shared by several runs', () => {
  it('shows the newest and says how many share the name', () => {
    const dir = makeRepo({ commit: true });
    logRun(dir, '--name', 'beta', '-m', 'f1=0.1');
    logRun(dir, '--name', 'beta', '-m', 'f1=0.2');
    const newest = logRun(dir, '--name', 'beta', '-m', 'f1=0.3');
    const r = cli(dir, 'show', 'beta');
    expect(r.code).toBe(0);
    expect(r.stdout).toContain(`id: ${newest}`);
    expect(r.stderr).toBe(`note: 3 runs are named 'beta'; showing the newest, ${newest} (an id or id prefix picks another)\n`);
    const alone = logRun(dir, '--name', 'gamma', '-m', 'f1=0.3');
    expect(cli(dir, 'show', 'gamma').stderr).toBe('');
    expect(cli(dir, 'show', alone).stderr).toBe('');
  });
});
