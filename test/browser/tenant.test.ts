/**
 * A real municipality in Chromium (issue 10, "Real tenants" and finding 10): a relay without the demo,
 * `ratsraum tenant create`, the setup link opened in the administration's browser, which generates the tenant
 * key (non-extractable) and shows its fingerprint; invitations made there carry that fingerprint; one
 * invitation binds one device; a relay that swaps the stored key is caught by the enrolment page and the admin
 * console. The admin console at 360 px and on the desktop: screenshots, no letter-by-letter breaking, axe-clean.
 */
import { execFile } from 'node:child_process';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import Database from 'better-sqlite3';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { fromHex, toHex } from '../../crypto/bytes.js';
import { check as checkCert } from '../../crypto/cert.js';
import { generateSeed, signerFromSeed } from '../../crypto/ed25519.js';
import { fingerprint } from '../../crypto/hash.js';
import { demoMasterData, makeDemo } from '../../relay/demo.js';
import { startRelay } from '../../relay/server.js';
import { axe, DIST, launch, participant } from '../helpers/browser.js';
import { cleanup, tempDir } from '../helpers/relay.js';
import { localSmtp } from '../helpers/smtp.js';

// Screenshots for a person to look at: kept where RATSRAUM_SHOTS says, else in a folder removed afterwards.
const SHOTS = process.env.RATSRAUM_SHOTS ?? tempDir();
let browser: Browser;
const stops: (() => unknown)[] = [];
beforeAll(async () => {
  browser = await launch();
  mkdirSync(SHOTS, { recursive: true });
  if (!process.env.RATSRAUM_SHOTS) stops.push(() => cleanup(SHOTS));
});
afterAll(async () => {
  for (const s of stops.reverse()) await s();
  await browser?.close();
});

/** Cells of the persons table whose text is broken into more lines than it has words (letter by letter). */
const brokenCells = (page: Page) =>
  page.evaluate(() =>
    [...document.querySelectorAll('[data-testid="persons"] tbody th, [data-testid="persons"] tbody .tag')].flatMap((el) => {
      const range = document.createRange();
      range.selectNodeContents(el);
      const lines = new Set([...range.getClientRects()].map((r) => Math.round(r.top))).size;
      const words = (el.textContent ?? '').trim().split(/\s+/).length;
      return lines > words ? [`${el.textContent}: ${lines} lines for ${words} words`] : [];
    }),
  );

