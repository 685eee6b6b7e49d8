/**
 * DIS-5: the peer transport (docs/PROTOCOL.md, "Peer transport"). Devices of a meeting hold WebRTC data
 * channels to a few others (a ring with chords over the device keys the relay lists as present), signalled
 * over whatever relay connection works (primary or backup: SyncClient.signal). Over each channel runs the
 * sync protocol (peer-session.ts); what one device learns from a relay or a peer it passes on to its other
 * peers, so the meeting keeps one log when no relay is reachable. Channels once open need no relay.
 * Works with the browser's RTCPeerConnection and with node-datachannel's polyfill in Node.
 */
import { toHex } from '../../crypto/bytes.js';
import type { Signer } from '../../crypto/ed25519.js';
import { PEER_LABEL } from '../../core/peer-wire.js';
import type { Replica } from '../../core/replica.js';
import { encodeControl, type ServerMessage, type SignedBeacon } from '../../core/wire.js';
import { BeaconGate } from './beacon-gate.js';
import { type Link, PeerSession } from './peer-session.js';

/** What the mesh needs of a relay connection: send a signal, hear presence and signals. */
export interface Signaller {
  signal(to: string, data: string): boolean;
  /** Whether a signal can go out now (logged in at a relay). */
  readonly signalling: boolean;
  /** The devices the relay last listed as connected. */
  readonly presence: readonly { device: string }[];
  watch(fn: (m: ServerMessage) => void): () => void;
}

interface ChannelLike {
  binaryType: string;
  readyState: string;
  label: string;
  send(data: Uint8Array): void;
  close(): void;
  onopen: ((ev: unknown) => void) | null;
  onclose: ((ev: unknown) => void) | null;
  onmessage: ((ev: { data: unknown }) => void) | null;
}
interface PeerConnectionLike {
  connectionState: string;
  createDataChannel(label: string, o?: { ordered?: boolean }): ChannelLike;
  createOffer(): Promise<{ type: string; sdp?: string }>;
  createAnswer(): Promise<{ type: string; sdp?: string }>;
  setLocalDescription(d: { type: string; sdp?: string }): Promise<void>;
  setRemoteDescription(d: { type: string; sdp?: string }): Promise<void>;
  addIceCandidate(c: { candidate: string; sdpMid?: string | null }): Promise<void>;
  readonly localDescription: { type: string; sdp?: string } | null;
  close(): void;
  onicecandidate: ((ev: { candidate: { candidate: string; sdpMid?: string | null } | null }) => void) | null;
  ondatachannel: ((ev: { channel: ChannelLike }) => void) | null;
  onconnectionstatechange: ((ev: unknown) => void) | null;
}
export type PeerConnectionCtor = new (config: { iceServers?: { urls: string | string[]; username?: string; credential?: string }[] }) => PeerConnectionLike;

/** A link whose channel has not opened and synced by then is given up and tried anew (PeerMeshOptions.setupMs). */
const SETUP_MS = 40_000;
/** A device asks the same peer to offer at most this often (presence arrives up to four times a second). */
const ASK_MS = 10_000;

/** `id` names the link attempt (the offerer's choice): an answer or candidate of an earlier attempt is not taken for the current one. */
type Signal = { t: 'want' } | { t: 'offer'; id: string; sdp: string } | { t: 'answer'; id: string; sdp: string } | { t: 'ice'; id: string; candidate: string; mid: string | null };
const LINK_ID = /^[0-9a-f]{16}$/;

export interface PeerMeshOptions {
  replica: Replica;
  signer: Signer;
  signallers: Signaller[];
  RTCPeerConnection?: PeerConnectionCtor;
  iceServers?: { urls: string | string[]; username?: string; credential?: string }[];
  /** Links this device accepts at most (the ring with chords asks for about six). */
  maxLinks?: number;
  beaconMs?: number;
  /** A link not synced by then is given up and planned anew (default 40 s). */
  setupMs?: number;
  /** Coalesces pushes to peers (ms): one frame for the entries of a burst. */
  flushMs?: number;
  log?: (m: string) => void;
}

