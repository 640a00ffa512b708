// Benchmark: 1 GB of artifacts (8 files of 128 MB in one directory artifact) to and from the S3
// store, beside the AWS SDK's own transfers of the same files to the same server, interleaved:
//  - upload:   `git-track push` (HEAD, multipart 8 MB parts, 8 requests in flight)  vs  @aws-sdk/lib-storage
//              `Upload` (its defaults: 5 MB parts, queue 4), the files one after another;
//  - download: `git-track get` into a fresh clone (stream + sha256, then restore into the work
//              tree)  vs  the SDK's `GetObject` streamed to files, one after another.
// Also the AWS CLI (`aws s3 cp --recursive`) when one is installed. Goal: ≥ 0.8× the SDK.
// The server is SeaweedFS's S3 gateway, built by test/stores/servers.mjs (first run: minutes).
// usage: node bench/s3.mjs [--files N] [--mb SIZE] [--rounds R]
import { CreateBucketCommand, GetObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { Upload } from '@aws-sdk/lib-storage';
import { execFileSync, spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { createReadStream, createWriteStream, mkdirSync, mkdtempSync, openSync, rmSync, writeSync, closeSync, writeFileSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { pipeline } from 'node:stream/promises';
import { startS3, started } from '../test/stores/servers.mjs';
import { median, printTable } from './stats.mjs';

const arg = (name, dflt) => {
  const i = process.argv.indexOf(name);
  return i > 0 ? Number(process.argv[i + 1]) : dflt;
};
const FILES = arg('--files', 8);
const MB = arg('--mb', 128);
const ROUNDS = arg('--rounds', 3);
const TOTAL = FILES * MB * 1024 * 1024;
const BIN = resolve(import.meta.dirname, '..', 'bin', 'git-track.js');
const root = mkdtempSync(join(tmpdir(), 'gt-bench-s3-'));
const loads = [loadavg()];
const s3 = await startS3(root);
const credentials = { accessKeyId: s3.accessKeyId, secretAccessKey: s3.secretAccessKey };
const client = new S3Client({ endpoint: s3.endpoint, region: 'us-east-1', forcePathStyle: true, credentials });
const env = {
  ...process.env,
  AWS_ACCESS_KEY_ID: s3.accessKeyId,
  AWS_SECRET_ACCESS_KEY: s3.secretAccessKey,
  AWS_REGION: 'us-east-1',
  AWS_EC2_METADATA_DISABLED: 'true',
  GIT_AUTHOR_NAME: 'Bench',
  GIT_AUTHOR_EMAIL: 'bench@example.com',
  GIT_COMMITTER_NAME: 'Bench',
  GIT_COMMITTER_EMAIL: 'bench@example.com',
};
const sh = (cwd, cmd, args) => execFileSync(cmd, args, { cwd, env, stdio: ['ignore', 'pipe', 'inherit'], encoding: 'utf8' });
const seconds = (fn) => async () => {
  const t = process.hrtime.bigint();
  await fn();
  return Number(process.hrtime.bigint() - t) / 1e9;
};

// The data: FILES random files in data/ of a repository whose remote is a bare repository.
const work = join(root, 'work');
mkdirSync(join(work, 'data'), { recursive: true });
const chunk = randomBytes(8 * 1024 * 1024);
for (let f = 0; f < FILES; f++) {
  const fd = openSync(join(work, 'data', `shard-${f}.bin`), 'w');
  for (let written = 0; written < MB * 1024 * 1024; written += chunk.length) {
    chunk.writeUInt32LE(f * 100000 + written / chunk.length, 0); // every 8 MB block differs
    writeSync(fd, chunk);
  }
  closeSync(fd);
}
sh(root, 'git', ['init', '-q', '--bare', '-b', 'main', 'remote.git']);
sh(work, 'git', ['init', '-q', '-b', 'main']);
sh(work, 'git', ['remote', 'add', 'origin', join(root, 'remote.git')]);
writeFileSync(join(work, '.gitignore'), 'data/\n');
sh(work, 'git', ['add', '.gitignore']);
sh(work, 'git', ['commit', '-q', '-m', 'init']);

const rows = { ours: { up: [], down: [] }, sdk: { up: [], down: [] }, cli: { up: [], down: [] } };
const hasCli = spawnSync('aws', ['--version'], { stdio: 'ignore' }).status === 0;
for (let round = 0; round < ROUNDS; round++) {
  const bucket = `bench-${round}`;
  await client.send(new CreateBucketCommand({ Bucket: bucket }));
  // Ours: a new prefix each round, so every byte is sent.
  sh(work, 'git', ['config', 'gittrack.store.type', 's3']);
  sh(work, 'git', ['config', 'gittrack.store.bucket', bucket]);
  sh(work, 'git', ['config', 'gittrack.store.prefix', 'ours']);
  sh(work, 'git', ['config', 'gittrack.store.endpoint', s3.endpoint]);
  sh(work, 'git', ['config', 'gittrack.store.forcePathStyle', 'true']);
  const id = sh(work, process.execPath, [BIN, 'log', '-m', `round=${round}`, '-a', 'data']).trim();
  rows.ours.up.push(await seconds(() => sh(work, process.execPath, [BIN, 'push']))());
  rows.sdk.up.push(
    await seconds(async () => {
      for (let f = 0; f < FILES; f++) {
        await new Upload({ client, params: { Bucket: bucket, Key: `sdk/shard-${f}.bin`, Body: createReadStream(join(work, 'data', `shard-${f}.bin`)) } }).done();
      }
    })(),
  );
  if (hasCli) {
    const cliEnv = { ...env, AWS_CONFIG_FILE: '/nonexistent', AWS_SHARED_CREDENTIALS_FILE: '/nonexistent' };
    const t = process.hrtime.bigint();
    execFileSync('aws', ['--endpoint-url', s3.endpoint, 's3', 'cp', '--recursive', '--quiet', join(work, 'data'), `s3://${bucket}/cli/`], { env: cliEnv, stdio: 'inherit' });
    rows.cli.up.push(Number(process.hrtime.bigint() - t) / 1e9);
    const out = join(root, `cli-down-${round}`);
    const t2 = process.hrtime.bigint();
    execFileSync('aws', ['--endpoint-url', s3.endpoint, 's3', 'cp', '--recursive', '--quiet', `s3://${bucket}/cli/`, out], { env: cliEnv, stdio: 'inherit' });
    rows.cli.down.push(Number(process.hrtime.bigint() - t2) / 1e9);
    rmSync(out, { recursive: true, force: true });
  }
  // Downloads: ours into a fresh clone (empty cache), the SDK's into a directory.
  const clone = join(root, `clone-${round}`);
  sh(root, 'git', ['clone', '-q', join(root, 'remote.git'), clone]);
  for (const [k, v] of [['type', 's3'], ['bucket', bucket], ['prefix', 'ours'], ['endpoint', s3.endpoint], ['forcePathStyle', 'true']]) sh(clone, 'git', ['config', `gittrack.store.${k}`, v]);
  sh(clone, process.execPath, [BIN, 'pull']);
  rows.ours.down.push(await seconds(() => sh(clone, process.execPath, [BIN, 'get', id]))());
  const sdkOut = join(root, `sdk-down-${round}`);
  mkdirSync(sdkOut);
  rows.sdk.down.push(
    await seconds(async () => {
      for (let f = 0; f < FILES; f++) {
        const r = await client.send(new GetObjectCommand({ Bucket: bucket, Key: `sdk/shard-${f}.bin` }));
        await pipeline(r.Body, createWriteStream(join(sdkOut, `shard-${f}.bin`)));
      }
    })(),
  );
  rmSync(sdkOut, { recursive: true, force: true });
  rmSync(clone, { recursive: true, force: true });
}

loads.push(loadavg());
const mbps = (s) => (TOTAL / 1024 / 1024 / s).toFixed(0);
const line = (name, r) => [name, `${median(r.up).toFixed(2)} s`, `${mbps(median(r.up))} MB/s`, `${median(r.down).toFixed(2)} s`, `${mbps(median(r.down))} MB/s`];
console.log(`\nS3 store: ${FILES} × ${MB} MB to and from SeaweedFS on loopback (median of ${ROUNDS})`);
printTable(
  ['transfer', 'upload', 'upload rate', 'download', 'download rate'],
  [line('git-track push / get', rows.ours), line('AWS SDK Upload / GetObject', rows.sdk), ...(hasCli ? [line('aws s3 cp --recursive', rows.cli)] : [])],
);
const up = median(rows.sdk.up) / median(rows.ours.up);
const down = median(rows.sdk.down) / median(rows.ours.down);
console.log(`throughput vs the SDK: upload ${up.toFixed(2)}×, download ${down.toFixed(2)}× (goal ≥ 0.80×)`);
if (hasCli) console.log(`throughput vs the AWS CLI: upload ${(median(rows.cli.up) / median(rows.ours.up)).toFixed(2)}×, download ${(median(rows.cli.down) / median(rows.ours.down)).toFixed(2)}×`);
console.log(`load average (1, 5, 15 min) at start: ${loads[0].map((l) => l.toFixed(2)).join(', ')}; at end: ${loads[1].map((l) => l.toFixed(2)).join(', ')} (${process.env.GT_BENCH_NOTE ?? '2 shared cores'})`);
mkdirSync(resolve(import.meta.dirname, '..', 'test-output'), { recursive: true });
writeFileSync(resolve(import.meta.dirname, '..', 'test-output', 'bench-s3.json'), `${JSON.stringify({ files: FILES, mb: MB, rounds: ROUNDS, rows, up, down, loads }, null, 2)}\n`);
for (const p of started) p.kill('SIGKILL');
rmSync(root, { recursive: true, force: true });
