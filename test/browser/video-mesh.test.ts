/**
 * The fallback without SFU in Chromium (inside scripts/netns.mjs): the relay runs without Janus, so video goes
 * over PeerJS on the relay and our own coturn. Every page is held to relay-only ICE, and what it receives is
 * read from getStats() of its own connections: the frames decoded per sender, and the selected candidate
 * pair's local candidate, which must be a TURN relay candidate.
 */
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { de } from '../../web/i18n/de.js';
import { demoSite, whenStatus } from '../helpers/browser.js';
import { cleanup } from '../helpers/relay.js';
import { launchVideo, videoParticipant, whenVideo } from '../helpers/video.js';

type Site = Awaited<ReturnType<typeof demoSite>>;
const T = { timeout: 60_000 }; // two shared cores: browsers of other tests may be running

let browser: Browser;
let site: Site | undefined;
beforeAll(async () => {
  browser = await launchVideo();
}, 60_000);
afterAll(async () => {
  await browser?.close();
  if (site) {
    await site.relay.close();
    cleanup(site.dataDir);
  }
}, 120_000);

/** A member's page held to TURN: the mesh client reads the ICE policy from localStorage (web/video/mesh.ts). */
async function member(url: string): Promise<Page> {
  const { page } = await videoParticipant(browser, url);
  await whenStatus(page, 'online', 120_000);
  await page.evaluate(() => localStorage.setItem('ratsraum.ice', 'relay'));
  await page.reload();
  await whenStatus(page, 'online', 120_000);
  return page;
}

interface Inbound {
  person: string | null; // whose tile shows the track (the app's mapping from the relay's presence)
  frames: number;
  relayed: boolean; // the connection's selected pair has a TURN relay candidate on this side
}

/** Every received picture of the page, per connection, from getStats(). */
function inbound(page: Page): Promise<Inbound[]> {
  return page.evaluate(async () => {
    const w = window as unknown as { __rr: { pcs: RTCPeerConnection[] } };
    const owner = new Map<string, string | null>();
    for (const v of document.querySelectorAll<HTMLVideoElement>('video[data-person]'))
      for (const t of (v.srcObject as MediaStream | null)?.getTracks() ?? []) owner.set(t.id, v.dataset.person ?? null);
    const out: Inbound[] = [];
    for (const pc of w.__rr.pcs) {
      if (pc.connectionState === 'closed') continue;
      const stats = new Map<string, Record<string, unknown>>();
      (await pc.getStats()).forEach((r: Record<string, unknown>) => stats.set(String(r.id), r));
      const transport = [...stats.values()].find((r) => r.type === 'transport');
      const pair = stats.get(String(transport?.selectedCandidatePairId));
      const local = stats.get(String(pair?.localCandidateId));
      for (const r of stats.values())
        if (r.type === 'inbound-rtp' && r.kind === 'video')
          out.push({ person: owner.get(String(r.trackIdentifier)) ?? null, frames: Number(r.framesDecoded ?? 0), relayed: local?.candidateType === 'relay' });
    }
    return out;
  });
}

/** Polls until the page decodes rising frames of each of `others`, each over a TURN-relayed connection. */
async function receivesOverTurn(page: Page, others: string[]): Promise<void> {
  const first = await inbound(page);
  await expect
    .poll(
      async () => {
        const now = await inbound(page);
        return others.filter((p) => {
          const before = first.filter((x) => x.person === p).reduce((n, x) => n + x.frames, 0);
          const x = now.filter((y) => y.person === p);
          return x.length > 0 && x.every((y) => y.relayed) && x.reduce((n, y) => n + y.frames, 0) > before && x.some((y) => y.frames > 0);
        });
      },
      { timeout: 60_000, interval: 500 },
    )
    .toEqual(others);
}

describe('video without the SFU', () => {
  it('VID-1 (fallback) with the SFU absent, a committee of three holds a session over PeerJS with TURN', async () => {
    site = await demoSite({ relay: { video: { janus: false } } });
    expect(site.relay.video.status().mode).toBe('mesh');
    expect(site.relay.turn, 'our own coturn runs').toBeDefined();
    const chair = await member(site.links.chair.url);
    const a = await member(site.links.members[0]!.url);
    const b = await member(site.links.members[1]!.url);
    const pages = { m01: chair, m02: a, m03: b };
    for (const p of Object.values(pages)) {
      await whenVideo(p);
      expect(await p.locator('[data-video-status]').first().getAttribute('data-mode')).toBe('mesh');
      // The chair's orders cannot be enforced on a server here, and the page says so.
      await expect.poll(() => p.getByText(de['video.mesh']).isVisible(), T).toBe(true);
    }
    const { tenant, meeting } = site.demo;
    await expect.poll(() => site!.relay.mesh.peers(`${tenant}\n${meeting}`).map((x) => x.person).sort(), T).toEqual(['m01', 'm02', 'm03']);
    for (const [me, p] of Object.entries(pages)) await receivesOverTurn(p, Object.keys(pages).filter((x) => x !== me));

    // The session and a vote in the same pages, while the pictures run.
    for (const p of [chair, a, b]) await p.getByRole('button', { name: 'Anwesend melden (digital)' }).first().click(T);
    await chair.getByRole('button', { name: 'Sitzung eröffnen' }).click(T);
    await chair.locator('#item-select').selectOption('top3', T);
    await chair.getByRole('button', { name: 'Tagesordnungspunkt aufrufen' }).click(T);
    await chair.locator('#vote-title').fill('Radverkehrskonzept: Beschluss', T);
    await chair.getByRole('button', { name: 'Abstimmung eröffnen' }).click(T);
    for (const p of [a, b]) {
      await p.locator('[data-vote-status=open]').waitFor(T);
      await p.locator('[data-choice=yes]').click(T);
    }
    await expect.poll(() => chair.locator('[data-testid=received]').textContent(), T).toBe('2 Stimmen eingegangen');
    for (const [me, p] of Object.entries(pages)) await receivesOverTurn(p, Object.keys(pages).filter((x) => x !== me));
  }, 480_000);
});