interface PeerLink {
  pc: PeerConnectionLike;
  /** The attempt's id (offer, answer and candidates carry it). */
  id: string;
  /** The relay connection it is signalled over. */
  via: Signaller;
  since: number;
  session?: PeerSession;
  remoteSet: boolean;
  candidates: { candidate: string; mid: string | null }[];
  /** Our own candidates wait until our offer or answer has gone out: the peer cannot place them before. */
  described: boolean;
  outbox: Signal[];
}

/** The ring of keys with this device on it, and the offsets of its links: the next, the next but sqrt(n), the opposite one. */
function ring(me: string, present: readonly string[]): { keys: string[]; i: number; offsets: number[] } {
  const keys = [...new Set([...present, me])].sort();
  const n = keys.length;
  return { keys, i: keys.indexOf(me), offsets: [1, Math.floor(Math.sqrt(n)), Math.floor(n / 2)].filter((o) => o > 0 && o < n) };
}

/** Which peers a device links to: the next, the next but sqrt(n) and the opposite one on the ring of keys. */
export function targets(me: string, present: readonly string[]): string[] {
  const { keys, i, offsets } = ring(me, present);
  return [...new Set(offsets.map((o) => keys[(i + o) % keys.length]!))].filter((k) => k !== me);
}

/** The peers the ring links this device with, both ways: its targets and those whose targets name it. */
export function neighbours(me: string, present: readonly string[]): Set<string> {
  const { keys, i, offsets } = ring(me, present);
  const n = keys.length;
  return new Set(offsets.flatMap((o) => [keys[(i + o) % n]!, keys[(i - o + n) % n]!]).filter((k) => k !== me));
}

function asLink(ch: ChannelLike): Link {
  ch.binaryType = 'arraybuffer';
  const link: Link = {
    send: (f) => {
      try {
        if (ch.readyState === 'open') ch.send(f);
      } catch {
        ch.close(); // closed under our feet: onclose ends the session
      }
    },
    close: () => ch.close(),
    onmessage: null,
    onclose: null,
  };
  ch.onmessage = (ev) => {
    const d = ev.data instanceof ArrayBuffer ? new Uint8Array(ev.data) : ev.data instanceof Uint8Array ? ev.data : new Uint8Array(0);
    link.onmessage?.(d);
  };
  ch.onclose = () => link.onclose?.();
  return link;
}

/** One beacon to several links, encoded once. */
function sendBeacon(b: SignedBeacon, to: PeerSession[]): void {
  const frame = encodeControl({ t: 'beacon', beacon: b });
  for (const s of to) s.beacon(b, frame);
}

export class PeerMesh {
  private readonly links = new Map<string, PeerLink>();
  private readonly me: string;
  private readonly unsubscribe: (() => void)[] = [];
  private flushTimer: ReturnType<typeof setTimeout> | undefined;
  private beaconTimer: ReturnType<typeof setInterval> | undefined;
  private readonly forwarded = new Map<string, number>(); // author + scope -> newest `at` passed on
  private readonly asked = new Map<string, number>(); // peer -> when we last sent it `want`
  private stopped = true;
  private readonly beacons: BeaconGate;

  constructor(private readonly o: PeerMeshOptions) {
    this.me = toHex(o.signer.publicKey);
    this.beacons = new BeaconGate(o.beaconMs ?? 5000);
  }

  /** Sessions whose peer has checked our login and sent its frontier. */
  get ready(): PeerSession[] {
    return [...this.links.values()].flatMap((l) => (l.session?.synced && !l.session.closed ? [l.session] : []));
  }

