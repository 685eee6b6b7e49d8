/**
 * bench/cold-verify: load and verify a log of 20,000 envelopes, in Node and in Chromium.
 * Baseline in the same run: decoding (parse + SHA-256 id) of the same envelopes without verification.
 * Goal (issue 3): <= 1.5 s in Chromium. Prints figures; asserts nothing.
 */
import { createServer } from 'node:http';
import { build } from 'esbuild';
import { chromium } from 'playwright-core';
import { CHROMIUM_ARGS } from './chromium.js';
import { decodeOnly, load, verifyRate } from './cold-verify-steps.js';
import { type SyntheticLog, syntheticLog } from './synthetic.js';

const N = Number(process.env.ENVELOPES ?? 20_000);

async function inChromium(log: SyntheticLog) {
  const bundle = await build({ entryPoints: ['bench/browser/cold-verify-entry.ts'], bundle: true, format: 'esm', write: false, platform: 'browser', target: 'es2022' });
  const js = bundle.outputFiles[0]!.text;
  const logJson = JSON.stringify(log);
  const server = createServer((req, res) => {
    if (req.url === '/log.json') return res.writeHead(200, { 'content-type': 'application/json' }).end(logJson);
    if (req.url === '/bench.js') return res.writeHead(200, { 'content-type': 'text/javascript' }).end(js);
    res.writeHead(200, { 'content-type': 'text/html' }).end('<!doctype html><script type="module" src="/bench.js"></script>');
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const port = (server.address() as { port: number }).port;
  const browser = await chromium.launch({ executablePath: '/usr/bin/chromium', args: CHROMIUM_ARGS });
  try {
    const page = await browser.newPage();
    await page.goto(`http://127.0.0.1:${port}/`);
    await page.waitForFunction(() => 'runBench' in globalThis);
    return (await page.evaluate(() => (globalThis as unknown as { runBench: () => Promise<unknown> }).runBench())) as {
      baselineMs: number; webcryptoMs: number; nobleMs: number; webcryptoVerifyPerS: number; nobleVerifyPerS: number;
    };
  } finally {
    await browser.close();
    server.close();
  }
}

const fmt = (n: number) => n.toFixed(0).padStart(7);
const log = await syntheticLog(N);
console.log(`bench/cold-verify: ${N} envelopes, ${log.certs.length} devices`);
decodeOnly(log); // warm-up
const base = decodeOnly(log);
const wc = await load(log, 'webcrypto');
const nb = await load(log, 'noble');
console.log(`node     baseline decode ${fmt(base)} ms | load+verify+fold webcrypto ${fmt(wc)} ms (${(wc / base).toFixed(1)}x) | noble ${fmt(nb)} ms (${(nb / base).toFixed(1)}x)`);
const wcRate = await verifyRate(log, 'webcrypto', 4000);
const nbRate = await verifyRate(log, 'noble', 2000);
console.log(`node     verify rate webcrypto ${fmt(wcRate)}/s, noble ${fmt(nbRate)}/s: webcrypto ${(wcRate / nbRate).toFixed(2)}x noble`);
const c = await inChromium(log);
console.log(`chromium baseline decode ${fmt(c.baselineMs)} ms | load+verify+fold webcrypto ${fmt(c.webcryptoMs)} ms (${(c.webcryptoMs / c.baselineMs).toFixed(1)}x) | noble ${fmt(c.nobleMs)} ms (${(c.nobleMs / c.baselineMs).toFixed(1)}x)`);
console.log(`chromium verify rate webcrypto ${fmt(c.webcryptoVerifyPerS)}/s, noble ${fmt(c.nobleVerifyPerS)}/s: webcrypto ${(c.webcryptoVerifyPerS / c.nobleVerifyPerS).toFixed(2)}x noble`);
console.log(`goal: chromium load <= 1500 ms -> ${c.webcryptoMs <= 1500 ? 'met' : 'NOT met'} (${c.webcryptoMs.toFixed(0)} ms on this machine)`);
