/**
 * Browser test helpers: Debian's Chromium through playwright-core, a demo relay serving the built PWA,
 * one browser context per participant, and an axe-core check for WCAG 2.1 A/AA.
 */
import { existsSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { type Browser, type BrowserContext, chromium, type Page } from 'playwright-core';
import { CHROMIUM_ARGS } from '../../bench/chromium.js';
import { demoLinks } from '../../relay/demo.js';
import { cleanup, demoRelay, tempDir } from './relay.js';
import type { RelayOptions } from '../../relay/server.js';

export const DIST = join(process.cwd(), 'dist');

/** DIS-5: host candidates on loopback without mDNS names, so that pages and node-datachannel peers reach each other. */
export const PEER_ARGS = ['--allow-loopback-in-peer-connection', '--disable-features=WebRtcHideLocalIpsWithMdns'];

export async function launch(extraArgs: string[] = []): Promise<Browser> {
  if (!existsSync(join(DIST, 'index.html')) || !existsSync(join(DIST, 'sw.js'))) throw new Error('dist/ has no build: run `npm run build` first (npm test does)');
  return chromium.launch({ executablePath: process.env.CHROMIUM ?? '/usr/bin/chromium', args: [...CHROMIUM_ARGS, ...extraArgs] });
}

/** A demo relay serving dist/ (or a copy of it, for tests that change the app), and the demo links. */
export async function demoSite(opts: { dataDir?: string; port?: number; staticDir?: string; relay?: Partial<RelayOptions>; sealed?: boolean } = {}) {
  const site = await demoRelay({ ...opts, staticDir: opts.staticDir ?? DIST });
  const links = await demoLinks(site.demo, site.relay.url);
  return { ...site, links };
}

/** A participant: own context (own IndexedDB, own device key), page opened on the link. */
export async function participant(browser: Browser, url: string, opts: { width?: number; lang?: 'de' | 'en'; bypassCSP?: boolean } = {}): Promise<{ context: BrowserContext; page: Page }> {
  const context = await browser.newContext({ viewport: { width: opts.width ?? 1100, height: 900 }, locale: 'de-DE', bypassCSP: opts.bypassCSP });
  const page = await context.newPage();
  page.on('pageerror', (e) => console.error(`page error: ${e.message}`));
  if (opts.lang) await page.addInitScript((l) => localStorage.setItem('ratsraum.lang', l), opts.lang);
  await page.goto(url);
  return { context, page };
}

/**
 * A participant in a browser with a real (non-incognito) profile, as an installed app would have:
 * Chromium only offers installation there. Closing the context ends that browser; the profile is removed.
 */
export async function persistentParticipant(url: string, opts: { bypassCSP?: boolean } = {}): Promise<{ context: BrowserContext; page: Page; close: () => Promise<void> }> {
  if (!existsSync(join(DIST, 'index.html'))) throw new Error('dist/ has no build: run `npm run build` first (npm test does)');
  const profile = tempDir();
  const context = await chromium.launchPersistentContext(profile, { executablePath: process.env.CHROMIUM ?? '/usr/bin/chromium', args: CHROMIUM_ARGS, locale: 'de-DE', viewport: { width: 1100, height: 900 }, bypassCSP: opts.bypassCSP });
  const page = context.pages()[0] ?? (await context.newPage());
  page.on('pageerror', (e) => console.error(`page error: ${e.message}`));
  await page.goto(url);
  return {
    context,
    page,
    close: async () => {
      await context.close();
      cleanup(profile);
    },
  };
}

/** PUB-2: a viewer confirms the recording notice before the public page opens anything of the meeting (test/browser/public.test.ts proves the notice). */
export const passNotice = (page: Page) => page.getByTestId('recording-notice').getByRole('button').click();

export const whenStatus = (page: Page, status: string, timeout = 15_000) => page.waitForFunction((s) => document.documentElement.dataset.status === s, status, { timeout });

export const stateHashOf = (page: Page) => page.evaluate(() => document.documentElement.dataset.stateHash);

const AXE = readFileSync(createRequire(import.meta.url).resolve('axe-core/axe.min.js'), 'utf8');

/** WCAG 2.1 A/AA violations on the page, or within the elements `include` selects (the context needs bypassCSP: our CSP forbids injected scripts), as "rule: target" lines (empty when clean). */
export async function axe(page: Page, include?: string): Promise<string[]> {
  await page.addScriptTag({ content: AXE });
  const violations = await page.evaluate(async (include) => {
    const r = await (globalThis as unknown as { axe: { run: (ctx: unknown, o: unknown) => Promise<{ violations: { id: string; nodes: { target: string[] }[] }[] }> } }).axe.run(include ? { include: [include] } : document, {
      runOnly: { type: 'tag', values: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa'] },
    });
    return r.violations.map((v) => `${v.id}: ${v.nodes.map((n) => n.target.join(' ')).join(', ')}`);
  }, include);
  return violations;
}

