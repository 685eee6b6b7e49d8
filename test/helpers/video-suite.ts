/**
 * The set-up of a browser video test file: one video-capable Chromium for the file and the demo site a test
 * starts, both closed after the file. Apart from video.ts because it registers Vitest hooks (benches import that).
 */
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll } from 'vitest';
import { demoSite } from './browser.js';
import { cleanup } from './relay.js';
import { launchVideo } from './video.js';

export type Site = Awaited<ReturnType<typeof demoSite>>;

export function videoSuite() {
  let browser: Browser | undefined;
  let site: Site | undefined;
  beforeAll(async () => {
    browser = await launchVideo();
  }, 60_000);
  afterAll(async () => {
    await browser?.close();
    if (site) {
      await site.relay.close();
      cleanup(site.dataDir);
    }
  }, 120_000);
  return {
    browser: () => browser!,
    /** The demo site of this file (one per file). */
    async site(opts: Parameters<typeof demoSite>[0]): Promise<Site> {
      site = await demoSite(opts);
      return site;
    },
  };
}
