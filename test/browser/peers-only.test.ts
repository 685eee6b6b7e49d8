/**
 * DIS-5, DIS-3, ORG-2 in Chromium: what a member's page says while only data channels carry the session. One
 * relay, one member page and two Node devices (the chair and a member) with data channels to it; the relay
 * closes. The page's ballot is reported as handed to exactly the devices that hold it (their signed beacons),
 * the second channel says the session continues over the other devices, and once those go too the page says
 * it is cut off. German first, English too; axe-clean; screenshots at 360 px and desktop (RR_SHOTS=<dir>).
 */
import { join } from 'node:path';
import type { Page } from 'playwright-core';
import { afterAll, describe, expect, it } from 'vitest';
import { DEMO_DISRUPTION_RULES } from '../../relay/demo.js';
import { axe, demoSite, launch, participant, PEER_ARGS, whenStatus } from '../helpers/browser.js';
import { type PeerDevice, peerDevice } from '../helpers/peers.js';
import { cleanup, until } from '../helpers/relay.js';

const LONG = 60_000; // a loaded 2-core machine
const T = { timeout: LONG };
const SHOTS = process.env.RR_SHOTS;

const stops: (() => Promise<unknown> | unknown)[] = [];
afterAll(async () => {
  for (const s of stops.reverse()) await Promise.resolve(s()).catch(() => {});
});

const delivery = (page: Page) => page.locator('.mine [data-testid=delivery]');
/** What the attendance list says of a person's connection (VID-3): "verbunden" or "nicht verbunden". */
const connection = async (page: Page, person: string) => ((await page.locator(`section[aria-labelledby=att-h] li[data-person=${person}]`).textContent()) ?? '').match(/(nicht )?verbunden/)?.[0];

