/**
 * SEC-1, a fresh device's signature checks in Web Workers (web/verify-pool.ts, web/verify.worker.ts) in
 * Chromium: the verdicts on a log with forged signatures, an S >= L, a small-order R and a changed byte are
 * exactly the main thread's, on every core; a worker that fails to load or breaks leaves its envelopes to the
 * main thread, with the same verdicts.
 */
import { build } from 'esbuild';
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { fromBase64, toBase64 } from '../../crypto/bytes.js';
import { syntheticLog } from '../../bench/synthetic.js';
import { launch } from '../helpers/browser.js';

let browser: Browser;
beforeAll(async () => {
  browser = await launch();
}, 60_000);
afterAll(async () => {
  await browser?.close();
});

const bundle = async (contents: string, format: 'iife' | 'esm') =>
  (await build({ stdin: { contents, resolveDir: process.cwd(), loader: 'ts' }, bundle: true, write: false, format, target: 'es2022' })).outputFiles[0]!.text;

describe('signatures in Web Workers', () => {
  it('SEC-1 verdicts in workers on all cores equal the main thread\'s; a failing worker falls back to the main thread', async () => {
    const log = await syntheticLog(300, 5);
    const wires = log.envelopes.map(fromBase64);
    const bad = new Set<number>();
    const change = (i: number, f: (w: Uint8Array) => void) => (f(wires[i]!), bad.add(i));
    for (let i = 5; i < wires.length; i += 37) change(i, (w) => (w[w.length - 1 - (i % 64)]! ^= 0x10)); // a forged signature
    change(41, (w) => (w[w.length - 1] = 0xff)); // S >= L
    change(42, (w) => w.set([1, ...new Array(31).fill(0)], w.length - 64)); // R the small-order identity point
    change(43, (w) => (w[w.length - 80]! ^= 1)); // a signed byte (payload) changed
    const page = await (await browser.newContext()).newPage();
    const files: Record<string, string> = {
      '/verify.worker.js': await bundle(`import './web/verify.worker.ts';`, 'iife'),
      '/broken.worker.js': 'self.onmessage = () => { throw new Error("broken"); };',
      '/pool.js': await bundle(`import { VerifyPool } from './web/verify-pool.ts'; import * as envelope from './crypto/envelope.ts'; globalThis.lib = { VerifyPool, envelope };`, 'iife'),
    };
    await page.route('http://localhost/**', (route) => {
      const path = new URL(route.request().url()).pathname;
      if (path === '/') return route.fulfill({ contentType: 'text/html', body: '<!doctype html><script src="/pool.js"></script>' });
      const body = files[path];
      return body ? route.fulfill({ contentType: 'text/javascript', body }) : route.fulfill({ status: 404, body: 'no' });
    });
    await page.goto('http://localhost/');
    const got = await page.evaluate(async (b64) => {
      type Pool = { verify(e: unknown[]): Promise<boolean[]>; close(): void; stats: { inWorkers: number; onMain: number; failed: number } };
      const { VerifyPool, envelope } = (globalThis as unknown as { lib: { VerifyPool: new (o: unknown) => Pool; envelope: { decode(w: Uint8Array): unknown; verifySignature(e: unknown): Promise<boolean> } } }).lib;
      const envs = b64.map((s) => envelope.decode(Uint8Array.from(atob(s), (c) => c.charCodeAt(0))));
      const main = await Promise.all(envs.map((e) => envelope.verifySignature(e)));
      const run = async (spawn: (i: number) => Worker) => {
        let n = 0;
        const pool = new VerifyPool({ spawn: () => spawn(n++), size: navigator.hardwareConcurrency, min: 1, chunk: 50 });
        const ok = await pool.verify(envs);
        pool.close();
        return { ok, stats: pool.stats };
      };
      return {
        cores: navigator.hardwareConcurrency,
        main,
        workers: await run(() => new Worker('/verify.worker.js')),
        oneMissing: await run((i) => new Worker(i === 0 ? '/missing.worker.js' : '/verify.worker.js')),
        broken: await run(() => new Worker('/broken.worker.js')),
        none: await run(() => {
          throw new Error('no workers here');
        }),
      };
    }, wires.map(toBase64));
    expect(got.main.map((ok, i) => ok === !bad.has(i))).toEqual(wires.map(() => true)); // the main thread's verdicts are right
    expect(got.workers.ok).toEqual(got.main);
    expect(got.workers.stats).toEqual({ inWorkers: wires.length, onMain: 0, failed: 0 });
    expect(got.oneMissing.ok).toEqual(got.main);
    expect(got.oneMissing.stats.failed).toBe(1);
    expect(got.broken.ok).toEqual(got.main);
    expect(got.broken.stats).toMatchObject({ inWorkers: 0, onMain: wires.length, failed: got.cores });
    expect(got.none.ok).toEqual(got.main);
    expect(got.none.stats).toMatchObject({ inWorkers: 0, onMain: wires.length });
    await page.context().close();
  }, 120_000);
});
