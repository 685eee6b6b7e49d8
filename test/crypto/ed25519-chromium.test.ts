/**
 * The Ed25519 rule in Chromium (finding 6): the same vectors through Chromium's WebCrypto (BoringSSL)
 * and noble, in a page that loads crypto/ed25519.ts bundled by esbuild (no PWA build needed).
 */
import { build } from 'esbuild';
import { type Browser, chromium } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CHROMIUM_ARGS } from '../../bench/chromium.js';
import { CASES } from '../vectors/ed25519/cases.js';

const ENTRY = `
import { fromHex } from './crypto/bytes.ts';
import { hasWebCrypto, useBackend, verify } from './crypto/ed25519.ts';
import { CASES } from './test/vectors/ed25519/cases.ts';
const hex = (h) => { try { return fromHex(h); } catch { return new Uint8Array(0); } };
globalThis.verdicts = async (backend) => {
  if (backend === 'webcrypto' && !(await hasWebCrypto())) throw new Error('no WebCrypto Ed25519 in this browser');
  useBackend(backend);
  const out = [];
  for (const c of CASES) out.push(await verify(hex(c.signature), fromHex(c.message), fromHex(c.publicKey)));
  return out;
};`;

let browser: Browser;
beforeAll(async () => {
  browser = await chromium.launch({ executablePath: process.env.CHROMIUM ?? '/usr/bin/chromium', args: CHROMIUM_ARGS });
});
afterAll(async () => {
  await browser?.close();
});

describe('Ed25519 in Chromium', () => {
  it('SEC-1 (finding 6) Chromium\'s WebCrypto and noble give the verdict of our rule on every Wycheproof and speccheck vector', async () => {
    const bundle = await build({ stdin: { contents: ENTRY, resolveDir: process.cwd(), loader: 'js' }, bundle: true, write: false, format: 'iife', target: 'es2022' });
    const page = await browser.newPage();
    // http://localhost is a secure context, so crypto.subtle exists; the route answers without a server.
    await page.route('http://localhost/**', (route) =>
      route.fulfill({ contentType: 'text/html', body: `<!doctype html><script>${bundle.outputFiles[0]!.text.replaceAll('</script', '<\\/script')}</script>` }),
    );
    await page.goto('http://localhost/ed25519');
    const expected = CASES.map((c) => `${c.valid ? 'accept' : 'refuse'} ${c.name}`);
    for (const backend of ['webcrypto', 'noble'] as const) {
      const got = await page.evaluate((b) => (globalThis as unknown as { verdicts: (b: string) => Promise<boolean[]> }).verdicts(b), backend);
      expect(CASES.map((c, i) => `${got[i] ? 'accept' : 'refuse'} ${c.name}`), backend).toEqual(expected);
    }
  });
});