  /** The browser says its network is gone: its data channels are gone with it (no waiting for ICE to notice). */
  private readonly onOffline = () => {
    for (const peer of [...this.links.keys()]) this.drop(peer, 'the device went offline');
    this.asked.clear();
    this.offline = true;
  };
  private readonly onOnline = () => {
    this.offline = false;
  };
  private offline = false;

  start(): void {
    if (!this.stopped) return;
    this.stopped = false;
    globalThis.addEventListener?.('offline', this.onOffline);
    globalThis.addEventListener?.('online', this.onOnline);
    for (const s of this.o.signallers) this.unsubscribe.push(s.watch((m) => this.onMessage(s, m)));
    this.unsubscribe.push(
      this.o.replica.onLogChange(() => {
        this.beacons.logChanged();
        this.scheduleFlush();
      }),
    );
    this.beaconTimer = setInterval(() => {
      this.replan();
      void this.beat();
    }, this.o.beaconMs ?? 5000);
  }

  stop(): void {
    this.stopped = true;
    globalThis.removeEventListener?.('offline', this.onOffline);
    globalThis.removeEventListener?.('online', this.onOnline);
    for (const u of this.unsubscribe.splice(0)) u();
    clearTimeout(this.flushTimer);
    this.flushTimer = undefined; // else a flush pending at the stop would keep every later one from being scheduled
    clearInterval(this.beaconTimer);
    for (const peer of [...this.links.keys()]) this.drop(peer, 'stopped');
    this.asked.clear();
  }

  private onMessage(via: Signaller, m: ServerMessage): void {
    if (this.stopped || this.offline) return;
    if (m.t === 'welcome') this.dropSetups(via);
    else if (m.t === 'presence') this.plan(via, m.devices);
    else if (m.t === 'signal') void this.onSignal(via, m.from, m.data).catch((e) => this.o.log?.(`peers: signal from ${m.from.slice(0, 8)} failed: ${(e as Error).message}`));
  }

  /**
   * A new login at a relay (another one, or the same again): signals of links still in setup went over the
   * connection before, and an answer or candidate on its way to us there is lost with it. They are ended, so
   * the plan offers (or asks) anew over this login at once instead of after `setupMs`. A `want` sent there may
   * be lost as well, so it may be asked again at once.
   */
  private dropSetups(via: Signaller): void {
    for (const [peer, l] of [...this.links]) if (l.via === via && !l.session?.synced) this.drop(peer, 'signalled over a relay connection that ended');
    this.asked.clear();
  }

  /** The peers whose link is still being set up (not synced yet). */
  get settingUp(): string[] {
    return [...this.links].flatMap(([peer, l]) => (l.session?.synced ? [] : [peer]));
  }

  /** The devices of `present` this device may link to. */
  private known(present: readonly { device: string }[]): string[] {
    return present.map((p) => p.device).filter((d) => d !== this.me && this.o.replica.directory.get(d) !== undefined && this.o.replica.directory.get(d)?.revoked === undefined);
  }

  /**
   * Links to the ring's targets. A link the ring no longer asks for (presence moved the ring) stays until its
   * room is needed for one it asks for (room()): ended at once, the mesh could be cut in two at the moment the
   * last relay goes, when no new link can be signalled any more. For the same reason nothing is planned while
   * the signaller is not logged in at a relay.
   */
  private plan(via: Signaller, present: readonly { device: string }[] = via.presence): void {
    // Without a relay no new link can be signalled: making room would only end links that still carry the log.
    if (!via.signalling) return;
    const known = this.known(present);
    for (const peer of targets(this.me, known)) {
      if (this.links.has(peer) || !this.room(peer, known)) continue;
      if (this.me < peer) void this.offer(via, peer).catch((e) => this.drop(peer, `offer failed: ${(e as Error).message}`));
      else if (Date.now() - (this.asked.get(peer) ?? 0) >= ASK_MS) {
        this.asked.set(peer, Date.now());
        this.send(via, peer, { t: 'want' });
      }
    }
  }

