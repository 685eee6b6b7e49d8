/**
 * Helpers of the SFU tests (test/relay/video-*.test.ts): a relay with its own Janus inside the test network
 * namespace, members' Node devices with their /sync login, raw /video sockets that record every frame, and
 * a hand-made SDP offer (Opus + VP8) that Janus answers like a browser's: no media flows, which is all the
 * signalling, ACL and moderation promises need.
 */
import { randomBytes } from 'node:crypto';
import WebSocket from 'ws';
import type { VideoServerMessage } from '../../core/video-wire.js';
import type { RelayOptions } from '../../relay/server.js';
import { JanusClient } from '../../relay/video/janus-api.js';
import { cleanup, demoRelay, device, type NodeDevice, until } from '../helpers/relay.js';

/** `video`: options of the relay's video side over the default (its own Janus, no TURN). */
export async function sfuRelay(video: NonNullable<RelayOptions['video']> = { turn: false }) {
  const r = await demoRelay({ relay: { video, quiet: !process.env.RR_DEBUG } });
  const devices: NodeDevice[] = [];
  const sockets: VideoSocket[] = [];
  return {
    ...r,
    videoUrl: `${r.relay.url.replace('http', 'ws')}/video`,
    async member(person: string | null): Promise<NodeDevice> {
      const d = await device(r.demo, person, [r.wsUrl]);
      devices.push(d);
      // A loaded machine (browser tests next door) resyncs the demo meeting slowly: wait generously.
      await until(() => d.client.status === 'online', `${person ?? 'public'} online`, 60_000).catch((e) => {
        throw new Error(`${(e as Error).message}: ${d.statuses.join(',')} ${d.errors.join('; ')}`);
      });
      return d;
    },
    async socket(d: NodeDevice | string): Promise<VideoSocket> {
      const s = await videoSocket(`${r.relay.url.replace('http', 'ws')}/video`, typeof d === 'string' ? d : await d.client.videoTicket());
      sockets.push(s);
      return s;
    },
    async close() {
      for (const s of sockets) s.ws.terminate();
      for (const d of devices) d.client.stop();
      await r.relay.close();
      cleanup(r.dataDir);
    },
  };
}

export type VideoSocket = Awaited<ReturnType<typeof videoSocket>>;

/** A /video socket by hand; says hello with `ticket` unless it is empty. */
export async function videoSocket(url: string, ticket: string) {
  const ws = new WebSocket(url);
  const got: VideoServerMessage[] = [];
  let closed: number | undefined;
  ws.on('message', (d) => got.push(JSON.parse(String(d)) as VideoServerMessage));
  ws.on('close', (code) => (closed = code));
  await new Promise((ok, fail) => {
    ws.once('open', ok);
    ws.once('error', fail);
  });
  const of = <T extends VideoServerMessage['t']>(t: T) => got.filter((m): m is Extract<VideoServerMessage, { t: T }> => m.t === t);
  const s = {
    ws,
    got,
    of,
    closeCode: () => closed,
    send: (m: unknown) => ws.send(typeof m === 'string' ? m : JSON.stringify(m)),
    /** Waits for the first frame of kind `t` after `from` frames (or a close). */
    async next<T extends VideoServerMessage['t']>(t: T, from = 0, what = t): Promise<Extract<VideoServerMessage, { t: T }> | undefined> {
      await until(() => got.slice(from).some((m) => m.t === t) || closed !== undefined, what, 45_000);
      return got.slice(from).find((m): m is Extract<VideoServerMessage, { t: T }> => m.t === t);
    },
    /** Sends `m` and waits for the answer of kind `t` (or an error, or the close). */
    async ask<T extends VideoServerMessage['t']>(m: unknown, t: T): Promise<Extract<VideoServerMessage, { t: T }> | Extract<VideoServerMessage, { t: 'error' }> | undefined> {
      const from = got.length;
      s.send(m);
      await until(() => got.slice(from).some((x) => x.t === t || x.t === 'error') || closed !== undefined, `${t} answer`, 45_000);
      return got.slice(from).find((x): x is Extract<VideoServerMessage, { t: T | 'error' }> => x.t === t || x.t === 'error') as never;
    },
    closed: () => until(() => closed !== undefined, 'socket closed', 45_000).then(() => closed),
  };
  if (ticket) {
    s.send({ t: 'hello', ticket });
    await until(() => got.some((m) => m.t === 'ready' || m.t === 'error') || closed !== undefined, 'ready', 30_000);
  }
  return s;
}

const fp = () => [...randomBytes(32)].map((b) => b.toString(16).padStart(2, '0').toUpperCase()).join(':');

