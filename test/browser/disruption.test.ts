/**
 * Disruptions in Chromium (DigiSiVO § 10, no video: the relay runs without Janus): a member's rüge from the
 * phone interrupts every device, the fold refuses a vote until the chair classifies it, a rüge signed while the
 * member's line is down arrives when it returns, the second reporting channel on a device started offline, and
 * the chair's entry of a telephone report. What the relay holds is read from its SQLite file and its export record.
 */
import Database from 'better-sqlite3';
import { join } from 'node:path';
import type { Page } from 'playwright-core';
import { describe, expect, it } from 'vitest';
import { fromHex, toHex } from '../../crypto/bytes.js';
import { signerFromSeed } from '../../crypto/ed25519.js';
import * as envelope from '../../crypto/envelope.js';
import { verifyExport } from '../../core/export.js';
import { DEMO_DISRUPTION_RULES } from '../../relay/demo.js';
import { axe, type demoSite, passNotice, whenStatus } from '../helpers/browser.js';
import { perTestSites } from '../helpers/per-test-sites.js';

type Site = Awaited<ReturnType<typeof demoSite>>;

const { open, site } = perTestSites();
const T = { timeout: 30_000 };
const SHOTS = process.env.RR_SHOTS; // a folder: screenshots of the new views at 360 px and desktop

/** The disruption entries in the relay's SQLite file itself: kind, author (demo person) and payload. */
async function inFile(s: Site): Promise<{ kind: string; by: string; payload: Record<string, unknown> }[]> {
  const byKey = new Map<string, string>();
  for (const d of s.demo.devices) byKey.set(toHex((await signerFromSeed(fromHex(d.seed, 32))).publicKey), d.person);
  const db = new Database(join(s.dataDir, 'relay.sqlite'), { readonly: true, fileMustExist: true });
  try {
    const rows = db.prepare<[string, string], { wire: Buffer }>('SELECT wire FROM envelopes WHERE tenant = ? AND meeting = ? ORDER BY n').all(s.demo.tenant, s.demo.meeting);
    return rows
      .map((r) => envelope.decode(new Uint8Array(r.wire)))
      .filter((e) => e.kind.startsWith('disruption.') && e.kind !== 'disruption.rules')
      .map((e) => ({ kind: e.kind, by: byKey.get(toHex(e.author)) ?? '?', payload: JSON.parse(new TextDecoder().decode(e.payload)) as Record<string, unknown> }));
  } finally {
    db.close();
  }
}

/** The public export record, checked by the verifier as anyone would: its state is what every device folds. */
async function recordState(s: Site) {
  const r = await fetch(`${s.relay.url}/api/${s.demo.tenant}/${s.demo.meeting}/export`);
  const report = await verifyExport(await r.json());
  expect(report.verdict).not.toBe('failed');
  return report.state!;
}

const interrupted = (p: Page) => p.getByTestId('interrupted');

async function confirm(p: Page, testid: string): Promise<void> {
  await p.getByTestId(testid).click();
  await p.locator('dialog[open] [data-testid=confirm]').click();
}

/** The chair and members online, checked in, the session open and TOP 3 called. */
async function session(s: Site, members: { i: number; width?: number }[]) {
  const chair = (await open(s.links.chair.url, { width: 1280 })).page;
  const opened = [];
  for (const m of members) opened.push(await open(s.links.members[m.i]!.url, { width: m.width ?? 1280 }));
  const pages = opened.map((o) => o.page);
  await Promise.all([chair, ...pages].map((p) => whenStatus(p, 'online', 30_000)));
  for (const p of [chair, ...pages]) await p.getByRole('button', { name: 'Anwesend melden (digital)' }).click();
  await chair.getByRole('button', { name: 'Sitzung eröffnen' }).click();
  await chair.locator('#item-select').selectOption('top3');
  await chair.getByRole('button', { name: 'Tagesordnungspunkt aufrufen' }).click();
  return { chair, members: pages, contexts: opened.map((o) => o.context) };
}

async function resolve(chair: Page, outcome: string, reason: string): Promise<void> {
  const li = chair.locator('.open-disruptions li').first();
  await li.locator('select').selectOption(outcome);
  await li.getByLabel('Begründung').fill(reason);
  await li.getByTestId('resolve-disruption').click();
  await chair.locator('dialog[open] [data-testid=confirm]').click();
}

