/**
 * MIN-2 in Chromium: the minute-taker (a phone, 360 px) and the chair (desktop) write the minutes draft and
 * sign the minutes. What they signed is checked where an independent reader finds it: the envelopes in the
 * relay's SQLite store, folded here by a fresh replica, whose minutes data must hash to the signed hash.
 */
import type { Page } from 'playwright-core';
import { describe, expect, it } from 'vitest';
import { fromHex, toHex } from '../../crypto/bytes.js';
import { signerFromSeed } from '../../crypto/ed25519.js';
import * as envelope from '../../crypto/envelope.js';
import { draftTexts, minutesHash, minutesOf } from '../../core/minutes.js';
import { Replica } from '../../core/replica.js';
import { axe, type demoSite, whenStatus } from '../helpers/browser.js';
import { perTestSites } from '../helpers/per-test-sites.js';

type Site = Awaited<ReturnType<typeof demoSite>>;

const h = perTestSites();
const open = (url: string, width: number) => h.open(url, { width });

const T = { timeout: 60_000 };

/** What the relay stored for the meeting, both documents, decoded, with the demo person of each author. */
async function stored(s: Site) {
  const byKey = new Map<string, string>();
  for (const d of s.demo.devices) byKey.set(toHex((await signerFromSeed(fromHex(d.seed, 32))).publicKey), d.person);
  return (await s.relay.store.all(s.demo.tenant, s.demo.meeting, ['public', 'members'])).map((row) => {
    const e = envelope.decode(row.wire);
    return { e, by: byKey.get(toHex(e.author)) ?? '?' };
  });
}

const SUMMARY = 'Die Verwaltung stellt das Radverkehrskonzept vor; Frau Çelik fragt nach der Łódźer Straße.';

