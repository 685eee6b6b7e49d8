/**
 * Video in Firefox (inside scripts/netns.mjs, where Janus gathers ICE on the test's veth): a member in
 * Firefox with Firefox's fake camera and microphone (media.navigator.streams.fake) and a member in Chromium
 * publish through the relay's SFU and receive each other. Proven by getStats() of every RTCPeerConnection
 * each page made (test/helpers/video.ts instruments them before the app runs), not by what the app shows.
 * WebKit is not here: this build has no RTCPeerConnection (asserted in engines-wire.test.ts).
 */
import type { Page } from 'playwright-core';
import { afterAll, describe, expect, it } from 'vitest';
import { demoSite, whenStatus } from '../helpers/browser.js';
import { FIREFOX_FAKE_MEDIA, type Participant, useEngines } from '../helpers/engines.js';
import { cleanup } from '../helpers/relay.js';
import { instrument, launchVideo, type Received, receivedInPage, rising, videoParticipant, whenVideo } from '../helpers/video.js';

const inNamespace = !!process.env.RATSRAUM_ICE_INTERFACE;
const engines = useEngines({ firefoxPrefs: FIREFOX_FAKE_MEDIA });
const stops: (() => unknown)[] = [];
afterAll(async () => {
  for (const s of stops.reverse()) await s();
}, 120_000);

const T = 90_000;

const firefoxReceived = (p: Participant, kind: 'audio' | 'video') => p.evaluate(receivedInPage, kind).then((r: Record<string, Received>) => r['*']!);
const firefoxSent = (p: Participant, kind: 'audio' | 'video') =>
  p.evaluate(async (kind) => {
    let n = 0;
    for (const pc of (window as unknown as { __rr: { pcs: RTCPeerConnection[] } }).__rr.pcs)
      (await pc.getStats()).forEach((r: Record<string, unknown>) => {
        if (r.type === 'outbound-rtp' && r.kind === kind) n += Number(r.packetsSent ?? 0);
      });
    return n;
  }, kind);

describe.skipIf(!inNamespace)('video in Firefox (SFU in the test namespace)', () => {
  it("VID-4 [firefox] a member in Firefox publishes fake camera and microphone through the SFU and receives a Chromium member's; both sides' getStats() show it", async () => {
    const site = await demoSite({ relay: { video: { iceInterface: process.env.RATSRAUM_ICE_INTERFACE } } });
    stops.push(() => cleanup(site.dataDir), () => site.relay.close());
    const browser = await launchVideo();
    stops.push(() => browser.close());
    const chromiumMember: Page = (await videoParticipant(browser, site.links.members[1]!.url)).page; // m03
    const firefoxMember = await engines.open('firefox', site.links.members[0]!.url, { init: instrument }); // m02
    await whenStatus(chromiumMember, 'online', T);
    await firefoxMember.waitFor(() => document.documentElement.dataset.status === 'online', undefined, T);
    await whenVideo(chromiumMember, T);
    await firefoxMember.waitFor(() => document.querySelector('[data-video-status]')?.getAttribute('data-video-status') === 'connected', undefined, T);
    expect(await firefoxMember.evaluate(() => navigator.userAgent)).toMatch(/Firefox\//);

    // Firefox sends, and the Chromium member decodes frames and receives sound from m02.
    await expect.poll(() => firefoxSent(firefoxMember, 'video'), { timeout: T }).toBeGreaterThan(0);
    await expect.poll(() => firefoxSent(firefoxMember, 'audio'), { timeout: T }).toBeGreaterThan(0);
    await rising(chromiumMember, 'm02', 'video', 'frames', T);
    await rising(chromiumMember, 'm02', 'audio', 'packets', T);
    // Firefox decodes the Chromium member's picture and receives its sound.
    await expect.poll(async () => (await firefoxReceived(firefoxMember, 'video')).frames, { timeout: T }).toBeGreaterThan(0);
    const before = await firefoxReceived(firefoxMember, 'audio');
    await expect.poll(async () => (await firefoxReceived(firefoxMember, 'audio')).packets, { timeout: T }).toBeGreaterThan(before.packets);
  }, 240_000);
});