describe('disruptions (DigiSiVO § 10)', () => {
  it("DIS-1 ORG-2 a member's rüge interrupts the session on every device, a vote cannot be opened until the chair resolves it, each classification is recorded; axe-clean in German and English", async () => {
    const s = await site();
    const { chair, members } = await session(s, [{ i: 0, width: 360 }, { i: 1 }]);
    const [phone, other] = members as [Page, Page];
    const pub = (await open(s.links.public)).page;
    await passNotice(pub); // PUB-2
    await whenStatus(pub, 'online', 30_000);
    const everyone = [chair, phone, other, pub];

    // The one button, on the phone, asks first.
    await confirm(phone, 'report-disruption');
    for (const p of everyone) await expect.poll(() => interrupted(p).count(), T).toBe(1);
    expect(await interrupted(other).textContent()).toContain('Die Sitzung ist unterbrochen.');
    expect(await interrupted(chair).textContent()).toContain('Peter Hoffmann');
    expect(await phone.getByTestId('my-report').textContent()).toBe('Ihre Rüge ist erfasst. Die Sitzung ist unterbrochen.');
    if (SHOTS) for (const [n, p] of Object.entries({ phone, chair })) await p.screenshot({ path: join(SHOTS, `dis-${n}.png`), fullPage: true });

    // The chair tries to open a vote: signed, stored, refused by the fold on every device.
    await chair.locator('#vote-title').fill('Radverkehrskonzept: Beschluss');
    await chair.getByRole('button', { name: 'Abstimmung eröffnen' }).click();
    await chair.getByTestId('refused').waitFor(T);
    await expect.poll(async () => (await recordState(s)).rejected.filter((r) => r.kind === 'vote.open').map((r) => r.reason), T).toEqual([expect.stringContaining("the session is interrupted by disruption")]);
    for (const p of [phone, other, pub]) expect(await p.locator('[data-vote-status=open]').count()).toBe(0);

    // A fix attempt, then the classification with its reason; the interruption ends everywhere.
    await chair.locator('.open-disruptions li').first().getByLabel('Behebungsversuch').fill('Teilnehmer neu verbunden');
    await chair.getByRole('button', { name: 'Vermerken' }).click();
    await expect.poll(() => chair.locator('.open-disruptions li').first().textContent(), T).toContain('Teilnehmer neu verbunden');
    await resolve(chair, 'irrelevant', 'Kurzer Aussetzer, Beratung nicht betroffen');
    for (const p of everyone) await expect.poll(() => interrupted(p).count(), T).toBe(0);
    // Two more rügen, classified as the member's own responsibility and as fixed.
    await confirm(phone, 'report-disruption');
    await expect.poll(() => interrupted(chair).count(), T).toBe(1);
    await resolve(chair, 'own', 'Eigener Internetanschluss des Mitglieds');
    await expect.poll(() => interrupted(phone).count(), T).toBe(0);
    await confirm(phone, 'report-disruption');
    await expect.poll(() => interrupted(chair).count(), T).toBe(1);
    await resolve(chair, 'fixed', 'Videoserver neu gestartet');
    await expect.poll(() => interrupted(other).count(), T).toBe(0);
    // Now the vote opens.
    await chair.getByRole('button', { name: 'Abstimmung eröffnen' }).click();
    await phone.locator('[data-vote-status=open]').waitFor(T);

    // What the relay's file holds: every step signed by the device that made it, with its reason.
    await expect
      .poll(async () => (await inFile(s)).map((x) => `${x.kind} ${x.by} ${x.payload.outcome ?? x.payload.note ?? x.payload.person}`), T)
      .toEqual([
        'disruption.report m02 m02',
        'disruption.fix m01 Teilnehmer neu verbunden',
        'disruption.resolve m01 irrelevant',
        'disruption.report m02 m02',
        'disruption.resolve m01 own',
        'disruption.report m02 m02',
        'disruption.resolve m01 fixed',
      ]);
    const st = await recordState(s);
    expect(st.disruption.disruptions.map((d) => [d.person, d.channel, d.status, d.resolution?.reason, d.resolution!.at >= d.at])).toEqual([
      ['m02', 'app', 'irrelevant', 'Kurzer Aussetzer, Beratung nicht betroffen', true],
      ['m02', 'app', 'own', 'Eigener Internetanschluss des Mitglieds', true],
      ['m02', 'app', 'fixed', 'Videoserver neu gestartet', true],
    ]);

    // ORG-2: an open interruption on every view, German and English.
    await confirm(chair, 'close-vote'); // no ballot yet: it asks
    await confirm(other, 'report-disruption');
    for (const p of everyone) await expect.poll(() => interrupted(p).count(), T).toBe(1);
    for (const lang of ['de', 'en'] as const) {
      if (lang === 'en') for (const p of everyone) await p.getByRole('button', { name: 'English' }).click();
      for (const [name, p] of Object.entries({ chair, phone, other, pub })) {
        await expect.poll(() => p.evaluate(() => document.documentElement.lang)).toBe(lang);
        expect(await axe(p), `${name} (${lang})`).toEqual([]);
      }
    }
    expect(await phone.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(360);
  }, 300_000);

  it('DIS-3 DIS-1 a member device started offline shows the second channel from its own cache and signs a rüge that arrives when the line returns; the chair enters a telephone report, in the log with its channel', async () => {
    const s = await site();
    const { chair, members, contexts } = await session(s, [{ i: 1, width: 360 }]);
    const [member] = members as [Page];
    const channel = member.getByTestId('second-channel');
    await expect.poll(() => channel.textContent(), T).toContain(DEMO_DISRUPTION_RULES.phone);
    await member.waitForFunction(async () => !!(await navigator.serviceWorker.ready).active, undefined, T);

    // The line goes, the app starts again from the device's cache: the number is there, stressed.
    await contexts[0]!.setOffline(true);
    await member.reload();
    await whenStatus(member, 'offline', 30_000);
    await expect.poll(() => channel.getAttribute('data-offline'), T).toBe('true');
    expect(await channel.textContent()).toContain('Keine Verbindung.');
    expect(await channel.locator('a[href^="tel:"]').getAttribute('href')).toBe('tel:02118994711');
    expect(await channel.locator('a[href^="mailto:"]').textContent()).toBe(DEMO_DISRUPTION_RULES.email);
    if (SHOTS) await member.screenshot({ path: join(SHOTS, 'dis-offline-phone.png'), fullPage: true });

    // The rüge is signed offline: the device shows it, the relay does not have it.
    await confirm(member, 'report-disruption');
    await interrupted(member).waitFor(T);
    expect(await inFile(s)).toEqual([]);
    expect(await interrupted(chair).count()).toBe(0);
    await contexts[0]!.setOffline(false);
    await expect.poll(() => interrupted(chair).textContent(), T).toContain('Maria Becker');
    expect((await inFile(s)).map((x) => `${x.kind} ${x.by}`)).toEqual(['disruption.report m03']);
    await resolve(chair, 'fixed', 'Leitung wieder da');
    await expect.poll(() => interrupted(member).count(), T).toBe(0);

    // A member phones in: the chair enters it, naming the channel.
    await chair.locator('#dis-person').selectOption('m04');
    await chair.locator('#dis-channel').selectOption('phone');
    await chair.locator('#dis-media').selectOption('sound');
    await chair.locator('#dis-note').fill('Anruf: kein Ton seit 2 Minuten');
    await confirm(chair, 'enter-disruption');
    await expect.poll(() => interrupted(member).textContent(), T).toContain('per Telefon');
    if (SHOTS) await chair.screenshot({ path: join(SHOTS, 'dis-chair-desktop.png'), fullPage: true });
    await expect
      .poll(async () => (await inFile(s)).at(-1), T)
      .toEqual({ kind: 'disruption.report', by: 'm01', payload: { id: expect.any(String), person: 'm04', media: 'sound', channel: 'phone', note: 'Anruf: kein Ton seit 2 Minuten' } });
    expect((await recordState(s)).disruption.disruptions.at(-1)).toMatchObject({ person: 'm04', channel: 'phone', by: 'm01', status: 'open' });
  }, 300_000);
});
