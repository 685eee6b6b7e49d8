/**
 * bench/engines: the browser figures of bench/cold-verify (load, verify and fold 20,000 envelopes) and
 * bench/secret (encrypt and prove one ballot; verify and tally 100 ballots, batched) in each engine members
 * bring: Chromium, Firefox, WebKit (test/helpers/engines.ts drives them). The baseline is the same run's
 * Chromium figure: each engine is printed as a ratio to it. Prints figures; asserts nothing.
 */
import { createServer } from 'node:http';
import { build } from 'esbuild';
import { type Engine, ENGINES, startEngines } from '../test/helpers/engine-drivers.js';
import { syntheticLog } from './synthetic.js';

const N = Number(process.env.ENVELOPES ?? 20_000);
const BALLOTS = Number(process.env.BALLOTS ?? 100);
const bundle = async (entry: string, external: string[] = []) =>
  (await build({ entryPoints: [entry], bundle: true, format: 'esm', write: false, platform: 'browser', target: 'es2022', external, logLevel: 'warning' })).outputFiles[0]!.text;

const log = JSON.stringify(await syntheticLog(N));
const files: Record<string, string> = {
  '/cold.js': await bundle('bench/browser/cold-verify-entry.ts'),
  '/secret.js': await bundle('bench/browser/secret-entry.ts'),
  '/worker.js': await bundle('bench/secret-worker.ts', ['node:worker_threads']),
};
const server = createServer((req, res) => {
  if (req.url === '/log.json') return res.writeHead(200, { 'content-type': 'application/json' }).end(log);
  const js = files[req.url ?? ''];
  if (js) return res.writeHead(200, { 'content-type': 'text/javascript' }).end(js);
  res.writeHead(200, { 'content-type': 'text/html' }).end('<!doctype html><script type="module" src="/cold.js"></script><script type="module" src="/secret.js"></script>');
});
await new Promise<void>((ok) => server.listen(0, '127.0.0.1', ok));
const url = `http://127.0.0.1:${(server.address() as { port: number }).port}/`;

interface Figures {
  loadMs: number; // cold load + verify + fold, WebCrypto
  nobleLoadMs: number; // the same on noble (the fallback)
  verifyPerS: number;
  encryptMs: number; // one ballot, 5 candidates + No
  tallyMs: number; // verify and tally BALLOTS ballots, batched, one thread
}

const engines = startEngines();
const got: Partial<Record<Engine, Figures>> = {};
try {
  for (const engine of ENGINES) {
    const p = await engines.open(engine, url);
    await p.waitFor(() => 'runBench' in globalThis && 'tallyBench' in globalThis, undefined, 60_000);
    // Started in the page and polled: a WebDriver request held open for minutes is dropped.
    const run = async <R>(call: string, arg: number | null): Promise<R> => {
      await p.evaluate(([call, arg]) => {
        const g = globalThis as unknown as Record<string, unknown>;
        g.__benchResult = undefined;
        Promise.resolve((g[call as string] as (a: unknown) => unknown)(arg)).then((r) => (g.__benchResult = { r }), (e) => (g.__benchResult = { error: String(e) }));
      }, [call, arg] as const);
      const out = (await p.waitFor(() => (globalThis as unknown as { __benchResult?: { r?: unknown; error?: string } }).__benchResult, undefined, 1_800_000))!;
      if (out.error) throw new Error(`${engine} ${call}: ${out.error}`);
      return out.r as R;
    };
    const cold = await run<{ webcryptoMs: number; nobleMs: number; webcryptoVerifyPerS: number }>('runBench', null);
    const enc = await run<{ encryptMs: number }>('encryptBench', null);
    const tally = await run<{ batchMs: number }>('tallyBench', BALLOTS);
    console.error(`bench/engines: ${engine} done`);
    got[engine] = { loadMs: cold.webcryptoMs, nobleLoadMs: cold.nobleMs, verifyPerS: cold.webcryptoVerifyPerS, encryptMs: enc.encryptMs, tallyMs: tally.batchMs };
    await engines.close(p);
  }
} finally {
  await engines.stopAll();
  server.close();
}

const base = got.chromium!;
const fmt = (n: number) => n.toFixed(0).padStart(7);
const ratio = (a: number, b: number) => `${(a / b).toFixed(2)}x`;
console.log(`bench/engines: ${N} envelopes, ${BALLOTS} ballots; ratios against this run's Chromium (higher = slower, except verify/s)`);
for (const e of ENGINES) {
  const f = got[e]!;
  console.log(
    `${e.padEnd(8)} cold-verify load ${fmt(f.loadMs)} ms (${ratio(f.loadMs, base.loadMs)}) | noble fallback ${fmt(f.nobleLoadMs)} ms (${ratio(f.nobleLoadMs, base.nobleLoadMs)}) | verify ${fmt(f.verifyPerS)}/s (${ratio(f.verifyPerS, base.verifyPerS)}) | secret encrypt ${f.encryptMs.toFixed(1).padStart(6)} ms (${ratio(f.encryptMs, base.encryptMs)}) | verify+tally ${BALLOTS} ${fmt(f.tallyMs)} ms (${ratio(f.tallyMs, base.tallyMs)})`,
  );
}