  /** Whether a link to `peer` fits; at the limit, for a peer the ring asks for, a link it does not ask for makes room (one in setup first, else the oldest). */
  private room(peer: string, known: readonly string[]): boolean {
    if (this.links.size < (this.o.maxLinks ?? 10)) return true;
    const keep = neighbours(this.me, known);
    if (!keep.has(peer)) return false;
    const spare = [...this.links].filter(([peer]) => !keep.has(peer)).sort(([, a], [, b]) => Number(!!a.session?.synced) - Number(!!b.session?.synced) || a.since - b.since)[0];
    if (spare) this.drop(spare[0], 'room for a link the ring asks for');
    return spare !== undefined;
  }

  private send(via: Signaller, to: string, s: Signal): boolean {
    return via.signal(to, JSON.stringify(s));
  }

  private describe(via: Signaller, peer: string, link: PeerLink, s: Signal): boolean {
    const sent = this.send(via, peer, s);
    link.described = true;
    for (const c of link.outbox.splice(0)) this.send(via, peer, c);
    return sent;
  }

  private newLink(via: Signaller, peer: string, id: string): PeerLink {
    const Ctor = this.o.RTCPeerConnection ?? (globalThis as unknown as { RTCPeerConnection: PeerConnectionCtor }).RTCPeerConnection;
    const pc = new Ctor({ iceServers: this.o.iceServers ?? [] });
    const link: PeerLink = { pc, id, via, since: Date.now(), remoteSet: false, candidates: [], described: false, outbox: [] };
    this.links.set(peer, link);
    pc.onicecandidate = (ev) => {
      if (!ev.candidate?.candidate) return;
      const s: Signal = { t: 'ice', id, candidate: ev.candidate.candidate, mid: ev.candidate.sdpMid ?? null };
      if (link.described) this.send(via, peer, s);
      else link.outbox.push(s);
    };
    pc.onconnectionstatechange = () => {
      if (pc.connectionState === 'failed' || pc.connectionState === 'closed') this.drop(peer, `connection ${pc.connectionState}`, link);
    };
    return link;
  }

  private async offer(via: Signaller, peer: string): Promise<void> {
    const link = this.newLink(via, peer, toHex(globalThis.crypto.getRandomValues(new Uint8Array(8))));
    this.attach(peer, link, link.pc.createDataChannel(PEER_LABEL, { ordered: true }));
    await link.pc.setLocalDescription(await link.pc.createOffer());
    if (!this.describe(via, peer, link, { t: 'offer', id: link.id, sdp: link.pc.localDescription!.sdp! })) this.drop(peer, 'no relay to signal through');
  }

  private async onSignal(via: Signaller, from: string, data: string): Promise<void> {
    const cert = this.o.replica.directory.get(from);
    if (!cert || cert.revoked !== undefined) return; // no channel to a device this device cannot check
    let s: Signal;
    try {
      s = JSON.parse(data) as Signal;
    } catch {
      return;
    }
    if (s.t !== 'want' && !LINK_ID.test(String(s.id))) return;
    const link = this.links.get(from);
    const current = link && s.t !== 'want' && link.id === s.id ? link : undefined;
    switch (s.t) {
      case 'want':
        if (this.me > from) return;
        // The peer asks only when it holds no link to us (at most every ASK_MS): one we still hold, synced or in setup, is dead on its side.
        if (link) this.drop(from, 'the peer asks anew');
        if (this.room(from, this.known(via.presence))) await this.offer(via, from);
        return;
      case 'offer': {
        if (typeof s.sdp !== 'string' || this.me < from) return; // the smaller key offers: no glare
        if (link) this.drop(from, 'the peer starts anew');
        if (!this.room(from, this.known(via.presence))) return;
        const fresh = this.newLink(via, from, s.id);
        fresh.pc.ondatachannel = (ev) => {
          if (ev.channel.label === PEER_LABEL) this.attach(from, fresh, ev.channel);
          else ev.channel.close();
        };
        await fresh.pc.setRemoteDescription({ type: 'offer', sdp: s.sdp });
        await this.remoteSet(fresh);
        await fresh.pc.setLocalDescription(await fresh.pc.createAnswer());
        this.describe(via, from, fresh, { t: 'answer', id: s.id, sdp: fresh.pc.localDescription!.sdp! });
        return;
      }
      case 'answer':
        if (!current || current.remoteSet || typeof s.sdp !== 'string') return;
        await current.pc.setRemoteDescription({ type: 'answer', sdp: s.sdp });
        await this.remoteSet(current);
        return;
      case 'ice':
        if (!current || typeof s.candidate !== 'string') return;
        if (current.remoteSet) await current.pc.addIceCandidate({ candidate: s.candidate, sdpMid: s.mid });
        else current.candidates.push({ candidate: s.candidate, mid: s.mid });
        return;
    }
  }

