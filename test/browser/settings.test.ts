/**
 * DS-1 and SEC-2 for real tenants in Chromium: the administration fills in the municipality's details under
 * "Einstellungen" (the console lists what is missing); the member's privacy information names them at once,
 * shows "(noch nicht festgelegt …)" for the rest and never a {{placeholder}}, and stays readable offline.
 */
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { axe, demoSite, launch, participant, whenStatus } from '../helpers/browser.js';
import { cleanup } from '../helpers/relay.js';

let browser: Browser;
const stops: (() => unknown)[] = [];
beforeAll(async () => {
  browser = await launch();
});
afterAll(async () => {
  for (const s of stops.reverse()) await s();
  await browser?.close();
});

const CONTROLLER = 'Stadt Musterstadt, Der Bürgermeister, Markt 1, 12345 Musterstadt';

describe('per-tenant settings in the browser', () => {
  it('DS-1 SEC-2 (real tenants) the console lists the missing values; saved settings fill the member\'s privacy text, no placeholder, also offline', async () => {
    const site = await demoSite();
    stops.push(() => cleanup(site.dataDir), () => site.relay.close().catch(() => {}));
    const admin = await participant(browser, site.links.console, { width: 360, bypassCSP: true });
    stops.push(() => admin.context.close());
    await admin.page.getByRole('button', { name: 'Einstellungen' }).click();
    const missing = admin.page.getByTestId('settings-missing');
    await expect.poll(() => missing.textContent()).toContain('Verantwortliche Stelle mit Anschrift');
    await admin.page.getByLabel('Verantwortliche Stelle mit Anschrift').fill(CONTROLLER);
    await admin.page.getByLabel('Zweiter Meldeweg: Telefonnummer').fill('0123 456-789');
    await admin.page.getByRole('button', { name: 'Einstellungen speichern' }).click();
    await admin.page.getByText('Einstellungen gespeichert.').waitFor();
    await expect.poll(() => missing.textContent()).not.toContain('Verantwortliche Stelle');
    expect(await missing.textContent()).toContain('Datenschutzbeauftragte/r mit Kontakt');
    expect(await axe(admin.page)).toEqual([]);

    const member = await participant(browser, site.links.members[3]!.url);
    stops.push(() => member.context.close());
    await whenStatus(member.page, 'online');
    const privacy = member.page.locator('[data-handbook="privacy"]');
    await privacy.locator('summary').click();
    const text = () => privacy.locator('.handbook-text').textContent();
    await expect.poll(text).toContain(CONTROLLER);
    expect(await text()).toContain('(noch nicht festgelegt – bitte bei der Verwaltung erfragen)'); // the data protection officer
    expect(await text()).not.toMatch(/\{\{|\}\}/);
    const security = member.page.locator('[data-handbook="security"]');
    await security.locator('summary').click();
    await expect.poll(() => security.locator('.handbook-text').textContent()).toContain('0123 456-789');

    // Offline after the first visit: the texts this device read are still there, to read and acknowledge.
    await member.page.waitForFunction(async () => !!(await navigator.serviceWorker.ready).active, undefined, { timeout: 15_000 });
    await member.context.setOffline(true);
    await member.page.reload();
    await whenStatus(member.page, 'offline');
    await privacy.locator('summary').click();
    await expect.poll(text, { timeout: 15_000 }).toContain(CONTROLLER);
    await privacy.getByRole('button', { name: 'Gelesen und zur Kenntnis genommen' }).click();
    await privacy.getByText(/Zur Kenntnis genommen am/).waitFor();
  }, 120_000);
});
