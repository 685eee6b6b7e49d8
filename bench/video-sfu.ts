/**
 * bench/video-sfu: the relay's own Janus with one real speaker (Chromium, fake camera and microphone, VP8 and
 * Opus) and 0 / 20 / 50 / 90 receivers (node-datachannel, each a /video `subscribe` of a member's ticket).
 * Run inside a network namespace (bench/run.ts does: scripts/netns.mjs).
 *
 * Figures, each against a baseline of the same run:
 * - SFU CPU (Janus process, /proc utime+stime) per receiver, against the speaker-only baseline;
 * - the speaker's upload (outbound-rtp bytes), against the goal of 1.5 Mbit/s;
 * - order → effect: a chair's signed `media.order` (mute, then release) until the speaker's sound stops
 *   (last packet) or returns (first packet) at 5 receivers, against the same Janus `moderate` sent directly;
 * - speaker switch: a signed `floor.give` until the public viewer (Chromium, `watch`) decodes a new key frame,
 *   against the same switch made directly on Janus (rtp_forward + key frame request).
 */
import { readFileSync } from 'node:fs';
import type { Page } from 'playwright-core';
import { demoLinks } from '../relay/demo.js';
import { launchVideo, sent, videoParticipant } from '../test/helpers/video.js';
import { DIST } from '../test/helpers/browser.js';
import { cleanup, demoRelay, device, type NodeDevice, online, until } from '../test/helpers/relay.js';
import { rtcReceiver, videoSocket } from '../test/relay/video-sfu.helpers.js';

const SIZES = (process.env.RECEIVERS ?? '20,50,90').split(',').map(Number);
const ROUNDS = Number(process.env.ROUNDS ?? 12);
const WINDOW_MS = 8000;
const TICKS = 100; // USER_HZ

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const cpuTicks = (pid: number) => {
  const f = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]!.split(' ');
  return Number(f[11]) + Number(f[12]); // utime, stime
};
const pct = (xs: number[], p: number) => {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.ceil((p / 100) * s.length) - 1)]!;
};
const ms = (x: number) => `${x.toFixed(0)} ms`;
async function untilAsync(cond: () => Promise<boolean>, what: string, timeout: number): Promise<void> {
  for (const end = Date.now() + timeout; !(await cond()); await sleep(20)) if (Date.now() > end) throw new Error(`timed out waiting for: ${what}`);
}

async function bytesSent(page: Page): Promise<number> {
  return page.evaluate(async () => {
    const w = window as unknown as { __rr: { pcs: RTCPeerConnection[] } };
    let n = 0;
    for (const pc of w.__rr.pcs) if (pc.connectionState !== 'closed') (await pc.getStats()).forEach((r: Record<string, unknown>) => r.type === 'outbound-rtp' && (n += Number(r.bytesSent ?? 0)));
    return n;
  });
}

async function keyFrames(page: Page): Promise<number> {
  return page.evaluate(async () => {
    const w = window as unknown as { __rr: { pcs: RTCPeerConnection[] } };
    let n = 0;
    for (const pc of w.__rr.pcs) if (pc.connectionState !== 'closed') (await pc.getStats()).forEach((r: Record<string, unknown>) => r.type === 'inbound-rtp' && r.kind === 'video' && (n += Number(r.keyFramesDecoded ?? 0)));
    return n;
  });
}

