/**
 * The gallery's media elements in Chromium through Janus (test namespace, scripts/netns.mjs): a tile's props are
 * recomputed on every presence update, and a tile that assigned its stream again each time restarted its
 * picture about once a second per participant, which took a page of six to its knees. Proven by the browser's
 * own `loadstart` events (instrument() in test/helpers/video.ts), not by what the app says it did.
 */
import type { Browser, Page } from 'playwright-core';
import { afterAll, describe, expect, it } from 'vitest';
import { demoLinks } from '../../relay/demo.js';
import { DIST, whenStatus } from '../helpers/browser.js';
import { cleanup, demoRelay } from '../helpers/relay.js';
import { framesOf, launchVideo, mediaLoads, rising, videoParticipant, whenVideo } from '../helpers/video.js';

const inNamespace = !!process.env.RATSRAUM_ICE_INTERFACE;
const stops: (() => unknown)[] = [];
afterAll(async () => {
  for (const s of stops.reverse()) await Promise.resolve(s()).catch((e) => console.error(`cleanup: ${(e as Error).message}`));
}, 120_000);

describe.skipIf(!inNamespace)('video tiles in Chromium (SFU in the test namespace)', () => {
  it("VID-1 a member's tile keeps playing while presence updates arrive: the picture is not reloaded per update", async () => {
    const site = await demoRelay({ staticDir: DIST, relay: { quiet: true, video: { iceInterface: process.env.RATSRAUM_ICE_INTERFACE } } });
    stops.push(() => cleanup(site.dataDir), () => site.relay.close());
    const browser: Browser = await launchVideo();
    stops.push(() => browser.close());
    const links = await demoLinks(site.demo, site.relay.url);
    const open = async (url: string): Promise<Page> => {
      const { page } = await videoParticipant(browser, url);
      await whenStatus(page, 'online', 120_000);
      await whenVideo(page, 120_000);
      return page;
    };
    const chair = await open(links.chair.url);
    const member = await open(links.members[0]!.url);
    await expect.poll(() => chair.locator('.video-tile[data-person="m02"] video').count(), { timeout: 60_000 }).toBe(1);
    await rising(chair, 'm02', 'video', 'frames', 60_000);
    const loads = await mediaLoads(chair);
    const presence = await framesOf(chair, 'presence');
    // The member's own switch, three times: each is a presence update at the chair's page.
    for (const step of [1, 2, 3]) {
      await member.locator('button.video-mic').click();
      await expect.poll(() => framesOf(chair, 'presence'), { timeout: 60_000 }).toBeGreaterThanOrEqual(presence + step);
    }
    expect(await mediaLoads(chair)).toBe(loads);
    expect(loads).toBeGreaterThan(0); // the listener sees the tiles' first loads: it can count
    await rising(chair, 'm02', 'video', 'frames', 60_000);
  }, 300_000);
});
