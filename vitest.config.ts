import { defineConfig } from 'vitest/config';

/**
 * Six pages sending and receiving video take both cores of the machine: this file runs alone, as the second step of
 * `npm test` after all the others (`npm run test:video:run` sets RATSRAUM_ALONE=1).
 */
const ALONE = ['test/browser/video.test.ts'];
const alone = process.env.RATSRAUM_ALONE === '1';

export default defineConfig({
  test: {
    include: alone ? ALONE : ['test/**/*.test.ts'],
    exclude: alone ? [] : ALONE,
    pool: 'forks',
    testTimeout: 120_000, // generous: a loaded 2-core machine runs Chromium, Janus and CLI children at once
    hookTimeout: 120_000,
    // Browser tests start relays and Chromium; on two cores they run one file at a time.
    fileParallelism: true,
    maxWorkers: 2,
    reporters: ['default'],
  },
});
