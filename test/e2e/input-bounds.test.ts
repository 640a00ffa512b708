import { execFileSync } from 'node:child_process';
import { rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { cli, git, makeRepo } from '../helpers/repo.js';

let dir: string;
const tip = () => git(dir, 'rev-parse', 'runs').trim();

beforeAll(() => {
  dir = makeRepo({ commit: true });
  expect(cli(dir, 'log', '-p', 'a=1').code).toBe(0);
});

/** One line on stderr, the exit code, nothing written. */
function refused(args: string[], code: number, line: RegExp): void {
  const before = tip();
  const start = Date.now();
  const r = cli(dir, ...args);
  expect(Date.now() - start, args.join(' ').slice(0, 80)).toBeLessThan(10_000);
  expect(r.code).toBe(code);
  expect(r.stdout).toBe('');
  expect(r.stderr).toMatch(/^git-track: [^\n]*\n$/);
  expect(r.stderr).toMatch(line);
  expect(tip()).toBe(before);
}

describe('log refuses what it cannot hold, one line each, writing nothing', () => {
  it('a params file that is not a regular file', () => {
    refused(['log', '--params', '/dev/zero'], 1, /params file '\/dev\/zero' is a device, not a regular file/);
    execFileSync('mkfifo', [join(dir, 'fifo.yaml')]);
    refused(['log', '--params', 'fifo.yaml'], 1, /is a FIFO, not a regular file/);
    refused(['run', '--params', 'fifo.yaml', '--', 'true'], 1, /is a FIFO, not a regular file/);
    refused(['log', '--from', '.'], 1, /run record '.*' is a directory, not a regular file/);
  });

  it('files over the size limit, and nesting past the depth limit', () => {
    writeFileSync(join(dir, 'big.yaml'), `a: "${'x'.repeat(5 * 1024 * 1024)}"\n`);
    refused(['log', '--params', 'big.yaml'], 1, /over the limit of 4.0 MB \(MAX_INPUT_FILE_BYTES\)/);
    writeFileSync(join(dir, 'deep.json'), `{"a":${'['.repeat(10000)}${']'.repeat(10000)}}`);
    refused(['log', '--params', 'deep.json'], 1, /deep\.json: line 1, column 69: nested deeper than 64 levels \(MAX_NESTING_DEPTH\)/);
    refused(['log', '--metrics', 'deep.json'], 1, /nested deeper than 64 levels/);
    refused(['log', '--from', 'deep.json'], 1, /nested deeper than 64 levels/);
    writeFileSync(join(dir, 'deep.yaml'), `a: ${'['.repeat(10000)}${']'.repeat(10000)}\n`);
    refused(['log', '--params', 'deep.yaml'], 1, /deep\.yaml: line 1: nested deeper than 64 levels/);
  });

  it('values over their limits, and the manifest over its limit', () => {
    refused(['log', '-p', `big=${'x'.repeat(50_000)}`], 1, /^git-track: param 'big' is 50,000 characters, over the limit of 6,000 \(MAX_PARAM_VALUE_CHARS\)\n$/);
    refused(['log', '-t', `t=${'y'.repeat(8001)}`], 1, /tag 't' is 8,001 characters, over the limit of 8,000 \(MAX_TAG_VALUE_CHARS\)/);
    refused(['log', '--note', 'n'.repeat(8001)], 1, /the note is 8,001 characters/);
    refused(['run', '-p', `big=${'x'.repeat(6001)}`, '--', 'true'], 1, /MAX_PARAM_VALUE_CHARS/);
    const many = Object.fromEntries(Array.from({ length: 300 }, (_, i) => [`p${i}`, 'v'.repeat(5000)]));
    writeFileSync(join(dir, 'many.json'), JSON.stringify(many));
    refused(['log', '--params', 'many.json'], 1, /the run's manifest would be 1\.4 MB, over the limit of 1.0 MB \(MAX_MANIFEST_BYTES\)/);
  });

  it('integers beyond 2^53, never rounded', () => {
    refused(['log', '-p', 'k=9007199254740993'], 1, /--param k: the integer 9007199254740993 cannot be stored exactly \(beyond ±2\^53, a double would round it\); quote it to keep it as text/);
    refused(['log', '-m', 'k=9007199254740993'], 1, /--metric k: the integer 9007199254740993 cannot be stored exactly/);
    writeFileSync(join(dir, 'seed.yaml'), 'seed: 12345678901234567890\n');
    refused(['log', '--params', 'seed.yaml'], 1, /seed\.yaml: line 1: the integer 12345678901234567890 cannot be stored exactly/);
    writeFileSync(join(dir, 'rec.json'), '{"params": {"seed": 9007199254740993}}');
    refused(['log', '--from', 'rec.json'], 1, /rec\.json: line 1, column 21: the integer 9007199254740993 cannot/);
    const r = cli(dir, 'log', '-p', 'k="9007199254740993"', '-p', 'safe=9007199254740991', '--json');
    expect(r.code).toBe(0);
    const m = JSON.parse(r.stdout);
    expect(m.params).toEqual({ k: '9007199254740993', safe: 9007199254740991 });
    expect(git(dir, 'show', `runs:${git(dir, 'ls-tree', '-r', '--name-only', 'runs').split('\n').find((p) => p.includes(m.id) && p.endsWith('run.yaml'))}`)).toContain('safe: 9007199254740991');
  });

  it('a newline and a long text in an input stay on one short line', () => {
    refused(['log', '-p', `bad\nkey${'z'.repeat(1000)}=1`], 2, /invalid name 'bad\\nkeyz{193}…' \(1007 characters\)/);
    refused(['list', '--filter', `name = 'a' AND \`x\ny\` = 1`], 2, /unknown field 'x\\ny'/);
  });
});

describe('list with hostile filters', () => {
  it('LIKE with thousands of % answers at once; depth and length are one line', () => {
    const start = Date.now();
    const r = cli(dir, 'list', '--filter', `params.a LIKE '${'%'.repeat(2000)}b'`);
    expect(r.code).toBe(0);
    expect(Date.now() - start).toBeLessThan(5000);
    refused(['list', '--filter', `${'('.repeat(1000)}name = 'a'${')'.repeat(1000)}`], 2, /nested deeper than 64 parentheses and NOTs \(MAX_NESTING_DEPTH\) at column 65/);
    refused(['list', '--filter', `${'NOT '.repeat(10000)}name = 'a'`], 2, /longer than the limit of 10,000 characters \(MAX_FILTER_CHARS\)/);
  });
});

describe('later facts are bounded too', () => {
  it('tag values and a promotion reason over their limits, and a tag record over MAX_RECORD_BYTES', () => {
    refused(['tag', 'latest', `t=${'v'.repeat(8001)}`], 1, /tag 't' is 8,001 characters, over the limit of 8,000 \(MAX_TAG_VALUE_CHARS\)/);
    const many = Array.from({ length: 10 }, (_, i) => `t${i}=${'v'.repeat(8000)}`);
    refused(['tag', 'latest', ...many], 1, /the record would be 78\.\d KB, over the limit of 64\.0 KB \(MAX_RECORD_BYTES\)/);
    refused(['promote', 'latest', '--stage', 'prod', '--reason', 'r'.repeat(8001)], 1, /the reason is 8,001 characters/);
    expect(cli(dir, 'tag', 'latest', `ok=${'v'.repeat(8000)}`).code).toBe(0);
  });
});

describe('.git-track.yaml, which arrives with the code', () => {
  it('is read only as a bounded regular file, nested at most 64 deep', () => {
    const config = join(dir, '.git-track.yaml');
    try {
      writeFileSync(config, `policy:\n  thresholds: ${'['.repeat(10000)}${']'.repeat(10000)}\n`);
      refused(['check', 'latest'], 1, /\.git-track\.yaml: line 2: nested deeper than 64 levels \(MAX_NESTING_DEPTH\)/);
      writeFileSync(config, `# ${'x'.repeat(5 * 1024 * 1024)}\n`);
      refused(['check', 'latest'], 1, /\.git-track\.yaml' is 5\.0 MB, over the limit of 4\.0 MB \(MAX_INPUT_FILE_BYTES\)/);
    } finally {
      rmSync(config, { force: true });
    }
  });
});
