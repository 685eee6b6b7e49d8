/**
 * ORG-2 and ORG-3 on the identity pages: the admin console, the enrolment page and the login page are German
 * by default, switch to English, and are free of WCAG 2.1 A/AA violations (axe-core) in both languages.
 */
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { axe, demoSite, launch, participant } from '../helpers/browser.js';
import { cleanup } from '../helpers/relay.js';

let browser: Browser;
let site: Awaited<ReturnType<typeof demoSite>>;
beforeAll(async () => {
  browser = await launch();
  site = await demoSite();
});
afterAll(async () => {
  await site?.relay.close();
  if (site) cleanup(site.dataDir);
  await browser?.close();
});

describe('identity pages', () => {
  it('ORG-3 the admin console is German first and switches to English', async () => {
    const { page } = await participant(browser, site.links.console);
    await page.getByRole('heading', { name: 'Verwaltung: musterstadt' }).waitFor();
    expect(await page.evaluate(() => document.documentElement.lang)).toBe('de');
    await page.getByRole('button', { name: 'Personen und Geräte' }).waitFor();
    await page.getByRole('button', { name: 'English' }).click();
    await page.getByRole('heading', { name: 'Administration: musterstadt' }).waitFor();
    expect(await page.evaluate(() => document.documentElement.lang)).toBe('en');
    await page.getByRole('button', { name: 'Persons and devices' }).waitFor();
    await page.getByRole('row', { name: /Sevim Arslan/ }).getByRole('cell', { name: 'no device' }).waitFor();
  });

  it('ORG-2 admin console, enrolment and login pages are axe-clean in German and English, at 360 px too', async () => {
    for (const lang of ['de', 'en'] as const) {
      const admin = (await participant(browser, site.links.console, { bypassCSP: true, lang })).page;
      await admin.locator('[data-testid="persons"] tbody tr').first().waitFor();
      for (const tab of lang === 'de' ? ['Personen und Geräte', 'Sitzungen', 'OParl-Import', 'Protokoll der Änderungen'] : ['Persons and devices', 'Meetings', 'OParl import', 'Audit log']) {
        await admin.getByRole('button', { name: tab, exact: true }).click();
        expect(await axe(admin), `${lang} ${tab}`).toEqual([]);
      }
      const enrol = (await participant(browser, `${site.relay.url}/#/enrol/musterstadt/${'x'.repeat(43)}?fp=${'0'.repeat(32)}`, { bypassCSP: true, lang, width: 360 })).page;
      await enrol.getByRole('heading', { level: 1 }).waitFor();
      expect(await axe(enrol), `${lang} enrol`).toEqual([]);
      expect(await enrol.evaluate(() => document.documentElement.scrollWidth <= window.innerWidth)).toBe(true);
      const home = (await participant(browser, `${site.relay.url}/#/home/musterstadt`, { bypassCSP: true, lang, width: 360 })).page;
      await home.getByRole('alert').waitFor(); // this browser is not enrolled: it says so
      expect(await axe(home), `${lang} home`).toEqual([]);
    }
  });
});
