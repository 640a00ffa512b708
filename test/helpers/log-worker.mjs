// A logger process for concurrency tests and benchmarks: records `count` runs in-process
// through the built library, printing each run id on its own line.
import { openTracker } from '../../dist/index.js';

const [dir, count, tag] = process.argv.slice(2);
const tracker = openTracker({ dir });
for (let i = 0; i < Number(count); i++) {
  const { manifest } = await tracker.log({ name: `${tag}-${i}`, params: { worker: tag, i }, metrics: { f1: i / 100 } });
  process.stdout.write(`${manifest.id}\n`);
}
