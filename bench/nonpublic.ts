/**
 * bench/nonpublic: one relay with its own Janus, one speaker (node-datachannel publisher, Opus every 20 ms and
 * VP8 every 66 ms) holding the floor, PUBLIC public state clients (plain WebSockets, `public` login) and MEDIA of
 * them also watching the public Streaming mountpoint (node-datachannel receivers), plus the demo's members as
 * logged-in protocol clients. Run inside a network namespace (bench/run.ts does: scripts/netns.mjs).
 *
 * Figures, each as a ratio against a baseline of the same run:
 * - cut: from the chair's signed non-public marker (`item.current {nonPublic}`, created on the chair's device)
 *   to the last RTP packet each public media receiver gets (p50/p99 over receivers and rounds), against the
 *   same with a single receiver, and against one video frame interval (66 ms);
 * - state latency: from the chair's entry (`room.lock` toggled) to its frame at each public client, p99, against
 *   the members' p99 in the same rounds.
 */
import WebSocket from 'ws';
import { fromHex } from '../crypto/bytes.js';
import { signerFromSeed } from '../crypto/ed25519.js';
import type { Envelope } from '../crypto/envelope.js';
import { encodeControl, type ServerMessage } from '../core/wire.js';
import { cleanup, demoRelay, device, type NodeDevice, online, rawClient, until } from '../test/helpers/relay.js';
import { rtcPublisher, rtcReceiver, videoSocket } from '../test/relay/video-sfu.helpers.js';

const PUBLIC = Number(process.env.PUBLIC ?? 1000);
const MEDIA = Number(process.env.MEDIA ?? 100);
const ROUNDS = Number(process.env.ROUNDS ?? 10);
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const pct = (xs: number[], p: number) => {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.ceil((p / 100) * s.length) - 1)]!;
};
const ms = (x: number) => `${x.toFixed(0)} ms`;
const progress = (m: string) => console.error(`nonpublic: ${m}`);