  private async remoteSet(link: PeerLink): Promise<void> {
    link.remoteSet = true;
    for (const c of link.candidates.splice(0)) await link.pc.addIceCandidate({ candidate: c.candidate, sdpMid: c.mid }).catch(() => {});
  }

  private attach(peer: string, link: PeerLink, ch: ChannelLike): void {
    const open = () => {
      if (this.links.get(peer) !== link || link.session) return;
      link.session = new PeerSession({
        replica: this.o.replica,
        signer: this.o.signer,
        peer,
        link: asLink(ch),
        onBeacon: (b, from) => this.forward(b, from),
        onReady: (s) => void this.sendOwn([s]),
        onClose: (_, why) => this.drop(peer, why, link),
      });
    };
    if (ch.readyState === 'open') open();
    else ch.onopen = open;
  }

  /** Ends the link to `peer`; with `only`, just that link: a late event of a replaced link must not end its successor. */
  private drop(peer: string, why: string, only?: PeerLink): void {
    const link = this.links.get(peer);
    if (!link || (only && link !== only)) return;
    this.links.delete(peer);
    this.o.log?.(`peers: link to ${peer.slice(0, 8)} ended (${why})`);
    link.session?.close(why);
    try {
      link.pc.close();
    } catch {
      /* already closed */
    }
  }

  private scheduleFlush(): void {
    this.flushTimer ??= setTimeout(() => {
      this.flushTimer = undefined;
      for (const s of this.ready) s.flush();
    }, this.o.flushMs ?? 25);
  }

  /** Links that did not open in time are given up; then the plan is made again from the latest presence. */
  private replan(): void {
    if (this.offline) return;
    const now = Date.now();
    for (const [peer, l] of [...this.links]) if (!l.session?.synced && now - l.since > (this.o.setupMs ?? SETUP_MS)) this.drop(peer, 'did not open in time');
    for (const via of this.o.signallers) this.plan(via);
  }

  /**
   * Our own signed heads to every peer: on the first beat after the log changed, else every second beat (so a
   * device is heard from within the UI's 15 s window). A new link gets them when it is ready.
   */
  private async beat(): Promise<void> {
    if (this.ready.length > 0 && this.beacons.due(Date.now())) await this.sendOwn(this.ready);
  }

  private async sendOwn(to: PeerSession[]): Promise<void> {
    try {
      for (const b of await this.o.replica.makeBeacons()) sendBeacon(b, to);
    } catch {
      /* read-only replica: nothing to say */
    }
  }

  /** Only the chair's signed heads travel further than one hop (the silent-chair check needs them everywhere). */
  private forward(b: SignedBeacon, from: PeerSession): void {
    if (!this.o.replica.isChairHeads(b)) return;
    const key = `${b.author} ${Object.keys(b.frontier).sort().join(',')}`;
    if ((this.forwarded.get(key) ?? -1) >= b.at) return;
    this.forwarded.set(key, b.at);
    sendBeacon(b, this.ready.filter((s) => s !== from));
  }
}