/** An SDP offer as a browser sends to publish sound and picture (sendonly, bundled, rtcp-mux). */
export function offerSdp(): string {
  const ufrag = randomBytes(4).toString('hex');
  const pwd = randomBytes(12).toString('hex');
  const finger = fp();
  const common = (mid: string) => [
    'c=IN IP4 0.0.0.0',
    'a=rtcp:9 IN IP4 0.0.0.0',
    `a=ice-ufrag:${ufrag}`,
    `a=ice-pwd:${pwd}`,
    'a=ice-options:trickle',
    `a=fingerprint:sha-256 ${finger}`,
    'a=setup:actpass',
    `a=mid:${mid}`,
    'a=sendonly',
    `a=msid:stream track${mid}`,
    'a=rtcp-mux',
  ];
  return [
    'v=0',
    `o=- ${Date.now()} 2 IN IP4 127.0.0.1`,
    's=-',
    't=0 0',
    'a=group:BUNDLE 0 1',
    'a=msid-semantic: WMS stream',
    'm=audio 9 UDP/TLS/RTP/SAVPF 111',
    ...common('0'),
    'a=rtpmap:111 opus/48000/2',
    'a=fmtp:111 minptime=10;useinbandfec=1',
    'a=ssrc:11111111 cname:rr',
    'm=video 9 UDP/TLS/RTP/SAVPF 96',
    ...common('1'),
    'a=rtpmap:96 VP8/90000',
    'a=rtcp-fb:96 nack',
    'a=rtcp-fb:96 nack pli',
    'a=ssrc:22222222 cname:rr',
    '',
  ].join('\r\n');
}

export const publish = (s: VideoSocket) => s.ask({ t: 'publish', jsep: { type: 'offer', sdp: offerSdp() }, audio: true, video: true }, 'published');

/** A Janus API client of our own against the relay's Janus: the attacker's or the auditor's view. */
export async function janusDirect(relay: { video: { janus(): { wsUrl: string } | undefined } }): Promise<JanusClient> {
  return JanusClient.connect(relay.video.janus()!.wsUrl);
}

/** RTP (RFC 3550 5.1) with a tiny payload: Janus forwards it without decoding. */
function rtp(pt: number, seq: number, ts: number, ssrc: number, payload: Uint8Array): Buffer {
  const b = Buffer.alloc(12 + payload.length);
  b[0] = 0x80;
  b[1] = pt & 0x7f;
  b.writeUInt16BE(seq & 0xffff, 2);
  b.writeUInt32BE(ts >>> 0, 4);
  b.writeUInt32BE(ssrc >>> 0, 8);
  b.set(payload, 12);
  return b;
}

const OPUS_SILENCE = Uint8Array.from([0xf8, 0xff, 0xfe]);
// VP8 payload descriptor (RFC 7741 4.2, S=1 PID 0) and a key frame's first bytes (RFC 6386 9.1): enough for Janus to see a keyframe.
const VP8_KEY = Uint8Array.from([0x10, 0x50, 0x01, 0x00, 0x9d, 0x01, 0x2a, 0x40, 0x01, 0xf0, 0x00]);

/**
 * A real WebRTC publisher (node-datachannel) over a /video socket from `open`: sends Opus and VP8 packets every
 * 20 ms / 66 ms, each ending in `tag`. On a loaded machine libdatachannel now and then closes its own ICE transport
 * before Janus' answer arrives and then refuses the answer ("Got a remote candidate without ICE transport"), on a
 * well-formed SDP. The publisher in production is the browser, so only this stand-in retries: Janus takes one
 * publish per handle, hence a fresh socket each time. `sock` is the socket that published.
 */
export async function rtcPublisher(open: () => Promise<VideoSocket>, tag = 0) {
  for (let attempt = 1; ; attempt++) {
    const s = await open();
    try {
      return await publishOnce(s, tag);
    } catch (e) {
      if (attempt === 3 || !/libdatachannel error while adding remote description/.test((e as Error).message)) throw e;
      console.warn(`publisher: attempt ${attempt} refused by libdatachannel (${(e as Error).message}), again on a fresh socket`);
      s.send({ t: 'leave' });
      await s.closed();
    }
  }
}

