// Benchmark: what signing costs `git-track log` (a new process on a branch of 10,000 runs):
// unsigned, signed with an ssh key, signed with gpg (when installed), beside `node -e 0`.
// A signed commit costs one signer process (ssh-keygen or gpg), as it does for `git commit`;
// `git commit` itself is timed in the same repository as the reference for that cost.
// usage: node bench/log-signed.mjs [--quick] [--bin path/to/git-track.js]
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { fixtureRepo } from './fixture.mjs';
import { fmt, median, printTable, timeEach } from './stats.mjs';

const N = process.argv.includes('--quick') ? 10 : 25;
const binArg = process.argv.indexOf('--bin');
const BIN = binArg > 0 ? resolve(process.argv[binArg + 1]) : resolve(import.meta.dirname, '..', 'bin', 'git-track.js');
const dir = fixtureRepo(10_000);
const keys = mkdtempSync(join(tmpdir(), 'gt-bench-keys-'));
execFileSync('ssh-keygen', ['-q', '-t', 'ed25519', '-N', '', '-f', join(keys, 'id')]);
const hasGpg = spawnSync('gpg', ['--version'], { stdio: 'ignore' }).error === undefined;
const gnupg = { ...process.env, GNUPGHOME: join(keys, 'gnupg') };
if (hasGpg) {
  execFileSync('mkdir', ['-m', '700', gnupg.GNUPGHOME]);
  execFileSync('gpg', ['--batch', '--passphrase', '', '--quick-gen-key', 'Bench <bench@example.com>', 'ed25519', 'sign', 'never'], { env: gnupg, stdio: 'ignore' });
}
// The signing settings as environment config (GIT_CONFIG_COUNT/KEY_n/VALUE_n), read by git and git-track alike.
const config = (pairs, env = process.env) => ({
  ...env,
  GIT_CONFIG_COUNT: String(pairs.length),
  ...Object.fromEntries(pairs.flatMap(([k, v], n) => [[`GIT_CONFIG_KEY_${n}`, k], [`GIT_CONFIG_VALUE_${n}`, v]])),
});
const ssh = config([['commit.gpgSign', 'true'], ['gpg.format', 'ssh'], ['user.signingKey', join(keys, 'id')]]);
const gpg = config([['commit.gpgSign', 'true'], ['user.signingKey', 'bench@example.com']], gnupg);
const log = (env = process.env) => (i) => execFileSync(process.execPath, [BIN, 'log', '-p', `lr=0.0${i}`, '-m', `f1=0.${i}`], { cwd: dir, stdio: 'ignore', env });
const commit = (env = process.env) => () => execFileSync('git', ['commit', '-q', '--allow-empty', '-m', 'x'], { cwd: dir, stdio: 'ignore', env });

const cases = {
  'node -e 0': () => execFileSync(process.execPath, ['-e', '0'], { stdio: 'ignore' }),
  'git-track log (no signing)': log(),
  'git-track log, ssh-signed': log(ssh),
  ...(hasGpg ? { 'git-track log, gpg-signed': log(gpg) } : {}),
  'git commit (no signing)': commit(),
  'git commit, ssh-signed': commit(ssh),
  ...(hasGpg ? { 'git commit, gpg-signed': commit(gpg) } : {}),
};
const samples = Object.fromEntries(Object.keys(cases).map((k) => [k, []]));
// Interleaved, so that machine load affects every case alike.
for (let i = 0; i < N; i++) {
  for (const [name, fn] of Object.entries(cases)) samples[name].push(...(await timeEach(1, () => fn(i), i === 0 ? 2 : 0)));
}
const base = median(samples['node -e 0']);
console.log(`\nSigning cost of a log on a branch of 10,000 runs (median of ${N})`);
printTable(
  ['command', 'median', 'ratio to node -e 0'],
  Object.keys(cases).map((k) => [k, fmt(median(samples[k])), `${(median(samples[k]) / base).toFixed(2)}×`]),
);
if (hasGpg) spawnSync('gpgconf', ['--kill', 'all'], { env: gnupg, stdio: 'ignore' });
rmSync(keys, { recursive: true, force: true });
rmSync(dir, { recursive: true, force: true });
