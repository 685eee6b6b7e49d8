/**
 * The fallback without SFU in Chromium (inside scripts/netns.mjs): the relay runs without Janus, so video goes
 * over PeerJS on the relay and our own coturn. Every page is held to relay-only ICE, and what it receives is
 * read from getStats() of its own connections: the frames decoded per sender, and the selected candidate
 * pair's local candidate, which must be a TURN relay candidate.
 */
import type { Page } from 'playwright-core';
import { describe, expect, it } from 'vitest';
import { de } from '../../web/i18n/de.js';
import { whenStatus } from '../helpers/browser.js';
import { videoSuite } from '../helpers/video-suite.js';
import { receivesFrom, videoParticipant, whenVideo } from '../helpers/video.js';

const T = { timeout: 60_000 }; // two shared cores: browsers of other tests may be running

const suite = videoSuite();

/** A member's page held to TURN: the mesh client reads the ICE policy from localStorage (web/video/mesh.ts). */
async function member(url: string): Promise<Page> {
  const { page } = await videoParticipant(suite.browser(), url);
  await whenStatus(page, 'online', 120_000);
  await page.evaluate(() => localStorage.setItem('ratsraum.ice', 'relay'));
  await page.reload();
  await whenStatus(page, 'online', 120_000);
  return page;
}

describe('video without the SFU', () => {
  it('VID-1 (fallback) with the SFU absent, a committee of three holds a session over PeerJS with TURN', async () => {
    const site = await suite.site({ relay: { video: { janus: false } } });
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
    await expect.poll(() => site.relay.mesh.peers(`${tenant}\n${meeting}`).map((x) => x.person).sort(), T).toEqual(['m01', 'm02', 'm03']);
    for (const [me, p] of Object.entries(pages)) await receivesFrom(p, Object.keys(pages).filter((x) => x !== me), { overTurn: true });

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
    for (const [me, p] of Object.entries(pages)) await receivesFrom(p, Object.keys(pages).filter((x) => x !== me), { overTurn: true });
  }, 480_000);
});