async function publishOnce(s: VideoSocket, tag: number) {
  const ndc = await import('node-datachannel');
  const pc = new ndc.PeerConnection('pub', { iceServers: [] });
  const a = new ndc.Audio('0', 'SendOnly');
  a.addOpusCodec(111);
  a.addSSRC(0x1111, 'rr', 'stream', 'a');
  const v = new ndc.Video('1', 'SendOnly');
  v.addVP8Codec(96);
  v.addSSRC(0x2222, 'rr', 'stream', 'v');
  const at = pc.addTrack(a);
  const vt = pc.addTrack(v);
  const gathered = new Promise<void>((ok) => pc.onGatheringStateChange((g) => g === 'complete' && ok()));
  pc.setLocalDescription();
  await gathered;
  // Janus may trickle a candidate before its answer arrives: libdatachannel refuses a candidate before the remote description.
  let early: [string, string][] | undefined = [];
  s.ws.on('message', (d) => {
    const m = JSON.parse(String(d)) as VideoServerMessage;
    if (m.t !== 'trickle' || m.pc !== 'pub' || !m.candidate) return;
    if (early) early.push([m.candidate.candidate, m.candidate.sdpMid ?? '0']);
    else pc.addRemoteCandidate(m.candidate.candidate, m.candidate.sdpMid ?? '0');
  });
  const answer = await s.ask({ t: 'publish', jsep: { type: 'offer', sdp: pc.localDescription()!.sdp }, audio: true, video: true }, 'published');
  if (!answer || answer.t !== 'published') throw new Error(`publish refused: ${JSON.stringify(answer)}`);
  try {
    pc.setRemoteDescription(answer.jsep.sdp, 'answer' as never);
  } catch (e) {
    pc.close();
    throw e;
  }
  for (const [c, mid] of early.splice(0)) pc.addRemoteCandidate(c, mid);
  early = undefined;
  let seq = 0;
  const t0 = Date.now();
  const audio = setInterval(() => at.isOpen() && at.sendMessageBinary(rtp(111, seq++, (Date.now() - t0) * 48, 0x1111, Uint8Array.from([...OPUS_SILENCE, tag]))), 20);
  let vseq = 0;
  const video = setInterval(() => vt.isOpen() && vt.sendMessageBinary(rtp(96, vseq++, (Date.now() - t0) * 90, 0x2222, Uint8Array.from([...VP8_KEY, tag]))), 66);
  return {
    pc,
    sock: s,
    /** From now on every packet ends in `n` (a receiver then tells packets sent before from those sent after). */
    setTag: (n: number) => void (tag = n),
    connected: () => until(() => pc.state() === 'connected', 'publisher connected', 45_000),
    close() {
      clearInterval(audio);
      clearInterval(video);
      pc.close();
    },
  };
}

/** A real WebRTC receiver of a `subscribe` (or `watch`) offer: counts RTP packets per mid. */
export async function rtcReceiver(s: VideoSocket, ask: 'subscribe' | 'watch', onPacket?: (mid: string, tag: number) => void) {
  const ndc = await import('node-datachannel');
  const packets: Record<string, number> = {};
  let pc: InstanceType<typeof ndc.PeerConnection> | undefined;
  let offers = 0;
  let streams: { mid: string; person: string; kind: string }[] = [];
  const tags: Record<string, number> = {};
  // Later offers (feeds added or gone) renegotiate the same connection, as a browser does.
  const take = (sdp: string) => {
    if (pc) return pc.setRemoteDescription(sdp, 'offer' as never);
    const p = new ndc.PeerConnection('sub', { iceServers: [] });
    pc = p;
    p.onTrack((t) => {
      t.setMediaHandler(new ndc.RtcpReceivingSession());
      t.onMessage((m) => {
        const pt = m.length >= 12 ? m[1]! & 0x7f : -1;
        if (pt < 0 || (pt >= 64 && pt <= 95)) return; // RTCP (PT 200-206), not media
        packets[t.mid()] = (packets[t.mid()] ?? 0) + 1;
        tags[t.mid()] = m[m.length - 1]!;
        onPacket?.(t.mid(), m[m.length - 1]!);
      });
    });
    p.onLocalDescription((sdp2, type) => String(type).toLowerCase() === 'answer' && s.send({ t: 'answer', jsep: { type: 'answer', sdp: sdp2 } }));
    p.setRemoteDescription(sdp, 'offer' as never);
  };
  s.ws.on('message', (d) => {
    const m = JSON.parse(String(d)) as VideoServerMessage;
    if (m.t === 'trickle' && m.pc === 'sub' && m.candidate) pc?.addRemoteCandidate(m.candidate.candidate, m.candidate.sdpMid ?? '0');
    if (m.t === 'offer') {
      streams = m.streams;
      offers++;
      take(m.jsep.sdp);
    }
  });
  s.send({ t: ask });
  await until(() => offers > 0 || s.closeCode() !== undefined, `${ask} offer`, 45_000);
  return {
    packets,
    offers: () => offers,
    /** The mid that carries `person`'s sound or picture, by the latest offer's `streams`. */
    mid(person: string, kind: 'audio' | 'video'): string {
      const x = streams.find((m) => m.person === person && m.kind === kind);
      if (!x) throw new Error(`no ${kind} of ${person} in ${JSON.stringify(streams)}`);
      return x.mid;
    },
    count: (mid: string) => packets[mid] ?? 0,
    /** The last byte of the latest packet of `mid`: the publisher's tag. */
    tag: (mid: string) => tags[mid],
    /** Waits until packets of `mid` rise by some (media flows). */
    async flowing(mid: string, what: string) {
      const before = packets[mid] ?? 0;
      await until(() => (packets[mid] ?? 0) > before + 5, what, 45_000);
    },
    close: () => pc?.close(),
  };
}

/** Waits until a packet count stays flat over a window (media stopped), polling; throws if it never does. */
export async function flat(count: () => number, what: string): Promise<void> {
  const end = Date.now() + 30_000;
  for (;;) {
    const before = count();
    await new Promise((r) => setTimeout(r, 700));
    if (count() === before) return;
    if (Date.now() > end) throw new Error(`still flowing: ${what}`);
  }
}

/** `until` with a bound for a machine shared with browser tests (the SFU tests wait for events, never assert times). */
export const waitFor = (cond: () => boolean | Promise<boolean>, what: string, ms = 45_000): Promise<void> => until(cond, what, ms);