describe('a real tenant in the browser', () => {
  it('SEC-4 VID-5 SEC-3 (Real tenants, finding 10) the setup link makes the tenant key in the browser; its invitations carry its fingerprint; a swapped relay key is refused; one invitation, one device', async () => {
    const smtp = await localSmtp();
    const dataDir = tempDir();
    const relay = await startRelay({ dataDir, port: 0, quiet: true, staticDir: DIST, smtp: { host: '127.0.0.1', port: smtp.port, from: 'ratsraum@example.org' } });
    stops.push(() => cleanup(dataDir), () => relay.close(), () => smtp.close());

    const made = await promisify(execFile)(process.execPath, ['bin/ratsraum.mjs', 'tenant', 'create', 'musterstadt', '--name', 'Stadt Musterstadt', '--data', dataDir, '--public-url', relay.url]);
    const setupLink = /(http:\/\/\S+#\/setup\/musterstadt\/[A-Za-z0-9_-]+)/.exec(made.stdout)![1]!;

    // The administration's browser: the key is made here, kept non-extractable, and only its public part registered.
    const admin = (await participant(browser, setupLink, { bypassCSP: true })).page;
    await admin.getByRole('heading', { name: 'Kommune einrichten' }).waitFor();
    await admin.getByText(/Stadt Musterstadt \(musterstadt\)/).waitFor();
    expect(await axe(admin)).toEqual([]);
    await admin.getByRole('button', { name: 'Schlüssel der Kommune erzeugen' }).click();
    const shown = (await admin.getByTestId('tenant-fingerprint').textContent())!;
    const stored = (await relay.store.tenantKey('musterstadt'))!;
    expect(shown).toBe(fingerprint(fromHex(stored, 32)));
    expect(await admin.evaluate(() => location.hash)).toBe('#/setup/musterstadt/done'); // the token left the address bar
    const kept = await admin.evaluate(
      () =>
        new Promise<{ extractable: boolean; seed: boolean; publicKey: string }>((ok) => {
          const r = indexedDB.open('ratsraum');
          r.onsuccess = () => {
            const get = r.result.transaction('devices').objectStore('devices').get('musterstadt/#admin');
            get.onsuccess = () => ok({ extractable: (get.result.privateKey as CryptoKey).extractable, seed: 'seed' in get.result && !!get.result.seed, publicKey: [...(get.result.publicKey as Uint8Array)].map((b) => b.toString(16).padStart(2, '0')).join('') });
          };
        }),
    );
    expect(kept).toEqual({ extractable: false, seed: false, publicKey: stored });
    expect(await axe(admin)).toEqual([]);

    // Then the admin console as today, with the municipality's master data (as an OParl import would bring it).
    await relay.identity.directory.put('musterstadt', demoMasterData(makeDemo()));
    await admin.getByRole('link', { name: 'Weiter zur Verwaltung' }).click();
    await admin.getByRole('heading', { name: 'Verwaltung: musterstadt' }).waitFor();
    await admin.getByTestId('tenant-info').getByText(shown).waitFor();

    // A meeting, signed by the console's own admin device, whose certificate this browser signs with the tenant key.
    await admin.getByRole('button', { name: 'Sitzungen' }).click();
    const planned = admin.locator('details.meeting[data-oparl="bv-mitte-2026-12"]');
    await planned.locator('summary').click();
    await planned.getByRole('button', { name: 'In Ratsraum anlegen' }).click();
    await admin.getByText(/Sitzung „.*“ angelegt\./).waitFor({ timeout: 30_000 });
    const adminDevice = (await relay.store.certs('musterstadt')).find((c) => c.body.roles.includes('admin'))!;
    expect(await checkCert(adminDevice, fromHex(stored, 32))).toBe(true);
    expect(await relay.store.meetings('musterstadt')).toContain('bv-mitte-2026-12');
    await admin.getByRole('button', { name: 'Personen und Geräte' }).click();

    // Invitations: made in this browser from its key; the message sits next to the button that sent them.
    const invite = async (name: string, email: string) => {
      await admin.getByRole('button', { name: `${name} verwalten` }).click();
      const form = admin.locator('form', { has: admin.getByRole('heading', { name: `${name} einladen` }) });
      await form.getByLabel('E-Mail-Adresse').fill(email);
      const send = form.getByRole('button', { name: 'Einladung senden' });
      await send.click();
      const note = admin.locator(`#${await send.getAttribute('aria-describedby')}`);
      await note.getByText(`Einladung an ${email} gesendet.`).waitFor();
      await form.screenshot({ path: join(SHOTS, `invite-${email}.png`) });
      expect(await form.locator(`#${await send.getAttribute('aria-describedby')}`).count(), 'the note is inside the form').toBe(1);
      await admin.getByRole('button', { name: `${name} verwalten` }).click();
      await expect.poll(() => smtp.mails.filter((m) => m.to.includes(email)).length).toBe(1);
      return /(http:\/\/\S+#\/enrol\/musterstadt\/[A-Za-z0-9_-]+\?fp=([0-9a-f]{32}))/.exec(smtp.mails.find((m) => m.to.includes(email))!.text)!;
    };
    await admin.setViewportSize({ width: 360, height: 900 });
    const sevim = await invite('Sevim Arslan', 'sevim.arslan@example.org');
    expect(sevim[2]).toBe(shown.replace(/ /g, ''));
    const fatma = await invite('Fatma Demir', 'fatma.demir@example.org');

    // The admin console at 360 px and on the desktop: no word broken letter by letter, no overflow, axe-clean.
    for (const [width, lang] of [[360, 'de'], [1100, 'de'], [360, 'en']] as const) {
      const page = (await participant(browser, `${relay.url}/#/admin/musterstadt`, { width, lang, bypassCSP: true })).page;
      // Its own context has no key: it says so. The key lives in the administration's browser only.
      await page.getByRole('alert').waitFor();
      await page.close();
      await admin.setViewportSize({ width, height: 900 });
      if (lang === 'en') await admin.getByRole('button', { name: 'English' }).click();
      await admin.locator('[data-testid="persons"] tbody tr').first().waitFor();
      await admin.screenshot({ path: join(SHOTS, `admin-persons-${width}-${lang}.png`), fullPage: true });
      await admin.screenshot({ path: join(SHOTS, `admin-persons-${width}-${lang}-top.png`) });
      expect(await brokenCells(admin), `${width} ${lang}`).toEqual([]);
      expect(await admin.evaluate(() => document.documentElement.scrollWidth <= window.innerWidth), `${width} ${lang} overflow`).toBe(true);
      expect(await axe(admin), `${width} ${lang}`).toEqual([]);
    }
    await admin.getByRole('button', { name: 'Deutsch' }).click();

    // One invitation, one device: the first device binds it, the second is refused in plain German.
    const first = (await participant(browser, sevim[1]!, { width: 360 })).page;
    await first.getByRole('button', { name: 'Gerät einrichten' }).click();
    await first.getByTestId('totp-secret').waitFor();
    const second = (await participant(browser, sevim[1]!, { width: 360 })).page;
    await second.getByRole('button', { name: 'Gerät einrichten' }).click();
    await second.getByRole('alert').getByText(/bereits auf einem anderen Gerät verwendet/).waitFor();

    // The operator swaps the stored tenant key in the database file: the invitation the browser made names the
    // real key, so the enrolment page stops; the admin console says the relay names another key.
    const swapped = await signerFromSeed(generateSeed());
    const db = new Database(join(dataDir, 'relay.sqlite'));
    db.prepare('UPDATE tenants SET key = ? WHERE id = ?').run(toHex(swapped.publicKey), 'musterstadt');
    db.close();
    const third = (await participant(browser, fatma[1]!, { width: 360, bypassCSP: true })).page;
    await third.getByRole('button', { name: 'Gerät einrichten' }).click();
    await third.getByRole('alert').getByText(/stimmt nicht mit der Einladung überein/).waitFor();
    expect(await axe(third)).toEqual([]);
    await admin.reload();
    await admin.getByRole('alert').getByText(new RegExp(`anderen Schlüssel der Kommune \\(${fingerprint(swapped.publicKey)}\\)`)).waitFor();
    expect(await admin.locator('[data-testid="persons"] tbody tr').count()).toBe(0); // nothing shown from a relay that names another key
    await admin.screenshot({ path: join(SHOTS, 'admin-swapped-key.png'), fullPage: true });
  }, 120_000);
});
