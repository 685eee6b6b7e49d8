/** The engines of test/helpers/engine-drivers.ts for a test file: every browser, driver and display ends in afterAll. */
import { afterAll } from 'vitest';
import { startEngines } from './engine-drivers.js';

export * from './engine-drivers.js';

export function useEngines(opts: Parameters<typeof startEngines>[0] = {}): ReturnType<typeof startEngines> {
  const set = startEngines(opts);
  afterAll(set.stopAll, 60_000);
  return set;
}