const site = await demoRelay({ staticDir: DIST, relay: { quiet: true, video: { iceInterface: process.env.RATSRAUM_ICE_INTERFACE, turn: false } } });
const r = {
  ...site,
  async member(person: string): Promise<NodeDevice> {
    const d = await device(site.demo, person, [site.wsUrl]);
    await online(d);
    return d;
  },
  socket: async (d: NodeDevice) => videoSocket(site.wsUrl.replace(/\/sync$/, '/video'), await d.client.videoTicket()),
  async close() {
    await site.relay.close();
    cleanup(site.dataDir);
  },
};
const links = await demoLinks(r.demo, r.relay.url);
const browser = await launchVideo();
try {
  const pid = r.relay.video.status().pid!;
  const chair = await r.member('m01');
  const people = ['m04', 'm05', 'm06', 'm07', 'm08', 'm09', 'm10', 'm11', 'm12', 'm13', 'm14', 'm15', 'b1', 'b2'];
  const devices: NodeDevice[] = [];
  for (const p of people) devices.push(await r.member(p));
  const speakers: Page[] = [];
  for (const who of ['Peter Hoffmann', 'Maria Becker']) {
    const { page } = await videoParticipant(browser, links.members.find((m) => m.name === who)!.url);
    speakers.push(page);
  }
  for (const page of speakers) await untilAsync(async () => (await sent(page, 'video')) > 50, 'speaker sends', 90_000);
  await chair.replica.create('session.open', {});
  await chair.replica.create('floor.give', { person: 'm02' });

  // SFU CPU and upload, by number of receivers.
  const receivers: Awaited<ReturnType<typeof rtcReceiver>>[] = [];
  const measure = async () => {
    const t0 = cpuTicks(pid);
    const b0 = await bytesSent(speakers[0]!);
    const start = Date.now();
    await sleep(WINDOW_MS);
    const secs = (Date.now() - start) / 1000;
    return { cpu: (cpuTicks(pid) - t0) / TICKS / secs, upKbps: ((await bytesSent(speakers[0]!)) - b0) * 8 / 1000 / secs };
  };
  const base = await measure();
  console.log('video-sfu: one speaker (Chromium, VP8+Opus), receivers are node-datachannel subscribers');
  console.log(`  baseline (speaker only): Janus ${(base.cpu * 100).toFixed(1)} % of one core, speaker upload ${base.upKbps.toFixed(0)} kbit/s (goal ≤ 1500: ${(base.upKbps / 1500).toFixed(2)}× of it)`);
  for (const n of SIZES) {
    while (receivers.length < n) {
      const d = devices[receivers.length % devices.length]!;
      const rx = await rtcReceiver(await r.socket(d), 'subscribe');
      receivers.push(rx);
    }
    await until(() => receivers.every((x) => { try { return x.count(x.mid('m02', 'audio')) > 0; } catch { return false; } }), `${n} receivers get sound`, 120_000);
    const m = await measure();
    const per = (m.cpu - base.cpu) / n;
    console.log(`  ${String(n).padStart(3)} receivers: Janus ${(m.cpu * 100).toFixed(1)} % of one core (${(m.cpu / base.cpu).toFixed(1)}× baseline), ${(per * 100).toFixed(2)} % per receiver; speaker upload ${m.upKbps.toFixed(0)} kbit/s (${(m.upKbps / base.upKbps).toFixed(2)}× baseline)`);
  }
  for (const x of receivers.slice(5)) x.close();
  const watchers = receivers.slice(0, 5);

  // Order → effect at 5 receivers: signed entry through relay and fold, against Janus' moderate sent directly.
  const meeting = r.relay.video.meeting(r.demo.tenant, r.demo.meeting);
  const speakerConn = async () => [...(await meeting).conns].find((c) => c.ticket.person === 'm02' && c.participant.pubId)!;
  const effect = async (order: () => Promise<unknown>, mute: boolean) => {
    const mids = watchers.map((x) => x.mid('m02', 'audio'));
    const before = watchers.map((x, i) => x.count(mids[i]!));
    const t0 = performance.now();
    await order();
    const seen: number[] = watchers.map(() => NaN);
    const last = watchers.map((x, i) => x.count(mids[i]!));
    let lastAt = watchers.map(() => t0);
    for (const end = t0 + 10_000; performance.now() < end && seen.some(Number.isNaN); ) {
      await sleep(5);
      const now = performance.now();
      watchers.forEach((x, i) => {
        const c = x.count(mids[i]!);
        if (mute) {
          if (c !== last[i]) lastAt[i] = now; // still arriving
          else if (now - lastAt[i]! > 200 && Number.isNaN(seen[i]!)) seen[i] = lastAt[i]! - t0; // flat for 200 ms: stopped at the last arrival
        } else if (c > before[i]! && Number.isNaN(seen[i]!)) seen[i] = now - t0;
        last[i] = c;
      });
    }
    lastAt = [];
    return seen.filter((x) => !Number.isNaN(x)).map((x) => Math.max(0, x));
  };
  const signed: number[] = [];
  const direct: number[] = [];
  for (let i = 0; i < ROUNDS; i++) {
    signed.push(...(await effect(() => chair.replica.create('media.order', { person: 'm02', media: 'audio', on: false }), true)));
    signed.push(...(await effect(() => chair.replica.create('media.order', { person: 'm02', media: 'audio', on: true }), false)));
    const c = await speakerConn();
    const room = (await meeting).room!;
    direct.push(...(await effect(() => room.moderate(c.participant.pubId!, c.participant.mids.audio!, true), true)));
    direct.push(...(await effect(() => room.moderate(c.participant.pubId!, c.participant.mids.audio!, false), false)));
  }
  console.log(`  order → effect at 5 receivers (${signed.length} samples): signed entry p50 ${ms(pct(signed, 50))}, p99 ${ms(pct(signed, 99))}; direct Janus moderate p50 ${ms(pct(direct, 50))}, p99 ${ms(pct(direct, 99))}; ratio p99 ${(pct(signed, 99) / Math.max(1, pct(direct, 99))).toFixed(2)}× (goal p99 ≤ 100 ms)`);

  // Speaker switch → new key frame decoded at the public viewer.
  const { page: viewer } = await videoParticipant(browser, links.public);
  await untilAsync(async () => (await keyFrames(viewer)) > 0, 'public viewer decodes', 90_000);
  const switchOnce = async (f: () => Promise<unknown>) => {
    const k0 = await keyFrames(viewer);
    const t0 = performance.now();
    await f();
    await untilAsync(async () => (await keyFrames(viewer)) > k0, 'new key frame at the public viewer', 20_000);
    return performance.now() - t0;
  };
  const sw: number[] = [];
  const swDirect: number[] = [];
  let to = 'm03';
  for (let i = 0; i < Math.min(ROUNDS, 8); i++) {
    sw.push(await switchOnce(() => chair.replica.create('floor.give', { person: to })));
    to = to === 'm03' ? 'm02' : 'm03';
    await sleep(1500);
  }
  for (let i = 0; i < Math.min(ROUNDS, 8); i++) {
    const m = await meeting;
    const holder = m.room!.forward?.publisher;
    const next = [...m.conns].find((c) => c.participant.pubId && c.participant.pubId !== holder && (c.ticket.person === 'm02' || c.ticket.person === 'm03'))!;
    swDirect.push(await switchOnce(async () => {
      await m.room!.forwardFrom(next.participant.pubId, next.participant.mids);
      await next.participant.keyframe();
    }));
    await sleep(1500);
  }
  console.log(`  speaker switch → first key frame at the public viewer (${sw.length} samples): signed floor.give p50 ${ms(pct(sw, 50))}, p99 ${ms(pct(sw, 99))}; direct rtp_forward + key frame p50 ${ms(pct(swDirect, 50))}, p99 ${ms(pct(swDirect, 99))}; ratio p99 ${(pct(sw, 99) / Math.max(1, pct(swDirect, 99))).toFixed(2)}× (goal ≤ 300 ms)`);
  for (const x of watchers) x.close();
} finally {
  await browser.close();
  await r.close();
}
process.exit(0);
