import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    pool: 'forks',
    testTimeout: 120_000, // generous: a loaded 2-core machine runs Chromium, Janus and CLI children at once
    hookTimeout: 120_000,
    // Browser tests start relays and Chromium; on two cores they run one file at a time.
    fileParallelism: true,
    maxWorkers: 2,
    reporters: ['default'],
  },
});
