import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    // Stress tests run on demand (`npm run test:stress`), see test/runs/prune-loop.stress.test.ts.
    exclude: ['**/node_modules/**', ...(process.env.GT_STRESS ? [] : ['test/**/*.stress.test.ts'])],
    testTimeout: 60_000,
    hookTimeout: 60_000,
    // Tests spawn real git and node processes; two workers match the CI machine's two cores.
    maxWorkers: 2,
    reporters: ['default', './test/helpers/summary-reporter.ts'],
  },
});
