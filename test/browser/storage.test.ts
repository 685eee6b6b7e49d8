/**
 * SEC-1 finding 13, client storage in Chromium: what a member's device keeps in IndexedDB must be enough to
 * judge entries offline. A revocation it received survives an offline restart, so the revoked device's later
 * entries (planted straight into the device's store, as a relay or peer could deliver them) are still
 * rejected; concurrent metadata writers (trustee secrets, certificates, the login session) lose nothing.
 */
import { build } from 'esbuild';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { fromHex, toHex } from '../../crypto/bytes.js';
import { revoke } from '../../crypto/cert.js';
import { signerFromSeed } from '../../crypto/ed25519.js';
import { signAdmin } from '../../core/identity.js';
import { demoSite, launch, participant, whenStatus } from '../helpers/browser.js';
import { cleanup, device, online, until } from '../helpers/relay.js';

let browser: Browser;
const stops: (() => unknown)[] = [];
beforeAll(async () => {
  browser = await launch();
});
afterAll(async () => {
  for (const s of stops.reverse()) await s();
  await browser?.close();
});

/** The device's metadata for one meeting, read from IndexedDB inside the page. */
const metaOf = (page: Page, key: string) =>
  page.evaluate(
    (k) =>
      new Promise<{ certs?: { sig: string }[] }>((ok, fail) => {
        const r = indexedDB.open('ratsraum');
        r.onerror = () => fail(r.error);
        r.onsuccess = () => {
          const g = r.result.transaction('meta').objectStore('meta').get(k);
          g.onsuccess = () => (r.result.close(), ok(g.result ?? {}));
          g.onerror = () => fail(g.error);
        };
      }),
    key,
  );

