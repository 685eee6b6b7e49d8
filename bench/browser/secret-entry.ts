/** Runs in Chromium: the secret-ballot figures of bench/secret.ts, with a pool of Web Workers. */
import { type Election, checkBallots, encryptOne, finishTally, makeElection, makeKey, scalarMulMs, verifyAndTally } from '../secret-steps.js';

function inWorkers(e: Election, n: number): Promise<number[]> {
  const per = Math.ceil(e.ballots.length / n);
  const jobs = Array.from({ length: n }, (_, i) => ({ from: i * per, to: Math.min(e.ballots.length, (i + 1) * per) }));
  return Promise.all(
    jobs.map(
      (j) =>
        new Promise<NonNullable<ReturnType<typeof checkBallots>>>((ok, fail) => {
          const w = new Worker('/worker.js', { type: 'module' });
          w.onmessage = (m) => (w.terminate(), m.data ? ok(m.data) : fail(new Error('a ballot does not verify')));
          w.postMessage({ e: { key: e.key, voters: e.voters, ballots: e.ballots }, ...j });
        }),
    ),
  ).then((slices) => finishTally(e, slices, true));
}

const time = async <T>(f: () => T | Promise<T>) => {
  const t = performance.now();
  await f();
  return performance.now() - t;
};

(globalThis as unknown as { encryptBench: () => unknown }).encryptBench = () => {
  const k = makeKey();
  encryptOne(k.Y, 3);
  return { encryptMs: encryptOne(k.Y, 15), mulMs: scalarMulMs(50) };
};

(globalThis as unknown as { tallyBench: (n: number) => Promise<unknown> }).tallyBench = async (n: number) => {
  const e = makeElection(n);
  verifyAndTally(makeElection(5), true); // warm-up
  const naiveMs = await time(() => verifyAndTally(e, false));
  const batchMs = await time(() => verifyAndTally(e, true));
  const workers = navigator.hardwareConcurrency || 2;
  const workerMs = await time(() => inWorkers(e, workers));
  return { naiveMs, batchMs, workerMs, workers };
};
