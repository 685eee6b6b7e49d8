/**
 * SEC-1, a returning device in Chromium (core/checkpoint.ts, web/load.ts): after a reload it checks no signature
 * its own checkpoint vouches for; a checkpoint whose bytes were changed in IndexedDB, another device's
 * checkpoint, or an envelope changed in IndexedDB under a valid checkpoint, each make it verify everything anew,
 * and it ends with the same state as before.
 */
import type { Page } from 'playwright-core';
import { describe, expect, it } from 'vitest';
import { perTestSites } from '../helpers/per-test-sites.js';
import { stateHashOf, whenStatus } from '../helpers/browser.js';

const { open, site } = perTestSites();

/** Runs `fn(db)` on the app's IndexedDB inside the page and closes it again. */
function idb<T>(page: Page, fn: string, arg: unknown): Promise<T> {
  return page.evaluate(
    ([fn, arg]) =>
      new Promise<T>((ok, fail) => {
        const r = indexedDB.open('ratsraum');
        r.onerror = () => fail(r.error);
        r.onsuccess = () => {
          const db = r.result;
          // eslint-disable-next-line @typescript-eslint/no-implied-eval
          (new Function('db', 'arg', `return (${fn})(db, arg)`)(db, arg) as Promise<T>).then((x) => (db.close(), ok(x)), fail);
        };
      }),
    [fn, arg] as const,
  );
}
const getMeta = (page: Page, key: string) =>
  idb<{ checkpoint?: { sig: string; chains: { seq: number }[] } }>(page, `(db, k) => new Promise((ok) => { const g = db.transaction('meta').objectStore('meta').get(k); g.onsuccess = () => ok(g.result ?? {}); })`, key);
const putMeta = (page: Page, key: string, meta: unknown) =>
  idb(page, `(db, [k, m]) => new Promise((ok, fail) => { const tx = db.transaction('meta', 'readwrite'); tx.objectStore('meta').put(m, k); tx.oncomplete = () => ok(); tx.onerror = () => fail(tx.error); })`, [key, meta]);
/** Flips one byte of the payload of the first stored envelope of `kind` (by its wire's text). */
const flipEnvelope = (page: Page, prefix: string, kind: string) =>
  idb<string>(
    page,
    `(db, [prefix, kind]) => new Promise((ok, fail) => {
      const tx = db.transaction('envelopes', 'readwrite'); const s = tx.objectStore('envelopes');
      const c = s.openCursor(IDBKeyRange.bound(prefix, prefix + '\\uffff'));
      let done = '';
      c.onsuccess = () => {
        const cur = c.result; if (!cur || done) return;
        const w = new Uint8Array(cur.value);
        if (new TextDecoder().decode(w).includes(kind)) { w[w.length - 66] ^= 1; cur.update(w); done = cur.key; } else cur.continue();
      };
      tx.oncomplete = () => ok(done); tx.onerror = () => fail(tx.error);
    })`,
    [prefix, kind],
  );

const data = (page: Page, key: string) => page.evaluate((k) => document.documentElement.dataset[k], key);
/** Reloads and waits for the load from IndexedDB; what it found there (the sync may already have added to it). */
async function reload(page: Page) {
  await page.reload();
  await page.waitForFunction(() => document.documentElement.dataset.checkpoint !== undefined, undefined, { timeout: 60_000 });
  return { checkpoint: await data(page, 'checkpoint'), checked: Number(await data(page, 'loadChecked')), size: Number(await data(page, 'loadSize')) };
}

describe('checkpoint in the browser', () => {
  it('SEC-1 a returning device verifies only what is new; a changed checkpoint, another device\'s, or a changed envelope in IndexedDB means everything is verified anew', async () => {
    const s = await site();
    const { demo } = s;
    const ref = `${demo.tenant}/${demo.meeting}`;
    const link = (person: string) => s.links.members.find((m) => m.name === demo.devices.find((d) => d.person === person)!.name)!.url;
    const held = async () => (await s.relay.store.all(demo.tenant, demo.meeting, ['public', 'members'])).length;
    const { page } = await open(link('m02'));
    await whenStatus(page, 'online', 60_000);
    await page.waitForFunction((n) => Number(document.documentElement.dataset.logSize) === n, await held(), { timeout: 60_000 });
    const covered = async () => ((await getMeta(page, ref)).checkpoint?.chains ?? []).reduce((n, c) => n + c.seq, 0);
    await expect.poll(covered, { timeout: 60_000 }).toBe(await held());
    const hash = await stateHashOf(page);
    expect(await data(page, 'checkpoint')).toBe('none'); // its first start: nothing to rely on

    // Back again: nothing verified twice.
    expect(await reload(page)).toEqual({ checkpoint: 'used', checked: 0, size: (await held()) });
    expect(await stateHashOf(page)).toBe(hash);

    // One byte of the checkpoint's signature changed.
    const meta = await getMeta(page, ref);
    const cp = meta.checkpoint!;
    await putMeta(page, ref, { ...meta, checkpoint: { ...cp, sig: (cp.sig[0] === '0' ? '1' : '0') + cp.sig.slice(1) } });
    expect(await reload(page)).toEqual({ checkpoint: 'discarded', checked: (await held()), size: (await held()) });
    await expect.poll(covered, { timeout: 60_000 }).toBe(await held()); // and kept anew

    // A valid checkpoint, but another device's (m03's, taken from its own browser context).
    const other = (await open(link('m03'))).page;
    await whenStatus(other, 'online', 60_000);
    await expect.poll(async () => (await getMeta(other, ref)).checkpoint?.sig, { timeout: 60_000 }).toBeTruthy();
    await putMeta(page, ref, { ...(await getMeta(page, ref)), checkpoint: (await getMeta(other, ref)).checkpoint });
    expect(await reload(page)).toEqual({ checkpoint: 'discarded', checked: (await held()), size: (await held()) });
    await expect.poll(covered, { timeout: 60_000 }).toBe(await held());

    // The device's own valid checkpoint, over a stored envelope whose payload changed by one bit.
    await whenStatus(page, 'online', 60_000);
    expect(await flipEnvelope(page, `${ref}/`, 'meeting.setup')).not.toBe('');
    const back = await reload(page);
    const n = await held();
    expect(back).toEqual({ checkpoint: 'discarded', checked: n, size: n - 1 });
    // The relay hands the envelope back; the device ends where it was.
    await expect.poll(() => stateHashOf(page), { timeout: 60_000 }).toBe(hash);
  }, 240_000);
});
