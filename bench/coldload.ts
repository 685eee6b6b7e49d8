/**
 * bench/coldload: cold load in Chromium of 20,000 envelopes (issue 15, item 4). Baseline in the same run: a fresh
 * device that checks every signature on the main thread. Against it: a fresh device checking in Web Workers on
 * all cores (goal <= 0.6x) and a returning device from its own checkpoint (goal <= 0.2x). Each load decodes,
 * checks, verifies what it must and folds everything; the three must reach one state hash. Prints; asserts nothing.
 */
import { createServer } from 'node:http';
import { build } from 'esbuild';
import { chromium } from 'playwright-core';
import { CHROMIUM_ARGS } from './chromium.js';
import { syntheticLog } from './synthetic.js';

const N = Number(process.env.ENVELOPES ?? 20_000);
const bundle = async (entry: string, format: 'esm' | 'iife') =>
  (await build({ entryPoints: [entry], bundle: true, format, write: false, platform: 'browser', target: 'es2022' })).outputFiles[0]!.text;

const log = await syntheticLog(N);
const files: Record<string, [string, string]> = {
  '/log.json': ['application/json', JSON.stringify(log)],
  '/bench.js': ['text/javascript', await bundle('bench/browser/coldload-entry.ts', 'esm')],
  '/verify.worker.js': ['text/javascript', await bundle('web/verify.worker.ts', 'iife')],
  '/': ['text/html', '<!doctype html><script type="module" src="/bench.js"></script>'],
};
const server = createServer((req, res) => {
  const [type, body] = files[req.url ?? '/'] ?? files['/']!;
  res.writeHead(200, { 'content-type': type }).end(body);
});
await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
const browser = await chromium.launch({ executablePath: '/usr/bin/chromium', args: CHROMIUM_ARGS });
try {
  const page = await browser.newPage();
  await page.goto(`http://127.0.0.1:${(server.address() as { port: number }).port}/`);
  await page.waitForFunction(() => 'runColdload' in globalThis);
  const r = (await page.evaluate(() => (globalThis as unknown as { runColdload: () => Promise<unknown> }).runColdload())) as {
    cores: number; mainVerifyMs: number; poolVerifyMs: number; singleMs: number; foldMs: number; workersMs: number; returningMs: number; stats: { inWorkers: number; onMain: number; failed: number };
  };
  const ms = (n: number) => `${n.toFixed(0).padStart(6)} ms`;
  const x = (n: number) => `${(n / r.singleMs).toFixed(2)}x`;
  console.log(`bench/coldload: ${N} envelopes in Chromium, ${r.cores} cores (navigator.hardwareConcurrency)`);
  console.log(`fresh device, signatures on the main thread (baseline) ${ms(r.singleMs)}  1.00x`);
  console.log(`fresh device, signatures in ${r.cores} Web Workers            ${ms(r.workersMs)}  ${x(r.workersMs)} (goal <= 0.6x: ${r.workersMs <= 0.6 * r.singleMs ? 'met' : 'NOT met'})`);
  console.log(`returning device, from its checkpoint                ${ms(r.returningMs)}  ${x(r.returningMs)} (goal <= 0.2x: ${r.returningMs <= 0.2 * r.singleMs ? 'met' : 'NOT met'})`);
  console.log(`  of which the part without signatures (decode, checks, fold): ${ms(r.foldMs)}  ${x(r.foldMs)}: the floor for both`);
  console.log(`  signatures alone, 4,000: main thread (WebCrypto) ${ms(r.mainVerifyMs)}, ${r.cores} workers ${ms(r.poolVerifyMs)} (${(r.poolVerifyMs / r.mainVerifyMs).toFixed(2)}x)`);
  console.log(`  pool: ${r.stats.inWorkers} signatures in workers, ${r.stats.onMain} on the main thread, ${r.stats.failed} workers failed`);
} finally {
  await browser.close();
  server.close();
}
