// Every benchmark, each printing its figures beside the reference measured in the same run.
// usage: npm run bench            (the budgets' sizes: 10k and 100k runs; ~10 minutes)
//        npm run bench -- --quick (10k runs only)
import { execFileSync } from 'node:child_process';
import { resolve } from 'node:path';

const quick = process.argv.includes('--quick');
const here = import.meta.dirname;
const benches = [
  ['log-write.mjs', quick ? ['--quick'] : []],
  ['log-e2e.mjs', quick ? ['--quick'] : []],
  ['log-signed.mjs', quick ? ['--quick'] : []],
  ['list.mjs', quick ? ['10000'] : ['10000', '100000']],
  ['push-pull.mjs', []],
  ['run-overhead.mjs', []],
  ['system-metrics.mjs', []],
  ['verify-scale.mjs', ['10000']],
];
for (const [file, args] of benches) {
  console.log(`\n=== bench/${file} ${args.join(' ')}`);
  execFileSync(process.execPath, [resolve(here, file), ...args], { stdio: 'inherit' });
}
