/** Runs in Chromium: the same cold load as bench/cold-verify.ts, on WebCrypto and on noble. */
import { decodeOnly, load, verifyRate } from '../cold-verify-steps.js';
import type { SyntheticLog } from '../synthetic.js';

(globalThis as unknown as { runBench: () => Promise<unknown> }).runBench = async () => {
  const log = (await (await fetch('/log.json')).json()) as SyntheticLog;
  decodeOnly(log); // warm-up
  return {
    baselineMs: decodeOnly(log),
    webcryptoMs: await load(log, 'webcrypto'),
    nobleMs: await load(log, 'noble'),
    webcryptoVerifyPerS: await verifyRate(log, 'webcrypto', 4000),
    nobleVerifyPerS: await verifyRate(log, 'noble', 2000),
  };
};
