/**
 * The whole path onto a member's own device, in Chromium (issue 5): the admin imports OParl files and
 * sets a meeting up from them, invites a member, the mail arrives at the local SMTP server, the member
 * enrols with TOTP, confirms the device fingerprint with the admin, logs in, acknowledges the handbook,
 * and the chair sees her enrolled and informed. Then the admin revokes the device.
 */
import { join } from 'node:path';
import * as OTPAuth from 'otpauth';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { axe, demoSite, launch, participant } from '../helpers/browser.js';
import { OPARL_FIXTURES, serveOparl } from '../helpers/oparl-server.js';
import { cleanup } from '../helpers/relay.js';
import { localSmtp } from '../helpers/smtp.js';

let browser: Browser;
const stops: (() => unknown)[] = [];
beforeAll(async () => {
  browser = await launch();
});
afterAll(async () => {
  for (const s of stops.reverse()) await s();
  await browser?.close();
});

const listed = (page: Page, testid: string, name: string) => page.locator(`[data-testid="${testid}"] li`, { hasText: name }).count();

describe('enrolment in the browser', () => {
  it('VID-5 SEC-3 [chromium] SEC-4 ORG-1 admin imports OParl, invites; the member enrols with TOTP, logs in, acknowledges the handbook and shows as enrolled to the chair', async () => {
    const smtp = await localSmtp();
    const ris = await serveOparl(join(OPARL_FIXTURES, 'clean'));
    const site = await demoSite({ relay: { smtp: { host: '127.0.0.1', port: smtp.port, from: 'ratsraum@musterstadt.example' } } });
    stops.push(() => cleanup(site.dataDir), () => site.relay.close(), () => smtp.close(), ris.close);

    // The chair sees, before opening, that Sevim Arslan has no device yet.
    const chair = (await participant(browser, site.links.chair.url)).page;
    await chair.waitForSelector('[data-testid="not-enrolled"]');
    expect(await listed(chair, 'not-enrolled', 'Sevim Arslan')).toBe(1);

    // The administration: OParl preview, then import; a meeting set up from the imported data.
    const admin = (await participant(browser, site.links.console, { bypassCSP: true })).page;
    await admin.getByRole('heading', { name: 'Verwaltung: musterstadt' }).waitFor();
    expect(await admin.evaluate(() => location.hash)).toBe('#/admin/musterstadt'); // the key left the address bar
    await admin.getByRole('button', { name: 'OParl-Import' }).click();
    await admin.getByLabel('OParl-Quelle').fill(ris.system);
    await admin.getByRole('button', { name: 'Vorschau' }).click();
    await admin.getByText('Vorschau: so würde der Import den Bestand ändern.').waitFor();
    const newPersons = Number(await admin.locator('[data-kind="persons"] td').first().textContent());
    expect(newPersons).toBeGreaterThan(0);
    expect(await axe(admin)).toEqual([]);
    await admin.getByRole('button', { name: 'Jetzt importieren' }).click();
    await admin.getByText('Importiert.').waitFor();
    await admin.getByRole('button', { name: 'Sitzungen' }).click();
    const firstImported = admin.locator('details.meeting[data-oparl^="http"]').first();
    await firstImported.locator('summary').click();
    await firstImported.getByRole('button', { name: 'In Ratsraum anlegen' }).click();
    await admin.getByText(/Sitzung „.*“ angelegt\./).waitFor({ timeout: 30_000 });
    await admin.locator('[data-testid="held-meetings"] li').nth(1).waitFor();

    // Invite Sevim Arslan (advisory member of the demo body).
    await admin.getByRole('button', { name: 'Personen und Geräte' }).click();
    await admin.getByRole('button', { name: 'Sevim Arslan verwalten' }).click();
    await admin.getByLabel('E-Mail-Adresse').fill('sevim.arslan@example.org');
    await admin.getByRole('button', { name: 'Einladung senden' }).click();
    await admin.getByText('Einladung an sevim.arslan@example.org gesendet.').waitFor();
    expect(await axe(admin)).toEqual([]);
    await expect.poll(() => smtp.mails.length).toBe(1);
    const link = /(http:\/\/\S+#\/enrol\/musterstadt\/\S+\?fp=[0-9a-f]{32})/.exec(smtp.mails[0]!.text)![1]!;
    expect(smtp.mails[0]!.to).toEqual(['sevim.arslan@example.org']);

    // The member on her own device: key, authenticator by QR code, first code.
    const member = (await participant(browser, link, { width: 360, bypassCSP: true })).page;
    await member.getByRole('button', { name: 'Gerät einrichten' }).click();
    const secret = (await member.getByTestId('totp-secret').textContent())!;
    expect(await member.getByRole('img', { name: /QR-Code/ }).getAttribute('src')).toMatch(/^data:image\/png;base64,/);
    expect(await axe(member)).toEqual([]);
    const app = new OTPAuth.TOTP({ secret: OTPAuth.Secret.fromBase32(secret) });
    await member.getByLabel('Code aus der Anmelde-App').fill(app.generate());
    await member.getByRole('button', { name: 'Code bestätigen' }).click();
    await member.getByTestId('enrol-awaiting').waitFor();
    const deviceFp = (await member.getByTestId('enrol-awaiting').locator('strong').textContent())!;

    // The admin compares the fingerprint and confirms the device.
    await admin.getByTestId('pending').getByText(deviceFp).waitFor({ timeout: 15_000 });
    await admin.getByRole('button', { name: 'Gerät von Sevim Arslan bestätigen' }).click();
    await admin.getByText('Gerät von Sevim Arslan bestätigt.').waitFor();

    // Her page notices, she logs in with a fresh code and opens the meeting.
    await member.getByTestId('enrol-done').waitFor({ timeout: 15_000 });
    expect(await member.evaluate(() => location.hash)).toBe('#/enrol/musterstadt/done'); // the token left the address bar
    await member.getByRole('link', { name: 'Weiter zur Anmeldung' }).click();
    await member.getByLabel('Code aus der Anmelde-App').fill('000000');
    await member.getByRole('button', { name: 'Anmelden' }).click();
    await member.getByText('Der Code ist falsch oder abgelaufen.').waitFor();
    await member.getByLabel('Code aus der Anmelde-App').fill(app.generate({ timestamp: Date.now() + 30_000 }));
    await member.getByRole('button', { name: 'Anmelden' }).click();
    await member.getByText(/Angemeldet bis/).waitFor();
    expect(await axe(member)).toEqual([]);
    await member.getByRole('link', { name: '12. Sitzung der Bezirksvertretung Mitte' }).click();
    await member.waitForFunction(() => document.documentElement.dataset.status === 'online', null, { timeout: 15_000 });
    await member.getByText(/Sevim Arslan/).first().waitFor();
    for (const kind of ['security', 'privacy']) await member.locator(`[data-handbook="${kind}"] button`, { hasText: 'Gelesen und zur Kenntnis genommen' }).click();
    await member.locator('[data-handbook="privacy"]').getByText(/Zur Kenntnis genommen am/).waitFor();

    // The chair's readiness: enrolled, informed.
    await expect.poll(() => listed(chair, 'not-enrolled', 'Sevim Arslan'), { timeout: 15_000 }).toBe(0);
    await expect.poll(() => listed(chair, 'not-acknowledged', 'Sevim Arslan'), { timeout: 15_000 }).toBe(0);

    // The audit log lists the admin's signed changes; filtered to her, it shows her path.
    await admin.getByRole('button', { name: 'Protokoll der Änderungen' }).click();
    await admin.getByLabel('Person', { exact: true }).selectOption('b3');
    await admin.locator('[data-testid="audit"] tr[data-action="login"]').waitFor();
    for (const action of ['invite', 'enrol.start', 'enrol.confirmed', 'certify', 'login.failed', 'login']) expect(await admin.locator(`[data-testid="audit"] tr[data-action="${action}"]`).count(), action).toBeGreaterThan(0);
    const download = admin.waitForEvent('download');
    await admin.getByRole('button', { name: 'Als CSV exportieren' }).click();
    const csv = await (await download).createReadStream().then(async (s) => {
      const chunks: Buffer[] = [];
      for await (const c of s) chunks.push(c as Buffer);
      return Buffer.concat(chunks).toString('utf8');
    });
    expect(csv.split('\n')[0]).toBe('n;at;actor;action;person;summary;signature');
    expect(csv).toContain(';certify;b3;');
    // The admin device's meeting setup, signed into the meeting's log, is listed too.
    await admin.getByLabel('Person', { exact: true }).selectOption('');
    await admin.getByLabel('Aktion').selectOption('meeting.setup');
    await admin.locator('[data-testid="audit"] tr[data-action="meeting.setup"]').first().waitFor();
    expect(await axe(admin)).toEqual([]);

    // Lost phone: the admin revokes the device; her page says so and syncs no more.
    await admin.getByRole('button', { name: 'Personen und Geräte' }).click();
    await admin.getByRole('button', { name: 'Sevim Arslan verwalten' }).click();
    await admin.getByRole('button', { name: 'Gerät sperren' }).click();
    await admin.getByRole('button', { name: /Wirklich sperren/ }).click();
    await admin.getByText('Gerät von Sevim Arslan gesperrt.').waitFor();
    await member.getByText('Dieses Gerät wurde von der Verwaltung gesperrt.', { exact: false }).waitFor({ timeout: 15_000 });
  }, 180_000);
});