describe('a page held by peers alone', () => {
  it('DIS-5 DIS-3 ORG-2 relay gone, data channels up: the ballot is handed to the two devices that hold it, the second channel says the session continues; peers gone: cut off', async () => {
    const site = await demoSite();
    const { relay, demo, dataDir, wsUrl, links } = site;
    stops.push(() => cleanup(dataDir));
    stops.push(() => relay.close());
    const nodes: PeerDevice[] = [await peerDevice(demo, 'm01', [wsUrl]), await peerDevice(demo, 'm03', [wsUrl])];
    stops.push(() => nodes.forEach((d) => d.stop()));
    const chair = nodes[0]!;

    const browser = await launch(PEER_ARGS);
    stops.push(() => browser.close());
    const m02 = links.members.find((m) => demo.devices.find((d) => d.name === m.name)?.person === 'm02')!;
    const { page } = await participant(browser, m02.url, { bypassCSP: true }); // bypassCSP: axe is an injected script
    page.setDefaultTimeout(LONG);
    await whenStatus(page, 'online', LONG);
    await until(() => nodes.every((d) => d.client.status === 'online'), 'Node devices online', LONG);
    await page.waitForFunction(() => Number(document.documentElement.dataset.peers) >= 2, null, T);

    await page.getByRole('button', { name: 'Anwesend melden (digital)' }).click();
    for (const d of nodes) await d.replica.create('attendance.in', { person: d.person, place: 'remote' });
    await chair.replica.create('session.open', {});
    await chair.replica.create('vote.open', { vote: 'v1', item: 'top3', title: 'Radverkehrskonzept: Beschluss', mode: 'open' });
    const channel = page.getByTestId('second-channel');
    await page.locator('[data-choice=yes]').waitFor(T);
    expect(await channel.getAttribute('data-reach')).toBe('online');
    expect(await channel.textContent()).toContain('Störung melden, auch ohne App:');

    await relay.close();
    await until(() => nodes.every((d) => d.client.status === 'offline'), 'the Node devices notice the relay is gone', LONG);
    await whenStatus(page, 'offline', LONG);
    await page.getByRole('status', { name: 'Verbindungsstatus' }).filter({ hasText: 'Über andere Geräte verbunden – kein Server erreichbar' }).waitFor(T);

    await page.click('[data-choice=yes]');
    // Handed to two devices: exactly the Node devices whose replicas hold the ballot, counted from their beacons.
    await expect.poll(() => delivery(page).getAttribute('data-holders'), T).toBe('2');
    const ballot = page.locator('[data-vote=v1] .mine');
    expect(await delivery(page).textContent()).toBe('An 2 andere Geräte übergeben – der Server bekommt es nach, sobald er erreichbar ist');
    expect(await ballot.textContent()).not.toContain('nachgereicht');
    for (const d of nodes) expect(d.replica.state.votes[0]!.ballots.map((b) => b.person)).toEqual(['m02']);
    await expect.poll(() => channel.getAttribute('data-reach'), T).toBe('peers');
    // Connected, without the relay's list: this page, its peers and whoever's beacons arrive; m04 never came.
    for (const p of ['m01', 'm02', 'm03']) expect(await connection(page, p)).toBe('verbunden');
    expect(await connection(page, 'm04')).toBe('nicht verbunden');
    expect(await channel.textContent()).toContain('Kein Server erreichbar; die Sitzung läuft über die anderen Geräte weiter.');
    expect(await channel.textContent()).not.toContain('Keine Verbindung');
    expect(await channel.locator('a[href^="tel:"]').getAttribute('href')).toBe(`tel:${DEMO_DISRUPTION_RULES.phone.replace(/[^+\d]/g, '')}`);
    expect(await axe(page)).toEqual([]);
    if (SHOTS) {
      await page.screenshot({ path: join(SHOTS, 'peers-only-desktop.png'), fullPage: true });
      await page.setViewportSize({ width: 360, height: 740 });
      await page.evaluate(() => window.scrollTo(0, 0));
      await page.screenshot({ path: join(SHOTS, 'peers-only-phone.png') });
      await page.locator('[data-vote=v1]').scrollIntoViewIfNeeded();
      await page.screenshot({ path: join(SHOTS, 'peers-only-phone-vote.png') });
      expect(await page.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(360);
    }

    await page.getByRole('button', { name: 'English' }).click();
    await expect.poll(() => delivery(page).textContent(), T).toBe('Handed to 2 other devices – the server gets it once it is reachable');
    expect(await channel.textContent()).toContain('No server reachable; the session continues over the other devices.');
    expect(await axe(page)).toEqual([]);
    await page.getByRole('button', { name: 'Deutsch' }).click();

    // The other devices go too: the page is cut off and says so; what reached them before is still theirs.
    for (const d of nodes) d.stop();
    await page.waitForFunction(() => document.documentElement.dataset.peers === '0', null, T);
    await expect.poll(() => channel.getAttribute('data-reach'), T).toBe('offline');
    await expect.poll(() => connection(page, 'm01'), T).toBe('nicht verbunden'); // not the relay's stale list
    expect(await connection(page, 'm02')).toBe('verbunden');
    expect(await channel.textContent()).toContain('Keine Verbindung.');
    await page.getByRole('status', { name: 'Verbindungsstatus' }).filter({ hasText: 'Offline' }).waitFor(T);
    expect(await delivery(page).getAttribute('data-reach')).toBe('offline');
    expect(await delivery(page).getAttribute('data-holders')).toBe('2');
    // An entry signed now reaches no one: it is kept for later, worded as such.
    await page.getByTestId('report-disruption').click();
    await page.locator('dialog[open] [data-testid=confirm]').click();
    const report = page.locator('[data-testid=my-report] [data-testid=delivery]');
    await expect.poll(() => report.textContent(), T).toBe('offline – wird nachgereicht');
    expect(await report.getAttribute('data-holders')).toBe('0');
    expect(await axe(page)).toEqual([]);
  }, 240_000);
});