describe('the minutes page', () => {
  it('MIN-2 ORG-2 the minute-taker writes a summary offline, reconnects, the chair sees it, both sign; axe-clean in German and English at 360 px and desktop', async () => {
    const s = await h.site();
    expect(s.links.minutes, 'the demo prints a link for the minute-taker').toBeDefined();
    const chair = (await open(s.links.chair.url, 1280)).page;
    const takerP = await open(s.links.minutes!.url, 360);
    const taker = takerP.page;
    await Promise.all([chair, taker].map((p) => whenStatus(p, 'online', 60_000)));
    // The session: opened, TOP 3 called, closed (the minutes are signed after the close).
    await chair.getByRole('button', { name: 'Sitzung eröffnen' }).click();
    await chair.locator('#item-select').selectOption('top3');
    await chair.getByRole('button', { name: 'Tagesordnungspunkt aufrufen' }).click();
    await chair.getByTestId('close-session').click();
    await chair.locator('dialog[open] [data-testid=confirm]').click();

    // The minute-taker opens the minutes from the meeting page, then loses the line and writes.
    await taker.getByTestId('minutes-link').click();
    const field = (p: Page) => p.getByLabel('TOP 3', { exact: false }).and(p.locator('textarea'));
    await field(taker).waitFor(T);
    await expect.poll(() => taker.getByText('Sitzung geschlossen').count(), T).toBe(0); // the minutes page, not the cockpit
    await takerP.context.setOffline(true);
    await whenStatus(taker, 'offline', 60_000);
    const logSize = () => taker.evaluate(() => Number(document.documentElement.dataset.logSize));
    const before = await logSize();
    await field(taker).click();
    // A pause in the typing signs what is there (one entry; the fold must not take the field away from under the
    // writer), leaving the field signs the rest (a second one).
    const pause = SUMMARY.indexOf('vor;') + 2;
    await taker.keyboard.type(SUMMARY.slice(0, pause));
    await expect.poll(logSize, T).toBeGreaterThan(before);
    await taker.keyboard.type(SUMMARY.slice(pause));
    await taker.keyboard.press('Tab');
    await expect.poll(logSize, T).toBeGreaterThan(before); // signed and kept on the device while offline ...
    expect((await stored(s)).filter((x) => x.by === 'protokoll')).toEqual([]); // ... and nothing reached the relay
    await takerP.context.setOffline(false);
    await whenStatus(taker, 'online', 60_000);
    await expect.poll(async () => (await stored(s)).filter((x) => x.by === 'protokoll' && x.e.kind === 'y' && x.e.doc === 'members').length, T).toBeGreaterThan(0);

    // The chair sees it, on its own minutes page.
    await chair.getByTestId('minutes-link').click();
    await expect.poll(() => field(chair).inputValue(), T).toBe(SUMMARY);
    // Both devices compute the same minutes data before either signs.
    const hashOf = (p: Page) => p.getByTestId('minutes-hash').textContent();
    await expect.poll(async () => (await hashOf(chair)) === (await hashOf(taker)), T).toBe(true);

    // Axe over both pages, German and English, before signing (fields editable) ...
    for (const lang of ['de', 'en'] as const) {
      if (lang === 'en') for (const p of [chair, taker]) await p.getByRole('button', { name: 'English' }).click();
      for (const [name, p] of Object.entries({ chair, taker })) {
        await expect.poll(() => p.evaluate(() => document.documentElement.lang)).toBe(lang);
        expect(await axe(p), `${name} (${lang})`).toEqual([]);
      }
    }
    for (const p of [chair, taker]) await p.getByRole('button', { name: 'Deutsch' }).click();

    // ... and with the confirmation dialog open. The minute-taker signs, then the chair.
    const hash = (await hashOf(taker))!;
    await taker.getByTestId('minutes-sign').click();
    expect(await axe(taker), 'minute-taker with the dialog open').toEqual([]);
    await taker.locator('dialog[open] [data-testid=confirm]').click();
    await expect.poll(() => chair.locator('[data-testid=minutes-signatures] li[data-person=protokoll]').getAttribute('data-current'), T).toBe('true');
    await chair.getByTestId('minutes-sign').click();
    await chair.locator('dialog[open] [data-testid=confirm]').click();
    for (const p of [chair, taker]) {
      await expect.poll(() => p.getByTestId('minutes-final').textContent(), T).toContain('Endgültig');
      await expect.poll(() => field(p).isDisabled(), T).toBe(true);
    }
    expect(await axe(taker), 'minute-taker, final').toEqual([]);
    // A member reads the minutes: the text, no field, no signing.
    const member = (await open(s.links.members[0]!.url, 360)).page;
    await whenStatus(member, 'online', 60_000);
    expect(await member.getByTestId('minutes-link').count()).toBe(0); // the meeting page links the minutes for chair and minute-taker only
    await member.evaluate((h) => (location.hash = h), `#/minutes/${s.demo.tenant}/${s.demo.meeting}`);
    await expect.poll(() => member.locator('[data-draft="item:top3"] .draft-text').textContent(), T).toBe(SUMMARY);
    expect(await member.locator('textarea').count()).toBe(0);
    expect(await member.getByTestId('minutes-sign').count()).toBe(0);
    expect(await axe(member), 'member reading').toEqual([]);

    // The relay's store: two signatures of that hash, by the minute-taker's and the chair's devices.
    await expect.poll(async () => (await stored(s)).filter((x) => x.e.kind === 'minutes.sign').length, T).toBe(2);
    const rows = await stored(s);
    const signs = rows.filter((x) => x.e.kind === 'minutes.sign').map((x) => [x.by, JSON.parse(new TextDecoder().decode(x.e.payload)).hash]);
    expect(signs.sort()).toEqual([
      ['m01', hash],
      ['protokoll', hash],
    ]);
    // An independent replica folds the stored bytes: the minutes data it derives hashes to what both signed.
    const tenantKey = fromHex((await s.relay.store.tenantKey(s.demo.tenant))!, 32);
    const r = new Replica({ tenant: s.demo.tenant, meeting: s.demo.meeting, tenantKey, docs: ['public', 'members'] });
    await r.addCerts(await s.relay.store.certs(s.demo.tenant));
    await r.receive(rows.map((x) => x.e.wire));
    const log = r.log.ordered();
    const texts = draftTexts(log, r.state);
    expect(texts['item:top3']).toBe(SUMMARY);
    expect(r.state.minutes.final?.hash).toBe(hash);
    expect(minutesHash(minutesOf(r.state, { log, personOf: (d) => r.directory.get(d)?.person, texts, lang: 'de' }))).toBe(hash);
  }, 300_000);
});
