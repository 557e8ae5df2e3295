import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts', 'test/**/*.test.tsx'],
    testTimeout: 60_000,
    hookTimeout: 120_000,
    pool: 'forks',
    // one file at a time: the end-to-end tests drive real terminals and real processes, and on a
    // 2-core machine they must not compete with the property tests and the fuzzer for the CPU
    fileParallelism: false,
  },
});
