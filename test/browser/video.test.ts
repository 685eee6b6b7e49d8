/**
 * Video in Chromium with a fake camera and microphone, Janus in the test's network namespace
 * (`node scripts/netns.mjs npx vitest run test/browser/video.test.ts`): the chair, three members, the room
 * device and a public viewer in separate contexts, one shared session. Orders are signed by a second device
 * of the chair (a Node replica) and proven at the receivers' getStats(), per person by the mids the relay's
 * raw offers named; refusals are proven on the raw /video socket.
 */
import { execFileSync } from 'node:child_process';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import WebSocket from 'ws';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { fromHex, toHex } from '../../crypto/bytes.js';
import { issue } from '../../crypto/cert.js';
import { generateSeed, signerFromSeed } from '../../crypto/ed25519.js';
import type { DomainKind, Payload } from '../../core/entries.js';
import { Replica } from '../../core/replica.js';
import { VIDEO_MAX_BITRATE } from '../../web/video/bitrate.js';
import { VIDEO_CLOSE } from '../../core/video-wire.js';
import { type Demo, demoLinks } from '../../relay/demo.js';
import { SyncClient } from '../../web/sync/client.js';
import { DIST, whenStatus } from '../helpers/browser.js';
import { cleanup, demoRelay, device, type NodeDevice, online, until } from '../helpers/relay.js';
import { flat, launchVideo, received, rising, sent, videoParticipant, whenVideo } from '../helpers/video.js';

const inNamespace = !!process.env.RATSRAUM_ICE_INTERFACE;
const stops: (() => Promise<unknown> | unknown)[] = [];
afterAll(async () => {
  for (const s of stops.reverse()) await Promise.resolve(s()).catch((e) => console.error(`cleanup: ${(e as Error).message}`));
}, 300_000);

const ROOM = { person: 'saal' }; // the demo's room device (relay/demo.ts)
let browser: Browser;
let wsUrl: string;
let videoUrl: string;
let demo: Demo;
/** The chair's second device: signs every order of this test. */
let chairLaptop: { replica: Replica; client: SyncClient };
const pages: Record<string, Page> = {};
const contexts: Record<string, BrowserContext> = {};
const MEMBERS = ['m02', 'm03', 'm04'];
/** Everyone who publishes (the chair, members, the room device). */
const PUBLISHERS = ['m01', ...MEMBERS, ROOM.person];
const receiversOf = (person: string) => PUBLISHERS.filter((p) => p !== person && pages[p]).map((p) => pages[p]!);

async function order<K extends DomainKind>(kind: K, payload: Payload<K>): Promise<void> {
  const e = await chairLaptop.replica.create(kind, payload);
  await until(() => chairLaptop.client.status === 'online', `${kind} acknowledged`, 60_000);
  expect(chairLaptop.replica.state.rejected.map((r) => r.entry)).not.toContain(e.id);
}

/** A raw /video socket: hello with a ticket, then every frame and the close code. */
function rawVideo(ticket: string): Promise<{ frames: { t: string }[]; code: number }> {
  return new Promise((resolve) => {
    const ws = new WebSocket(videoUrl);
    const frames: { t: string }[] = [];
    ws.on('open', () => ws.send(JSON.stringify({ t: 'hello', ticket })));
    ws.on('message', (d) => {
      const m = JSON.parse(String(d)) as { t: string };
      frames.push(m);
      if (m.t === 'ready') ws.close();
    });
    ws.on('close', (code) => resolve({ frames, code }));
    setTimeout(() => ws.close(), 30_000).unref(); // an answer that never comes fails the assertions, not the hook
  });
}

async function nodeDevice(person: string | null): Promise<NodeDevice> {
  const d = await device(demo, person, [wsUrl]);
  stops.push(() => d.client.stop());
  await online(d);
  return d;
}

