import type { Browser, BrowserContext } from 'playwright-core';
import { afterAll, afterEach, beforeAll } from 'vitest';
import { demoSite, launch, participant } from './browser.js';
import { cleanup } from './relay.js';

/**
 * One Chromium per test file; each test's contexts and demo relays go when the test ends (two shared cores,
 * and a relay closes while pages still hold sockets). `open` makes a participant page, `site` a demo relay.
 */
export function perTestSites() {
  let browser: Browser | undefined;
  let sites: Awaited<ReturnType<typeof demoSite>>[] = [];
  let contexts: BrowserContext[] = [];
  beforeAll(async () => {
    browser = await launch();
  }, 60_000);
  afterEach(async () => {
    for (const c of contexts) await c.close();
    for (const s of sites) {
      await s.relay.close();
      cleanup(s.dataDir);
    }
    contexts = [];
    sites = [];
  }, 120_000);
  afterAll(async () => {
    await browser?.close();
  }, 60_000);
  return {
    /** The file's Chromium, for contexts of a test's own making (give them to `keep`). */
    browser: () => browser!,
    /** A context that goes when the test ends. */
    keep(context: BrowserContext) {
      contexts.push(context);
      return context;
    },
    async open(url: string, opts: Parameters<typeof participant>[2] = {}) {
      const p = await participant(browser!, url, { bypassCSP: true, ...opts });
      contexts.push(p.context);
      return p;
    },
    async site(opts?: Parameters<typeof demoSite>[0]) {
      const s = await demoSite(opts);
      sites.push(s);
      return s;
    },
  };
}