describe('client storage', () => {
  it('SEC-1 (finding 13) a revocation survives an offline restart: the device still rejects the revoked device\'s entries', async () => {
    const site = await demoSite();
    stops.push(() => cleanup(site.dataDir), () => site.relay.close().catch(() => {}));
    const { demo } = site;
    const ref = `${demo.tenant}/${demo.meeting}`;
    const name = (person: string) => demo.devices.find((d) => d.person === person)!.name;
    const { context, page } = await participant(browser, site.links.members.find((m) => m.name === name('m02'))!.url);
    stops.push(() => context.close());
    await whenStatus(page, 'online');
    await page.waitForFunction(async () => !!(await navigator.serviceWorker.ready).active, undefined, { timeout: 15_000 });

    // The device to be revoked holds the log, so that what it signs later fits in.
    const thief = await device(demo, 'm03', [site.wsUrl]);
    await online(thief);
    const held = async () => (await site.relay.store.all(demo.tenant, demo.meeting, ['public', 'members'])).length;
    await until(async () => thief.replica.log.size === (await held()), 'm03 holds the log');
    thief.client.stop();

    const deviceHex = toHex((await signerFromSeed(fromHex(demo.devices.find((d) => d.person === 'm03')!.seed, 32))).publicKey);
    const admin = await signerFromSeed(fromHex(demo.tenantSeed, 32));
    const revocation = await revoke((await site.relay.store.cert(demo.tenant, deviceHex))!, Date.now(), admin, {});
    const r = await fetch(`${site.relay.url}/api/${demo.tenant}/admin`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(await signAdmin(admin, demo.tenant, 'revoke', { cert: revocation })) });
    expect(r.status).toBe(200);

    // The member's device got it live and kept it: the revoked version is in its IndexedDB.
    await expect.poll(async () => (await metaOf(page, ref)).certs?.map((c) => c.sig) ?? [], { timeout: 15_000 }).toContain(revocation.sig);

    // Afterwards the stolen device signs an entry; it reaches the member's store behind the relay's back.
    const before = await held();
    const forged = await thief.replica.create('handbook.ack', { kind: 'security', version: 'c'.repeat(64) }, 'members');
    await site.relay.close();
    await context.setOffline(true);
    await page.evaluate(
      ([key, wire]) =>
        new Promise<void>((ok, fail) => {
          const r = indexedDB.open('ratsraum');
          r.onsuccess = () => {
            const tx = r.result.transaction('envelopes', 'readwrite');
            tx.objectStore('envelopes').put(new Uint8Array(wire), key);
            tx.oncomplete = () => (r.result.close(), ok());
            tx.onerror = () => fail(tx.error);
          };
          r.onerror = () => fail(r.error);
        }),
      [`${ref}/${forged.id}`, [...forged.wire]] as const,
    );

    // Restart offline, from the device's own store only.
    await page.reload();
    await whenStatus(page, 'offline');
    await page.waitForFunction(() => Number(document.documentElement.dataset.logSize) > 0, undefined, { timeout: 15_000 });
    await expect.poll(() => page.getByTestId('integrity').textContent(), { timeout: 15_000 }).toContain('device revoked');
    // Not taken into its log: the device holds exactly what the relay held.
    expect(await page.evaluate(() => Number(document.documentElement.dataset.logSize))).toBe(before);
  }, 120_000);

  it('SEC-1 (finding 13) concurrent metadata writers lose nothing: every trustee secret, the certificates and the session are kept, and one secret per name', async () => {
    // The app's own storage code, bundled for a bare page of its own origin (no relay, no PWA build).
    const entry = `
      import * as idb from './web/store/idb.ts';
      import { deviceSecret } from './web/duties.ts';
      import { toHex } from './crypto/bytes.ts';
      globalThis.storage = { idb, deviceSecret, toHex };`;
    const bundle = await build({ stdin: { contents: entry, resolveDir: process.cwd(), loader: 'ts' }, bundle: true, write: false, format: 'iife', target: 'es2022', define: { 'process.env.NODE_ENV': '"production"' } });
    const page = await (await browser.newContext()).newPage();
    await page.route('http://localhost/**', (route) => route.fulfill({ contentType: 'text/html', body: `<!doctype html><script>${bundle.outputFiles[0]!.text.replaceAll('</script', '<\\/script')}</script>` }));
    await page.goto('http://localhost/storage');
    const got = await page.evaluate(async () => {
      type Meta = { secrets?: Record<string, string>; certs?: { sig: string }[]; session?: { token: string } };
      type Idb = { getMeta(t: string, m: string): Promise<Meta>; putMeta?(t: string, m: string, x: Meta): Promise<void>; putCerts?(t: string, m: string, k: string, c: unknown[]): Promise<unknown>; updateMeta?(t: string, m: string, f: (m: Meta) => Meta): Promise<Meta> };
      const s = (globalThis as unknown as { storage: { idb: Idb; deviceSecret(t: string, m: string, n: string): Promise<Uint8Array>; toHex(b: Uint8Array): string } }).storage;
      // Where a version has no transactional update, its callers read and then wrote (web/session.ts, web/identity.ts).
      const update = s.idb.updateMeta ?? (async (t: string, m: string, f: (m: Meta) => Meta) => s.idb.putMeta!(t, m, f(await s.idb.getMeta(t, m))));
      const putCerts = s.idb.putCerts ?? ((t: string, m: string, k: string, c: unknown[]) => update(t, m, (x) => ({ ...x, tenantKey: k, certs: c }) as Meta));
      const N = 25;
      const same: Promise<Uint8Array>[] = [];
      const writers: Promise<unknown>[] = [];
      for (let i = 0; i < N; i++) {
        writers.push(s.deviceSecret('t', 'm', `key:${i}`));
        same.push(s.deviceSecret('t', 'm', 'key:shared'));
        writers.push(putCerts('t', 'm', 'ab'.repeat(32), Array.from({ length: i + 1 }, (_, j) => ({ body: {}, sig: `sig-${j}` }))));
        writers.push(update('t', 'm', (m) => ({ ...m, session: { token: `token-${i}` } })));
      }
      await Promise.all(writers);
      const shared = (await Promise.all(same)).map((b) => s.toHex(b));
      const meta = await s.idb.getMeta('t', 'm');
      return { secrets: Object.keys(meta.secrets ?? {}).length, shared: [...new Set(shared)], stored: meta.secrets?.['key:shared'], certs: meta.certs?.length, session: meta.session?.token };
    });
    expect(got.secrets).toBe(26);
    expect(got.shared).toHaveLength(1); // every caller got the secret that is kept
    expect(got.shared[0]).toBe(got.stored);
    expect(got.certs).toBe(25); // the last write of the certificates, not an older snapshot
    expect(got.session).toBe('token-24');
    await page.context().close();
  });
});
