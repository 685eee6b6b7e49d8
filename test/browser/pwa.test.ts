/** The PWA in Chromium: readiness before opening, installability and offline start, accessibility, phones. */
import { appendFileSync, cpSync } from 'node:fs';
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { cleanup, tempDir } from '../helpers/relay.js';
import { axe, DIST, demoSite, launch, participant, passNotice, persistentParticipant, whenStatus } from '../helpers/browser.js';

let browser: Browser;
let site: Awaited<ReturnType<typeof demoSite>>;

beforeAll(async () => {
  browser = await launch();
  site = await demoSite();
});
afterAll(async () => {
  await browser?.close();
  await site?.relay.close();
  if (site) cleanup(site.dataDir);
});

describe('PWA in Chromium', { timeout: 60_000 }, () => {
  it('LEG-2 chair sees who is not enrolled or not connected before opening', async () => {
    // One member has no device at all: revoke by deleting the certificate from this relay's directory.
    const { store } = site.relay;
    const certs = await store.certs(site.demo.tenant);
    const chair = await participant(browser, site.links.chair.url);
    await whenStatus(chair.page, 'online');
    const member = await participant(browser, site.links.members[0]!.url);
    await whenStatus(member.page, 'online');
    const notConnected = chair.page.getByTestId('not-connected');
    await expect.poll(async () => (await notConnected.locator('li').allTextContents()).length).toBe(15);
    const names = await notConnected.locator('li').allTextContents();
    expect(names).not.toContain(site.links.chair.name);
    expect(names).not.toContain(site.links.members[0]!.name);
    expect(names).toContain(site.links.members[1]!.name);
    expect(names).toContain(site.links.advisory[0]!.name);
    expect(certs.length).toBe(20); // 17 persons' devices, the admin's, the room's (HYB-1) and the minute-taker's (MIN-2)
    // When the member leaves, the chair sees it at once.
    await member.context.close();
    await expect.poll(async () => (await notConnected.locator('li').allTextContents()).includes(site.links.members[0]!.name)).toBe(true);
    // The page never shows the device secret once the join link was used.
    expect(chair.page.url()).not.toContain('device=');
    await chair.context.close();
  });

  it('LEG-2 a member without a device is listed as not enrolled', async () => {
    // A fresh relay whose directory lacks one member's certificate: that person has not enrolled.
    const other = await demoSite();
    try {
      const missing = other.demo.devices.find((d) => d.person === 'm09')!;
      const db = await other.relay.store.certs(other.demo.tenant);
      expect(db.length).toBe(20);
      // Remove the certificate directly in SQLite, as an admin who never enrolled that member would have.
      const sqlite = await import('better-sqlite3');
      const conn = new sqlite.default(`${other.dataDir}/relay.sqlite`);
      conn.prepare('DELETE FROM cert_versions WHERE cert LIKE ?').run(`%"person":"${missing.person}"%`);
      conn.close();
      const chair = await participant(browser, other.links.chair.url);
      await whenStatus(chair.page, 'online');
      const list = chair.page.getByTestId('not-enrolled');
      await expect.poll(() => list.locator('li').allTextContents()).toEqual([missing.name, 'Sevim Arslan']); // she is still to be invited
      await chair.context.close();
    } finally {
      await other.relay.close();
      cleanup(other.dataDir);
    }
  });

  it('AV-3 [chromium] installable PWA: manifest and service worker, starts offline after first visit', async () => {
    const { context, page } = await participant(browser, site.links.members[2]!.url);
    await whenStatus(page, 'online');
    const manifest = await (await page.request.get(`${site.relay.url}/manifest.webmanifest`)).json();
    expect(manifest).toMatchObject({ display: 'standalone', lang: 'de', start_url: '/' });
    expect(manifest.icons.map((i: { sizes: string }) => i.sizes)).toEqual(expect.arrayContaining(['192x192', '512x512']));
    for (const i of manifest.icons) expect((await page.request.get(`${site.relay.url}${i.src}`)).ok()).toBe(true);
    await page.waitForFunction(async () => !!(await navigator.serviceWorker.ready).active, undefined, { timeout: 15_000 });
    await page.getByRole('button', { name: 'Anwesend melden (digital)' }).click();
    await page.getByRole('button', { name: 'Abmelden' }).waitFor();

    await context.setOffline(true);
    await page.reload();
    await page.getByRole('heading', { name: '12. Sitzung der Bezirksvertretung Mitte' }).waitFor({ timeout: 15_000 });
    await whenStatus(page, 'offline');
    await expect.poll(() => page.getByRole('status').first().textContent()).toContain('Offline');
    // The state held locally is there: own check-in, agenda, members.
    await page.getByRole('button', { name: 'Abmelden' }).waitFor();
    expect(await page.locator('.agenda li').count()).toBe(7);
    await context.setOffline(false);
    await whenStatus(page, 'online');
    await context.close();
  });

  it('AV-3 Chromium finds no installability errors and the app offers its own install button', async () => {
    const { page, close } = await persistentParticipant(site.links.members[6]!.url, { bypassCSP: true });
    try {
      await whenStatus(page, 'online');
      await page.waitForFunction(async () => !!(await navigator.serviceWorker.ready).active, undefined, { timeout: 15_000 });
      const cdp = await page.context().newCDPSession(page);
      const { installabilityErrors } = await cdp.send('Page.getInstallabilityErrors');
      expect(installabilityErrors).toEqual([]);
      const { errors } = await cdp.send('Page.getAppManifest');
      expect(errors).toEqual([]);
      await page.getByRole('button', { name: 'Als App installieren' }).waitFor({ timeout: 15_000 });
      expect(await axe(page)).toEqual([]);
    } finally {
      await close();
    }
  });

  it('AV-3 a new version waits for the user: update prompt, activated by SKIP_WAITING, reload keeps the device', async () => {
    // A copy of the build, so this test can publish a "new version" without touching dist/.
    const www = tempDir();
    cpSync(DIST, www, { recursive: true });
    const other = await demoSite({ staticDir: www });
    try {
      const { context, page } = await participant(browser, other.links.members[5]!.url, { bypassCSP: true });
      await whenStatus(page, 'online');
      await page.waitForFunction(() => !!navigator.serviceWorker.controller, undefined, { timeout: 15_000 });
      const before = await page.evaluate(async () => (await navigator.serviceWorker.getRegistration())!.active!.scriptURL);
      expect(await page.getByTestId('update').count()).toBe(0);

      appendFileSync(`${www}/sw.js`, `\n// next version ${Date.now()}\n`);
      await page.evaluate(async () => {
        (window as unknown as { oldPage: boolean }).oldPage = true;
        await (await navigator.serviceWorker.getRegistration())!.update();
      });
      // Installed but waiting: the running page is not swapped under the user's hands.
      await page.getByTestId('update').getByText('Neue Version verfügbar').waitFor({ timeout: 15_000 });
      expect(await page.evaluate(async () => !!(await navigator.serviceWorker.getRegistration())!.waiting)).toBe(true);
      expect(await axe(page)).toEqual([]);
      await page.waitForTimeout(500);
      expect(await page.evaluate(() => (window as unknown as { oldPage?: boolean }).oldPage)).toBe(true);

      await page.getByRole('button', { name: 'Neu laden' }).click();
      await page.waitForFunction(() => !(window as unknown as { oldPage?: boolean }).oldPage, undefined, { timeout: 15_000 });
      await whenStatus(page, 'online');
      const after = await page.evaluate(async () => {
        const reg = (await navigator.serviceWorker.getRegistration())!;
        return { waiting: !!reg.waiting, controlled: !!navigator.serviceWorker.controller, url: reg.active!.scriptURL };
      });
      expect(after).toEqual({ waiting: false, controlled: true, url: before });
      expect(await page.getByTestId('update').count()).toBe(0);
      // The device key came from IndexedDB: still this member, not a read-only visitor.
      await page.getByRole('button', { name: 'Anwesend melden (digital)' }).waitFor();
      expect(page.url()).not.toContain('device=');
      await context.close();
    } finally {
      await other.relay.close();
      cleanup(other.dataDir, www);
    }
  });

  for (const lang of ['de', 'en'] as const)
    it(lang === 'de' ? 'ORG-2 ORG-3 chair, member and public views in German have no WCAG 2.1 AA violations' : 'ORG-3 ORG-2 chair, member and public views switched to English have no WCAG 2.1 AA violations', async () => {
      for (const url of [site.links.chair.url, site.links.members[3]!.url, site.links.public]) {
        const { context, page } = await participant(browser, url, { lang, bypassCSP: true });
        if (url === site.links.public) await passNotice(page);
        await whenStatus(page, 'online');
        await page.locator('#meeting-title').waitFor();
        expect(await page.evaluate(() => document.documentElement.lang)).toBe(lang);
        await page.getByRole('heading', { name: lang === 'de' ? 'Tagesordnung' : 'Agenda', exact: true }).waitFor();
        expect(await axe(page)).toEqual([]);
        await context.close();
      }
    });

  it('VOTE-11 VOTE-8 ORG-2 a running and a closed vote are marked, results grouped by faction, axe-clean on chair and member views', async () => {
    const other = await demoSite();
    try {
      const chair = await participant(browser, other.links.chair.url, { bypassCSP: true });
      const member = await participant(browser, other.links.members[4]!.url, { width: 360, bypassCSP: true });
      await Promise.all([whenStatus(chair.page, 'online'), whenStatus(member.page, 'online')]);
      await member.page.getByRole('button', { name: 'Anwesend melden (digital)' }).click();
      await chair.page.getByRole('button', { name: 'Anwesend melden (digital)' }).click();
      await chair.page.getByRole('button', { name: 'Sitzung eröffnen' }).click();
      await chair.page.getByRole('radio', { name: 'Namentliche Abstimmung' }).check();
      await chair.page.getByRole('button', { name: 'Abstimmung eröffnen' }).click();
      await member.page.getByText('Namentliche Abstimmung').first().waitFor();
      await member.page.getByText('Abstimmung läuft').waitFor();
      expect(await axe(member.page)).toEqual([]);
      await member.page.getByRole('button', { name: 'Nein' }).click();
      await chair.page.locator('tr[data-person="m06"]').waitFor();
      // The chair (CDU) votes after the SPD member: the list by name still goes faction by faction.
      await chair.page.getByRole('button', { name: 'Ja' }).click();
      await member.page.locator('tr[data-person="m01"]').waitFor();
      await chair.page.getByRole('button', { name: 'Abstimmung schließen' }).click();
      await chair.page.locator('dialog[open] [data-testid=confirm]').click(); // not quorate: the chair confirms (cockpit)
      await member.page.getByText('Abstimmung geschlossen').waitFor();
      await member.page.locator('.result').getByText('Abgelehnt').waitFor();
      expect(await member.page.locator('.mine').getAttribute('data-ballot-status')).toBe('counted');
      const byFaction = chair.page.locator('[data-testid=by-faction]');
      expect(await byFaction.locator('caption').textContent()).toBe('Ergebnis nach Fraktionen');
      // 1 : 1 is a tie, and a tie is a rejection (VOTE-12), shown the same on both devices.
      expect(await byFaction.locator('tbody tr').allInnerTexts()).toEqual([expect.stringMatching(/^CDU\s+1\s+0\s+0$/), expect.stringMatching(/^SPD\s+0\s+1\s+0$/)]);
      for (const p of [chair.page, member.page]) {
        expect(await p.locator('table.ballots tbody tr').evaluateAll((rows) => rows.map((r) => r.getAttribute('data-person')))).toEqual(['m01', 'm06']);
        expect(await p.locator('table.ballots tbody tr').allInnerTexts()).toEqual([expect.stringMatching(/CDU\s+Ja\s+gezählt/), expect.stringMatching(/SPD\s+Nein\s+gezählt/)]);
      }
      expect(await axe(chair.page)).toEqual([]);
      expect(await axe(member.page)).toEqual([]);
      await chair.context.close();
      await member.context.close();
    } finally {
      await other.relay.close();
      cleanup(other.dataDir);
    }
  });

  it('AV-3 works on a 360 px phone without horizontal scrolling', async () => {
    const { context, page } = await participant(browser, site.links.chair.url, { width: 360 });
    await whenStatus(page, 'online');
    await page.locator('#meeting-title').waitFor();
    const overflow = await page.evaluate(() => document.documentElement.scrollWidth - document.documentElement.clientWidth);
    expect(overflow).toBeLessThanOrEqual(0);
    await context.close();
  });
});
