/**
 * bench/secret: secret ballots (docs/SECRET-BALLOTS.md).
 * 1. Encrypt and prove one ballot of a 5-candidate election, in Node and Chromium (also with 4x CPU
 *    throttling through the DevTools protocol, a stand-in for a phone); unit: one base-point multiplication.
 * 2. Verify and tally N ballots plus 3 partial decryptions; baseline: one proof at a time, in the same run;
 *    then batched (one multi-scalar multiplication), then batched in a pool of workers.
 * Prints figures; asserts nothing.
 */
import { createServer } from 'node:http';
import { Worker } from 'node:worker_threads';
import { availableParallelism } from 'node:os';
import { build } from 'esbuild';
import { chromium } from 'playwright-core';
import { CHROMIUM_ARGS } from './chromium.js';
import { type Election, checkBallots, encryptOne, finishTally, makeElection, makeKey, scalarMulMs, verifyAndTally } from './secret-steps.js';

const N = Number(process.env.BALLOTS ?? 100);
const fmt = (n: number) => n.toFixed(1).padStart(7);

// Node's workers cannot load TypeScript: the worker is bundled first.
const WORKER = './.tmp/bench-secret-worker.mjs';
await build({ entryPoints: ['bench/secret-worker.ts'], bundle: true, format: 'esm', platform: 'node', target: 'node20', outfile: WORKER, logLevel: 'warning' });

function nodeWorkers(e: Election, n: number): Promise<number[]> {
  const per = Math.ceil(e.ballots.length / n);
  return Promise.all(
    Array.from({ length: n }, (_, i) => {
      const w = new Worker(WORKER);
      return new Promise<NonNullable<ReturnType<typeof checkBallots>>>((ok, fail) => {
        w.once('message', (r) => (void w.terminate(), r ? ok(r) : fail(new Error('a ballot does not verify'))));
        w.postMessage({ e: { key: e.key, voters: e.voters, ballots: e.ballots }, from: i * per, to: Math.min(e.ballots.length, (i + 1) * per) });
      });
    }),
  ).then((slices) => finishTally(e, slices, true));
}

async function timed<T>(f: () => T | Promise<T>): Promise<[number, T]> {
  const t = performance.now();
  const r = await f();
  return [performance.now() - t, r];
}

console.log(`bench/secret: 5 candidates + No (6 ciphertexts per ballot), 2-of-3 trustees, ${N} ballots`);
const k = makeKey();
encryptOne(k.Y, 3);
const enc = encryptOne(k.Y, 15);
const mul = scalarMulMs(50);
console.log(`node     encrypt+prove one ballot ${fmt(enc)} ms = ${(enc / mul).toFixed(0)}x one scalar multiplication (${mul.toFixed(2)} ms) | goal <= 100 ms: ${enc <= 100 ? 'met' : 'NOT met'}`);

const e = makeElection(N);
verifyAndTally(makeElection(5), true); // warm-up
const [naive, c1] = await timed(() => verifyAndTally(e, false));
const [batch, c2] = await timed(() => verifyAndTally(e, true));
const cores = Math.min(4, availableParallelism());
await nodeWorkers(makeElection(4), cores); // warm-up: worker start and module load
const [pool, c3] = await timed(() => nodeWorkers(e, cores));
if (JSON.stringify(c1) !== JSON.stringify(c2) || JSON.stringify(c2) !== JSON.stringify(c3)) throw new Error('tallies differ');
console.log(`node     verify+tally baseline one-at-a-time ${fmt(naive)} ms | batched ${fmt(batch)} ms (${(batch / naive).toFixed(2)}x) | batched in ${cores} workers ${fmt(pool)} ms (${(pool / naive).toFixed(2)}x) | counts ${c1.join(',')}`);

const page = await build({ entryPoints: ['bench/browser/secret-entry.ts'], bundle: true, format: 'esm', write: false, platform: 'browser', target: 'es2022' });
const worker = await build({ entryPoints: ['bench/secret-worker.ts'], bundle: true, format: 'esm', write: false, platform: 'browser', target: 'es2022', external: ['node:worker_threads'] });
const server = createServer((req, res) => {
  const js = (t: string) => res.writeHead(200, { 'content-type': 'text/javascript' }).end(t);
  if (req.url === '/bench.js') return js(page.outputFiles[0]!.text);
  if (req.url === '/worker.js') return js(worker.outputFiles[0]!.text);
  res.writeHead(200, { 'content-type': 'text/html' }).end('<!doctype html><script type="module" src="/bench.js"></script>');
});
await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
const browser = await chromium.launch({ executablePath: '/usr/bin/chromium', args: CHROMIUM_ARGS });
try {
  const p = await browser.newPage();
  await p.goto(`http://127.0.0.1:${(server.address() as { port: number }).port}/`);
  await p.waitForFunction(() => 'tallyBench' in globalThis);
  const run = () => p.evaluate(() => (globalThis as unknown as { encryptBench: () => { encryptMs: number; mulMs: number } }).encryptBench());
  const fast = await run();
  const cdp = await p.context().newCDPSession(p);
  await cdp.send('Emulation.setCPUThrottlingRate', { rate: 4 });
  const slow = await run();
  await cdp.send('Emulation.setCPUThrottlingRate', { rate: 1 });
  console.log(`chromium encrypt+prove one ballot ${fmt(fast.encryptMs)} ms = ${(fast.encryptMs / fast.mulMs).toFixed(0)}x one scalar multiplication | 4x CPU throttling ${fmt(slow.encryptMs)} ms (${(slow.encryptMs / fast.encryptMs).toFixed(1)}x) | goal <= 100 ms unthrottled: ${fast.encryptMs <= 100 ? 'met' : 'NOT met'}`);
  const t = (await p.evaluate((n) => (globalThis as unknown as { tallyBench: (n: number) => Promise<unknown> }).tallyBench(n), N)) as { naiveMs: number; batchMs: number; workerMs: number; workers: number };
  console.log(`chromium verify+tally baseline one-at-a-time ${fmt(t.naiveMs)} ms | batched ${fmt(t.batchMs)} ms (${(t.batchMs / t.naiveMs).toFixed(2)}x) | batched in ${t.workers} workers ${fmt(t.workerMs)} ms (${(t.workerMs / t.naiveMs).toFixed(2)}x) | goal <= 1000 ms: ${Math.min(t.batchMs, t.workerMs) <= 1000 ? 'met' : 'NOT met'}`);
} finally {
  await browser.close();
  server.close();
}