describe.skipIf(!inNamespace)('video in Chromium (SFU in the test namespace)', () => {
  beforeAll(async () => {
    const site = await demoRelay({ staticDir: DIST, relay: { quiet: !process.env.RR_LOG, video: { iceInterface: process.env.RATSRAUM_ICE_INTERFACE } } });
    demo = site.demo;
    stops.push(() => cleanup(site.dataDir));
    stops.push(() => site.relay.close());
    wsUrl = site.wsUrl;
    videoUrl = wsUrl.replace(/\/sync$/, '/video');

    // The chair's laptop: a second certified device of Anna Schmitz.
    const admin = await signerFromSeed(fromHex(demo.tenantSeed, 32));
    const laptop = await signerFromSeed(generateSeed());
    const now = Date.now();
    await site.relay.store.putCert(
      await issue({ v: 1, tenant: demo.tenant, person: 'm01', name: 'Anna Schmitz', device: toHex(laptop.publicKey), roles: ['chair', 'member'], bodies: ['bv-mitte'], notBefore: now - 3_600_000, notAfter: now + 86_400_000 }, admin),
    );
    const replica = new Replica({ tenant: demo.tenant, meeting: demo.meeting, tenantKey: admin.publicKey, docs: ['public', 'members'], signer: laptop });
    const client = new SyncClient({ urls: [wsUrl], replica, auth: { tenant: demo.tenant, meeting: demo.meeting, signer: laptop }, WebSocket: WebSocket as never, beaconMs: 1000 });
    client.start();
    stops.push(() => client.stop());
    chairLaptop = { replica, client };
    await until(() => client.status === 'online', 'chair laptop online', 60_000);

    browser = await launchVideo();
    stops.push(() => browser.close());
    const links = await demoLinks(demo, site.relay.url);
    const urls: Record<string, string> = {
      m01: links.chair.url,
      m02: links.members[0]!.url,
      m03: links.members[1]!.url,
      m04: links.members[2]!.url,
      [ROOM.person]: links.room!.url,
      public: links.public,
    };
    // One after the other: a machine of two cores brings six video pages up more reliably than all at once.
    for (const [who, url] of Object.entries(urls)) {
      const p = await videoParticipant(browser, url, { width: who === 'm04' ? 360 : 1100 });
      pages[who] = p.page;
      contexts[who] = p.context;
      await whenStatus(p.page, 'online', 240_000).catch(async () => {
        throw new Error(`${who} not online: ${await p.page.evaluate(() => document.documentElement.dataset.status)}`);
      });
      console.log(`video test: ${who} online`);
    }
    await order('session.open', {});
    await order('item.current', { item: 'top3' });
  }, 600_000);

  it('VID-1 chair, three members, the room device and the public hold a session with video and vote in the same page', async () => {
    await Promise.all(PUBLISHERS.map((p) => whenVideo(pages[p]!)));
    await whenVideo(pages.public!);
    // Every publisher's picture and sound arrive at every other publisher.
    for (const at of PUBLISHERS) {
      const others = PUBLISHERS.filter((p) => p !== at);
      await rising(pages[at]!, others, 'video', 'frames');
      await rising(pages[at]!, others, 'audio');
    }
    // A vote, cast in the page that shows the video.
    for (const m of MEMBERS) await pages[m]!.getByRole('button', { name: /Anwesend melden/ }).first().click();
    await until(() => MEMBERS.every((m) => chairLaptop.replica.state.attendance[m]), 'members checked in', 60_000);
    await order('vote.open', { vote: 'v1', item: 'top3', title: 'Radverkehrskonzept Innenstadt: Beschluss', mode: 'open' });
    for (const m of MEMBERS) await pages[m]!.locator('[data-choice=yes]').click({ timeout: 60_000 });
    await until(() => chairLaptop.replica.state.votes.find((v) => v.id === 'v1')?.ballots.length === 3, 'three ballots', 60_000);
    for (const m of MEMBERS) await expect.poll(() => pages[m]!.locator('[data-video-status]').first().getAttribute('data-video-status')).toBe('connected');
    await rising(pages.m02!, 'm03', 'video', 'frames');
    // Every publisher caps the upload of its picture (web/video/bitrate.ts), as read back from its own sender.
    for (const p of PUBLISHERS) {
      const caps = await pages[p]!.evaluate(() =>
        (window as unknown as { __rr: { pcs: RTCPeerConnection[] } }).__rr.pcs
          .filter((pc) => pc.connectionState !== 'closed')
          .flatMap((pc) => pc.getSenders().filter((x) => x.track?.kind === 'video'))
          .flatMap((x) => x.getParameters().encodings.map((e) => e.maxBitrate)),
      );
      expect(caps, p).toEqual([VIDEO_MAX_BITRATE]);
    }
  }, 300_000);

  it('HYB-1 the room device is one participant named as the room', async () => {
    for (const p of receiversOf(ROOM.person)) {
      const tile = p.locator(`.video-tile[data-person="${ROOM.person}"]`);
      await expect.poll(() => tile.count(), { timeout: 60_000 }).toBe(1);
      expect(await tile.getAttribute('data-room')).toBe('true');
      expect(await tile.locator('.video-label').textContent()).toContain('Sitzungssaal');
      await expect.poll(() => p.locator(`.video-who li[data-person="${ROOM.person}"]`).count(), { timeout: 60_000 }).toBe(1);
    }
    await rising(pages.m02!, ROOM.person, 'video', 'frames');
    await rising(pages.m02!, ROOM.person, 'audio', 'energy');
  }, 300_000);

  it("VID-4 the floor holder's frames are decoded and audio received at every member and the public viewer", async () => {
    const pub = pages.public!;
    // The public stream carries the room while nobody has the floor: the room switches off, so what comes next is the speaker's.
    const room = pages[ROOM.person]!;
    await room.locator('button.video-mic').click();
    await room.locator('button.video-cam').click();
    await flat(pub, null, 'audio');
    await flat(pub, null, 'video');
    await order('floor.give', { person: 'm02' });
    for (const p of [...receiversOf('m02'), pub]) {
      await rising(p, p === pub ? null : 'm02', 'video', 'frames');
      await rising(p, p === pub ? null : 'm02', 'audio', 'energy');
    }
    await expect.poll(() => pub.locator('.video-speaker').textContent(), { timeout: 60_000 }).toContain('Peter Hoffmann');
    // The relay's `streams` message relabels the public stream's tile: it shows the speaker, not the room any more.
    await expect.poll(() => pub.locator('.video-tile').getAttribute('data-person'), { timeout: 60_000 }).toBe('m02');
  }, 300_000);

  it('VID-2 withdrawing the floor silences the speaker at every receiver, giving it again brings the sound back', async () => {
    await order('floor.end', {});
    await Promise.all(receiversOf('m02').map((p) => flat(p, 'm02', 'audio')));
    await order('floor.give', { person: 'm02' });
    await Promise.all(receiversOf('m02').map((p) => rising(p, 'm02', 'audio')));
    await order('floor.end', {});
    await pages[ROOM.person]!.locator('button.video-mic').click();
    await pages[ROOM.person]!.locator('button.video-cam').click();
  }, 300_000);

  it("VID-2 VID-4 a mute order stops the member's sound at every receiver, holds against the member's own switch, and lifts", async () => {
    const m03 = pages.m03!;
    await Promise.all(receiversOf('m03').map((p) => rising(p, 'm03', 'audio')));
    await order('media.order', { person: 'm03', media: 'audio', on: false });
    await Promise.all(receiversOf('m03').map((p) => flat(p, 'm03', 'audio')));
    const mic = m03.locator('button.video-mic');
    await expect.poll(() => mic.textContent(), { timeout: 60_000 }).toBe('Vom Vorsitz stummgeschaltet');
    expect(await mic.isDisabled()).toBe(true);
    // The ordered device itself sends no sound either.
    const before = await sent(m03, 'audio');
    await new Promise((r) => setTimeout(r, 2500));
    expect(await sent(m03, 'audio')).toBe(before);
    await order('media.order', { person: 'm03', media: 'audio', on: true });
    await Promise.all(receiversOf('m03').map((p) => rising(p, 'm03', 'audio')));
    expect(await mic.isDisabled()).toBe(false);
    // Without an order the member's own switch decides: off and on again.
    await mic.click();
    expect(await mic.getAttribute('aria-pressed')).toBe('false');
    await flat(pages.m02!, 'm03', 'audio');
    await mic.click();
    await rising(pages.m02!, 'm03', 'audio');
  }, 300_000);

  it("VID-2 a stop order stops the member's picture at every receiver and lifts", async () => {
    await order('media.order', { person: 'm03', media: 'video', on: false });
    await Promise.all(receiversOf('m03').map((p) => flat(p, 'm03', 'video')));
    await expect.poll(() => pages.m03!.locator('button.video-cam').textContent(), { timeout: 60_000 }).toBe('Bild vom Vorsitz abgeschaltet');
    await order('media.order', { person: 'm03', media: 'video', on: true });
    await Promise.all(receiversOf('m03').map((p) => rising(p, 'm03', 'video', 'frames')));
  }, 300_000);

  it('VID-2 an order signed by a non-chair device is rejected by the fold and media keeps flowing', async () => {
    const forger = await nodeDevice('m05');
    const e = await forger.replica.create('media.order', { person: 'm02', media: 'video', on: false });
    await until(() => chairLaptop.replica.state.rejected.some((r) => r.entry === e.id) || forger.errors.some((x) => x.includes(e.id.slice(0, 8)) || /role/.test(x)), 'the forged order refused', 60_000);
    expect(chairLaptop.replica.state.room.muted.m02?.video).toBeUndefined();
    // Not carried out: m02's picture keeps arriving everywhere, over more than one stats window.
    for (let i = 0; i < 2; i++) await Promise.all(receiversOf('m02').map((p) => rising(p, 'm02', 'video', 'packets')));
  }, 300_000);

  it('VID-2 an order issued while the ordered device was offline holds when it reconnects', async () => {
    await contexts.m04!.setOffline(true);
    await order('media.order', { person: 'm04', media: 'video', on: false });
    await contexts.m04!.setOffline(false);
    await whenStatus(pages.m04!, 'online', 30_000);
    await whenVideo(pages.m04!);
    await expect.poll(() => pages.m04!.locator('button.video-cam').textContent(), { timeout: 60_000 }).toBe('Bild vom Vorsitz abgeschaltet');
    await Promise.all(receiversOf('m04').map((p) => rising(p, 'm04', 'audio'))); // back in the room …
    await Promise.all(receiversOf('m04').map((p) => flat(p, 'm04', 'video'))); // … without a picture
    await order('media.order', { person: 'm04', media: 'video', on: true });
    await Promise.all(receiversOf('m04').map((p) => rising(p, 'm04', 'video', 'frames')));
  }, 300_000);

  it("VID-2 a removed member's media stop at every receiver and the rejoin is refused by the relay; readmitted, they are back", async () => {
    await order('participant.remove', { person: 'm04', scope: 'session', reason: 'Störung der Sitzung' });
    await Promise.all(receiversOf('m04').map((p) => Promise.all([flat(p, 'm04', 'audio'), flat(p, 'm04', 'video')])));
    await expect.poll(() => pages.m04!.getByText('Sie sind vom Vorsitz entfernt').count(), { timeout: 60_000 }).toBe(1);
    // The attacker's way back: a fresh ticket of the removed device on a raw socket.
    const m04 = await nodeDevice('m04');
    const refused = await rawVideo(await m04.client.videoTicket());
    expect(refused.frames.map((f) => f.t)).not.toContain('ready');
    expect(refused.code).toBe(VIDEO_CLOSE.removed);
    await order('participant.readmit', { person: 'm04' });
    await whenVideo(pages.m04!);
    await Promise.all(receiversOf('m04').map((p) => rising(p, 'm04', 'audio')));
  }, 300_000);

  it('VID-2 a locked room lets nobody new in, those inside keep their media; unlocked, the newcomer may join', async () => {
    await order('room.lock', { locked: true });
    const m05 = await nodeDevice('m05');
    const refused = await rawVideo(await m05.client.videoTicket());
    expect(refused.frames.map((f) => f.t)).not.toContain('ready');
    expect(refused.code).toBe(VIDEO_CLOSE.locked);
    // The chair speaks on (m02 lost the sound with the floor earlier): those inside keep their media.
    await Promise.all(receiversOf('m01').map((p) => rising(p, 'm01', 'audio')));
    await order('room.lock', { locked: false });
    const admitted = await rawVideo(await m05.client.videoTicket());
    expect(admitted.frames.map((f) => f.t)).toContain('ready');
  }, 300_000);

  it('AV-2 the chair sees a degraded mark for a member whose connection is throttled', async () => {
    const who = pages.m03!.locator('.video-who li[data-person="m03"]');
    await expect.poll(() => pages.m01!.locator('.video-who li[data-person="m03"]').getAttribute('data-quality'), { timeout: 60_000 }).toBe('good');
    expect(await who.count()).toBe(1);
    // m03's own UDP ports, throttled to 48 kbit/s on the namespace's loopback (where the veth address is routed).
    const ports = await pages.m03!.evaluate(async () => {
      const w = window as unknown as { __rr: { pcs: RTCPeerConnection[] } };
      const out: number[] = [];
      for (const pc of w.__rr.pcs)
        if (pc.connectionState !== 'closed')
          (await pc.getStats()).forEach((r: Record<string, unknown>) => r.type === 'local-candidate' && r.protocol === 'udp' && out.push(Number(r.port)));
      return out;
    });
    expect(ports.length).toBeGreaterThan(0);
    const tc = (...a: string[]) => execFileSync('tc', a, { stdio: 'pipe' });
    tc('qdisc', 'add', 'dev', 'lo', 'root', 'handle', '1:', 'htb', 'default', '10');
    stops.push(() => tc('qdisc', 'del', 'dev', 'lo', 'root'));
    tc('class', 'add', 'dev', 'lo', 'parent', '1:', 'classid', '1:10', 'htb', 'rate', '10gbit');
    tc('class', 'add', 'dev', 'lo', 'parent', '1:', 'classid', '1:20', 'htb', 'rate', '48kbit', 'ceil', '48kbit');
    for (const port of ports) tc('filter', 'add', 'dev', 'lo', 'parent', '1:', 'protocol', 'ip', 'prio', '1', 'u32', 'match', 'ip', 'protocol', '17', '0xff', 'match', 'ip', 'dport', String(port), '0xffff', 'flowid', '1:20');
    await expect.poll(() => pages.m01!.locator('.video-who li[data-person="m03"]').getAttribute('data-quality'), { timeout: 40_000, interval: 1000 }).toMatch(/^(fair|poor|lost)$/);
    tc('qdisc', 'del', 'dev', 'lo', 'root');
    stops.pop();
    await expect.poll(() => pages.m01!.locator('.video-who li[data-person="m03"]').getAttribute('data-quality'), { timeout: 40_000, interval: 1000 }).toBe('good');
  }, 300_000);

  it('DS-3 every view shows a running recording', async () => {
    if (!chairLaptop.replica.state.room.recording.allowed) {
      const admin = await nodeDevice('verwaltung');
      await admin.replica.create('legal.recording', { allowed: true, storage: 'Server der Stadt Musterstadt', retentionDays: 30 });
      await until(() => chairLaptop.replica.state.room.recording.allowed, 'recording allowed', 60_000);
    }
    await order('recording.start', {});
    for (const p of Object.values(pages)) await expect.poll(() => p.getByText(/Aufzeichnung läuft/).count(), { timeout: 60_000 }).toBeGreaterThan(0);
    await order('recording.stop', {});
    for (const p of Object.values(pages)) await expect.poll(() => p.getByText(/Aufzeichnung läuft/).count(), { timeout: 60_000 }).toBe(0);
  }, 300_000);

  it("VID-3 every view, the public's included, shows the connected members and their state; a member's drop shows", async () => {
    const views = Object.values(pages);
    for (const p of views)
      for (const person of PUBLISHERS) {
        const li = p.locator(`.video-who li[data-person="${person}"]`);
        await expect.poll(() => li.getAttribute('data-connected'), { timeout: 60_000 }).toBe('true');
        expect(await li.getAttribute('data-video')).toBe('true');
      }
    // m03 switches the picture off: every view says so.
    await pages.m03!.locator('button.video-cam').click();
    for (const p of views) await expect.poll(() => p.locator('.video-who li[data-person="m03"]').getAttribute('data-video'), { timeout: 60_000 }).toBe('false');
    // m03's line drops.
    await contexts.m03!.close();
    delete pages.m03;
    for (const p of Object.values(pages))
      await expect.poll(async () => {
        const li = p.locator('.video-who li[data-person="m03"]');
        return (await li.count()) === 0 ? 'gone' : await li.getAttribute('data-connected');
      }, { timeout: 60_000 }).toMatch(/^(gone|false)$/);
  }, 300_000);
});