const site = await demoRelay({ hub: { limits: { perAddress: PUBLIC + 200 } }, relay: { quiet: true, video: { iceInterface: process.env.RATSRAUM_ICE_INTERFACE, turn: false } } });
const videoUrl = site.wsUrl.replace(/\/sync$/, '/video');
const { tenant, meeting } = site.demo;
const closers: (() => void)[] = [];
try {
  const member = async (person: string): Promise<NodeDevice> => {
    const d = await device(site.demo, person, [site.wsUrl]);
    await online(d);
    closers.push(() => d.client.stop());
    return d;
  };
  const chair = await member('m01');
  const speaker = await member('m05');
  await chair.replica.create('session.open', {});
  const pub = await rtcPublisher(async () => videoSocket(videoUrl, await speaker.client.videoTicket()), 5);
  closers.push(() => pub.close());
  await pub.connected();
  await chair.replica.create('floor.give', { person: 'm05' });

  // State clients: the public, and the members (raw protocol clients, so both sides measure the same thing).
  const publics: Awaited<ReturnType<typeof rawClient>>[] = [];
  for (let i = 0; i < PUBLIC; i += 50) {
    const batch = await Promise.all(Array.from({ length: Math.min(50, PUBLIC - i) }, () => rawClient(site.wsUrl, { tenant, meeting, public: true })));
    for (const c of batch) {
      c.ws.send(encodeControl({ t: 'sync', frontier: {} }));
      publics.push(c);
      closers.push(() => c.ws.terminate());
    }
  }
  progress(`${publics.length} public clients connected`);
  const members: Awaited<ReturnType<typeof rawClient>>[] = [];
  for (const d of site.demo.devices.filter((x) => x.roles.includes('member') && !['m01', 'm05'].includes(x.person))) {
    const c = await rawClient(site.wsUrl, { tenant, meeting, login: await signerFromSeed(fromHex(d.seed, 32)) });
    c.ws.send(encodeControl({ t: 'sync', frontier: {} }));
    members.push(c);
    closers.push(() => c.ws.terminate());
  }
  // Media receivers: a public /video ticket per public state client, a `watch` on each.
  const last: number[] = Array.from({ length: MEDIA }, () => 0);
  const receivers: Awaited<ReturnType<typeof rtcReceiver>>[] = [];
  for (let i = 0; i < MEDIA; i++) {
    const c = publics[i]!;
    const from = c.got.length;
    c.ws.send(encodeControl({ t: 'video' }));
    await until(() => c.got.slice(from).some((m) => m.t === 'video'), 'a video ticket', 30_000);
    const ticket = (c.got.slice(from).find((m) => m.t === 'video') as Extract<ServerMessage, { t: 'video' }> & { ticket: string }).ticket;
    const rx = await rtcReceiver(await videoSocket(videoUrl, ticket), 'watch', () => (last[i] = performance.now()));
    receivers.push(rx);
    closers.push(() => rx.close());
  }
  progress(`${receivers.length} receivers watching`);
  await until(() => receivers.every((x) => x.count('v') > 0), `${MEDIA} receivers get the picture`, 300_000);
  progress('every receiver gets the picture');

  /** When each client's socket received a frame carrying the entry (its signature bytes). */
  const arrivals = (clients: { ws: WebSocket }[], e: Envelope): Promise<number[]> => {
    const needle = Buffer.from(e.wire.subarray(e.wire.length - 64));
    return Promise.all(clients.map((c) => new Promise<number>((ok) => {
      const on = (d: Buffer) => {
        if (!Buffer.from(d).includes(needle)) return;
        c.ws.off('message', on);
        ok(performance.now());
      };
      c.ws.on('message', on);
    })));
  };
  /** Waits until no receiver got a packet for 1 s; the per-receiver last-packet times are then final. */
  const settled = async () => {
    for (;;) {
      await sleep(250);
      if (performance.now() - Math.max(...last) > 1000) return;
    }
  };

  const cutAll: number[] = [];
  const cutOne: number[] = [];
  const stPublic: number[] = [];
  const stMembers: number[] = [];
  let locked = false;
  for (let round = 0; round < ROUNDS; round++) {
    // State latency: an entry of the chair that Janus need not carry out first.
    locked = !locked;
    const t0 = performance.now();
    const pending = chair.replica.create('room.lock', { locked });
    const e = await pending;
    const [p, m] = await Promise.all([arrivals(publics, e), arrivals(members, e)]);
    stPublic.push(...p.map((x) => x - t0));
    stMembers.push(...m.map((x) => x - t0));
    // The cut: the marker, then the members' item, as the chair's device writes them.
    await until(() => receivers.every((x) => performance.now() - last[receivers.indexOf(x)]! < 500), 'every receiver has the picture', 60_000);
    const c0 = performance.now();
    await chair.replica.create('item.current', { item: null, nonPublic: true, no: '6' });
    await chair.replica.create('item.current', { item: 'n1' }, 'members');
    await settled();
    cutAll.push(...last.map((x) => Math.max(0, x - c0)));
    cutOne.push(Math.max(0, last[0]! - c0));
    await chair.replica.create('item.current', { item: 'top5' });
    await until(() => last.every((x) => x > c0 + 1000), 'the public picture back', 60_000);
    progress(`round ${round + 1} of ${ROUNDS}`);
  }

  const frame = 66;
  console.log(`nonpublic: ${PUBLIC} public state clients (plain WebSocket), ${MEDIA} of them also Streaming receivers (node-datachannel), ${members.length} member clients; ${ROUNDS} rounds`);
  console.log(`  cut (marker → last public RTP packet), ${MEDIA} receivers: p50 ${ms(pct(cutAll, 50))}, p99 ${ms(pct(cutAll, 99))}; 1 receiver (baseline) p50 ${ms(pct(cutOne, 50))}, p99 ${ms(pct(cutOne, 99))}: ${(pct(cutAll, 99) / Math.max(1, pct(cutOne, 99))).toFixed(2)}× at p99; ${(pct(cutAll, 99) / frame).toFixed(1)}× one video frame interval (${frame} ms)`);
  console.log(`  state latency (chair's entry → frame at the client): public p50 ${ms(pct(stPublic, 50))}, p99 ${ms(pct(stPublic, 99))}; members (baseline) p50 ${ms(pct(stMembers, 50))}, p99 ${ms(pct(stMembers, 99))}: public/members ${(pct(stPublic, 99) / Math.max(1, pct(stMembers, 99))).toFixed(2)}× at p99`);
} finally {
  for (const f of closers) f();
  await site.relay.close();
  cleanup(site.dataDir);
}
process.exit(0);
