/**
 * The non-public part and conflicts of interest in Chromium (the relay without Janus): the chair's
 * confidentiality dialog and each remote member's confirmation before a non-public item (PUB-6), the public
 * page's bare "nichtöffentlicher Teil" (PUB-5), the chair's decision on a conflict and the exclusion as the
 * excluded member and everyone else see it (BEF-1, BEF-2), each dialog axe-checked in German and English; on a
 * sealed meeting, so the pages seal and open the members' document themselves (PUB-5).
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Page } from 'playwright-core';
import { describe, expect, it } from 'vitest';
import * as envelope from '../../crypto/envelope.js';
import { axe, type demoSite, whenStatus } from '../helpers/browser.js';
import { perTestSites } from '../helpers/per-test-sites.js';

type Site = Awaited<ReturnType<typeof demoSite>>;
const { open, site } = perTestSites();
const T = { timeout: 20_000 };
const SHOTS = process.env.NP_SHOTS; // a folder: screenshots of the new views at 360 px and on a desktop

async function session(s: Site) {
  const chair = (await open(s.links.chair.url, { width: 1280 })).page;
  const phone = (await open(s.links.members[0]!.url, { width: 360 })).page;
  const desk = (await open(s.links.members[1]!.url, { width: 1280 })).page;
  const pub = (await open(s.links.public)).page;
  await pub.getByTestId('recording-notice').getByRole('button').click(); // PUB-2: the notice before anything of the meeting
  await Promise.all([chair, phone, desk, pub].map((p) => whenStatus(p, 'online', 20_000)));
  for (const p of [chair, phone, desk]) await p.getByRole('button', { name: 'Anwesend melden (digital)' }).click();
  await chair.getByRole('button', { name: 'Sitzung eröffnen' }).click();
  await chair.locator('#item-select').selectOption('top3');
  await chair.getByRole('button', { name: 'Tagesordnungspunkt aufrufen' }).click();
  return { chair, phone, desk, pub };
}

const shot = async (p: Page, name: string) => SHOTS && (await p.screenshot({ path: `${SHOTS}/${name}.png`, fullPage: true }));
const currentItem = (p: Page) => p.locator('.overview p:has(strong)').first().textContent();
const toggleLang = (p: Page, to: 'English' | 'Deutsch') => p.getByRole('button', { name: to }).click();

describe('non-public part and conflicts of interest', () => {
  // One site and one set of pages for both paths (the pages are what costs time on a shared machine).
  it('BEF-1 BEF-2 PUB-6 PUB-5 ORG-2 a confirmed conflict excludes the member for the item (own page and every other device say so) until the next item; then the confidentiality confirmation blocks the non-public item until every remote member has confirmed, and the public sees only the bare number', async () => {
    const s = await site({ sealed: true }); // the members' document end-to-end encrypted, as `npm start` runs it
    const pages = await session(s);
    await conflictPath(pages);
    await confidentialityPath(s, pages);
  }, 420_000);
});

type Pages = Awaited<ReturnType<typeof session>>;

async function conflictPath({ chair, phone, desk, pub }: Pages) {
  await phone.getByTestId('declare-conflict').click();
  await phone.locator('dialog[open] [data-testid=confirm]').click();
  const row = chair.locator('[data-testid=conflict-decisions] li[data-conflict="m02 top3"]');
  await row.waitFor(T);
  // Calling the item again while the decision is open is refused, with the reason beside the button.
  await chair.locator('#item-select').selectOption('top3');
  await expect.poll(() => chair.getByTestId('item-undecided').textContent(), T).toBe('TOP 3 kann erst aufgerufen werden, wenn Sie über die Befangenheit von Peter Hoffmann entschieden haben.');
  await row.getByTestId('conflict-confirm').click();
  // A new entry from another device refolds the chair's page; the open question must stay open (rows keyed by conflict).
  await desk.getByTestId('ask').click();
  await expect.poll(() => chair.locator('[data-testid=queue] li[data-person]').count(), T).toBe(1);
  expect(await chair.locator('dialog[open] [data-testid=confirm]').count(), 'the decision dialog survives a refold').toBe(1);
  expect(await axe(chair), 'decision dialog (de)').toEqual([]);
  await chair.locator('dialog[open] button[autofocus]').click(); // cancel first: nothing is decided
  await toggleLang(chair, 'English');
  await row.getByTestId('conflict-confirm').click();
  expect(await axe(chair), 'decision dialog (en)').toEqual([]);
  await chair.locator('dialog[open] [data-testid=confirm]').click();
  await expect.poll(() => phone.getByTestId('excluded-self').textContent(), T).toBe('Sie sind wegen Befangenheit von TOP 3 ausgeschlossen: Bild, Ton und Inhalt dieses Punkts erhalten Sie nicht. Mit dem nächsten Tagesordnungspunkt sind Sie von selbst wieder dabei.');
  for (const p of [desk, pub]) await expect.poll(() => p.locator('li[data-person=m02] [data-testid=excluded-mark]').textContent(), T).toMatch(/^ausgeschlossen \(Befangenheit\) seit \d\d:\d\d$/);
  await expect.poll(() => chair.locator('li[data-person=m02] [data-testid=excluded-mark]').textContent(), T).toMatch(/^excluded \(conflict of interest\) since \d\d:\d\d$/);
  for (const [name, p] of Object.entries({ phone, desk })) expect(await axe(p), `${name} during the exclusion`).toEqual([]);
  await shot(phone, 'excluded-member-phone');
  await shot(desk, 'excluded-others-desktop');
  await chair.locator('#item-select').selectOption('top4');
  await chair.getByRole('button', { name: 'Call agenda item' }).click();
  await expect.poll(() => phone.getByTestId('excluded-self').count(), T).toBe(0);
  for (const p of [desk, pub]) await expect.poll(() => p.locator('[data-testid=excluded-mark]').count(), T).toBe(0);
  await toggleLang(chair, 'Deutsch');
}

async function confidentialityPath(s: Site, { chair, phone, desk, pub }: Pages) {
  await chair.locator('#item-select').selectOption('n1');
  await chair.getByRole('button', { name: 'Tagesordnungspunkt aufrufen' }).click();
  const dialog = chair.locator('dialog[open][data-testid=confidentiality-dialog]');
  await dialog.waitFor(T);
  expect(await dialog.getByTestId('begin').isDisabled()).toBe(true);
  expect(await axe(chair), 'chair dialog (de)').toEqual([]);
  await shot(chair, 'confidentiality-chair-desktop');
  // The same dialog in English; the reminder goes out from there.
  await dialog.getByRole('button', { name: 'Schließen' }).click();
  await toggleLang(chair, 'English');
  await toggleLang(desk, 'English');
  await chair.getByRole('button', { name: 'Call agenda item' }).click();
  await dialog.waitFor(T);
  expect(await axe(chair), 'chair dialog (en)').toEqual([]);
  await dialog.getByTestId('remind').click();
  // Each remote member's device asks; the chair, remote too, confirms in the dialog.
  const prompt = (p: Page) => p.locator('dialog[open][data-testid=confidentiality-prompt]');
  for (const p of [phone, desk]) await prompt(p).waitFor(T);
  expect(await axe(phone), 'member prompt (de, 360 px)').toEqual([]);
  expect(await axe(desk), 'member prompt (en)').toEqual([]);
  await shot(phone, 'confidentiality-member-phone');
  await shot(desk, 'confidentiality-member-desktop');
  const pending = () => dialog.locator('[data-testid=confidentiality-pending] li').evaluateAll((l) => l.map((x) => x.getAttribute('data-person')));
  await expect.poll(pending, T).toEqual(['m01', 'm02', 'm03']);
  await dialog.getByTestId('confirm-confidentiality').click();
  await phone.getByTestId('confirm-confidentiality').click();
  await expect.poll(pending, T).toEqual(['m03']);
  await expect.poll(() => prompt(phone).count(), T).toBe(0);
  // One remote member has not confirmed: the item does not begin.
  expect(await dialog.getByTestId('begin').isDisabled()).toBe(true);
  expect(await currentItem(phone)).toContain('TOP 4');
  await desk.getByTestId('confirm-confidentiality').click();
  await expect.poll(() => dialog.getByTestId('begin').isDisabled(), T).toBe(false);
  await dialog.getByTestId('begin').click();
  await expect.poll(() => currentItem(phone), T).toContain('TOP 6 – Grundstücksangelegenheit');
  await expect.poll(() => currentItem(pub), T).toContain('Nichtöffentlicher Teil – TOP 6');
  expect(await pub.locator('body').textContent()).not.toContain('Grundstücksangelegenheit');
  expect(await axe(pub), 'public page in the non-public part').toEqual([]);
  await shot(pub, 'nonpublic-public-desktop');
  const kinds = (await s.relay.store.all(s.demo.tenant, s.demo.meeting, ['public'])).map((r) => envelope.decode(r.wire).kind);
  expect(kinds.filter((k) => k.startsWith('confidentiality.'))).toEqual(['confidentiality.remind', 'confidentiality.confirm', 'confidentiality.confirm', 'confidentiality.confirm']);
  // PUB-5 end to end in the browser: the chair's page sealed the call, the members' pages opened it, and the
  // relay's files (WAL included) hold the title nowhere in clear; the public item's title is there, as a control.
  const bytes = readdirSync(s.dataDir).filter((f) => f.startsWith('relay.sqlite')).map((f) => readFileSync(join(s.dataDir, f)).toString('latin1')).join('');
  expect(bytes).toContain('Radverkehrskonzept');
  expect(bytes).not.toContain('Parzelle 12/7');
  expect(bytes).not.toContain(Buffer.from('Grundstücksangelegenheit').toString('latin1')); // its UTF-8 bytes
}
