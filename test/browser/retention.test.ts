/**
 * DS-2 on the device, in Chromium: the app's own retention code (web/retention.ts, bundled for a bare page of
 * its own origin) deletes a login session past the tenant's period from IndexedDB, with the period served as the
 * relay serves it; the test reads IndexedDB with code of its own and finds everything else as it was. And the
 * admin console's periods form (ORG-2: axe-clean in German and English, at 360 px too), checked in identity.sqlite.
 */
import { build } from 'esbuild';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { axe, demoSite, launch, participant } from '../helpers/browser.js';
import { cleanup } from '../helpers/relay.js';

let browser: Browser;
beforeAll(async () => {
  browser = await launch();
});
afterAll(async () => {
  await browser?.close();
});

const MIN = 60_000;

/** Every record of the page's IndexedDB, by store and key, read without the app's code. */
const dump = (page: Page) =>
  page.evaluate(
    () =>
      new Promise<Record<string, Record<string, unknown>>>((ok, fail) => {
        const r = indexedDB.open('ratsraum');
        r.onerror = () => fail(r.error);
        r.onsuccess = () => {
          const db = r.result;
          const out: Record<string, Record<string, unknown>> = {};
          const tx = db.transaction([...db.objectStoreNames], 'readonly');
          for (const name of db.objectStoreNames) {
            const store = tx.objectStore(name);
            const keys = store.getAllKeys();
            const values = store.getAll();
            values.onsuccess = () => (out[name] = Object.fromEntries((keys.result as string[]).map((k, i) => [k, values.result[i]])));
          }
          tx.oncomplete = () => (db.close(), ok(out));
          tx.onerror = () => fail(tx.error);
        };
      }),
  );

describe('DS-2 retention on the device', () => {
  it('DS-2 a login session past the period (one minute, from the relay) is gone from IndexedDB; a younger one, the meeting log and certificates stay', async () => {
    const entry = `
      import * as idb from './web/store/idb.ts';
      import { pruneDevice } from './web/retention.ts';
      globalThis.app = { idb, pruneDevice };`;
    const bundle = await build({ stdin: { contents: entry, resolveDir: process.cwd(), loader: 'ts' }, bundle: true, write: false, format: 'iife', target: 'es2022', define: { 'process.env.NODE_ENV': '"production"' } });
    const context = await browser.newContext();
    const page = await context.newPage();
    const asked: string[] = [];
    await page.route('http://localhost/api/**', (route) => {
      asked.push(new URL(route.request().url()).pathname);
      route.fulfill({ contentType: 'application/json', body: JSON.stringify({ periods: { logins: 1 } }) });
    });
    await page.route('http://localhost/retention', (route) => route.fulfill({ contentType: 'text/html', body: `<!doctype html><script>${bundle.outputFiles[0]!.text.replaceAll('</script', '<\\/script')}</script>` }));
    await page.goto('http://localhost/retention');
    const now = Date.now();
    await page.evaluate(async (now) => {
      type Meta = Record<string, unknown>;
      const { idb } = (globalThis as unknown as { app: { idb: { updateMeta(t: string, m: string, f: (m: Meta) => Meta): Promise<Meta>; putEnvelopes(t: string, m: string, e: { id: string; wire: Uint8Array }[]): Promise<void> } } }).app;
      await idb.updateMeta('musterstadt', '', (m) => ({ ...m, session: { token: 'old-session-token', expires: now - 10 * 60_000 }, certs: [{ sig: 'c1' }] }));
      await idb.updateMeta('altstadt', '', (m) => ({ ...m, session: { token: 'young-session-token', expires: now - 20_000 } }));
      await idb.updateMeta('musterstadt', 'bv-1', (m) => ({ ...m, tenantKey: 'ab', texts: { 'privacy/de': { markdown: '# x', version: 'v' } } }));
      await idb.putEnvelopes('musterstadt', 'bv-1', [{ id: 'e1', wire: new Uint8Array([1, 2, 3]) }]);
    }, now);
    const before = await dump(page);
    const gone = await page.evaluate((now) => (globalThis as unknown as { app: { pruneDevice(n: number): Promise<unknown> } }).app.pruneDevice(now), now);
    expect(gone).toEqual([{ tenant: 'musterstadt', kind: 'logins', count: 1 }]);
    expect(asked.sort()).toEqual(['/api/altstadt/retention', '/api/musterstadt/retention']);
    const after = await dump(page);
    expect(JSON.stringify(after)).not.toContain('old-session-token');
    expect(after.meta!['altstadt/']).toEqual({ session: { token: 'young-session-token', expires: now - 20_000 } });
    // Only the old session went: every other record of every store is as it was.
    const { session: _, ...rest } = before.meta!['musterstadt/'] as Record<string, unknown>;
    expect(after).toEqual({ ...before, meta: { ...before.meta, 'musterstadt/': rest } });
    await context.close();
  }, 120_000);

  it('DS-2 (ORG-2) the admin console saves a period in days and certifies the relay\'s retention key; axe-clean in German and English, at 360 px', async () => {
    const site = await demoSite();
    try {
      for (const [lang, width] of [['de', 1100], ['en', 360]] as const) {
        const { context, page } = await participant(browser, site.links.console, { bypassCSP: true, lang, width });
        await page.getByRole('button', { name: lang === 'de' ? 'Einstellungen' : 'Settings', exact: true }).click();
        await page.getByTestId('retention-key').waitFor();
        expect(await axe(page), `${lang} ${width}`).toEqual([]);
        expect(await page.evaluate(() => document.documentElement.scrollWidth <= window.innerWidth)).toBe(true);
        if (lang === 'de') {
          expect(await page.getByTestId('retention-key').textContent()).toContain('noch nicht bestätigt');
          await page.getByLabel('Einladungen (ab Verwendung oder Ablauf), Tage').fill('1,5');
          await page.getByRole('button', { name: 'Fristen speichern' }).click();
          await page.getByText('Fristen gespeichert.').waitFor();
          await expect.poll(() => page.getByTestId('retention-key').textContent()).toContain('bestätigt mit dem Schlüssel der Kommune');
          const db = new Database(join(site.dataDir, 'identity.sqlite'), { readonly: true });
          expect(db.prepare("SELECT kind, minutes FROM retention_periods WHERE tenant = 'musterstadt'").all()).toEqual([{ kind: 'invitations', minutes: 36 * 60 }]);
          expect((db.prepare("SELECT request FROM retention_certification WHERE tenant = 'musterstadt'").get() as { request: string }).request).toContain(site.relay.retention.relayKey);
          db.close();
        }
        await context.close();
      }
    } finally {
      await site.relay.close();
      cleanup(site.dataDir);
    }
  }, 120_000);
});
