/**
 * Several relays behind one address (docs/PROTOCOL.md, "Several relays"): what one relay's hub does for its
 * own connections reaches the connections of the same meeting on every other relay, over a bus
 * (relay/bus.ts). Envelopes stored, beacons, presence, signalling, certificates pushed and connections cut
 * travel as bus messages; the shared store stays the truth: every relay walks the new rows of each meeting
 * it serves every `pollMs` and hands on what neither its own ingest nor the bus brought (a lost message,
 * a relay that died between storing and publishing). Envelopes from the bus are checked against the
 * channel's tenant and meeting and sorted by their own `doc`, never by what the message claims (SEC-4, PUB-5).
 */
import { randomBytes, toHex, fromUtf8, utf8 } from '../../crypto/bytes.js';
import type { Cert } from '../../crypto/cert.js';
import { decode, type Envelope } from '../../crypto/envelope.js';
import type { SignedBeacon } from '../../core/wire.js';
import type { Bus } from '../bus.js';
import type { Store } from '../store.js';

/** What the cluster needs of its relay's hub. */
export interface Local {
  readonly store: Pick<Store, 'page'>;
  log(m: string): void;
  /** Envelopes another relay stored: caches, hooks (the SFU carries out orders), quotas; settles when the fan-out may go. */
  storedElsewhere(tenant: string, meeting: string, envs: Envelope[]): Promise<void>;
  /** Hands envelopes of one doc to this relay's connections of the room that may read it. */
  deliverHere(key: string, doc: string, envs: Envelope[]): void;
  beaconHere(key: string, b: SignedBeacon): void;
  signalHere(key: string, to: string, from: string, data: string): boolean;
  presenceChanged(key: string): void;
  pushCertsHere(tenant: string, certs: Cert[]): void;
  dropDeviceHere(tenant: string, device: string): void;
  dropPublicAccessHere(tenant: string, meeting: string, hash: string): void;
}

export interface PresenceEntry {
  device: string;
  person: string;
}

/** A room's side of presence: what this relay has connected, and what the others say they have. */
export interface SharedPresence {
  mine(devices: PresenceEntry[]): void;
  others(): PresenceEntry[];
}

export interface ClusterOptions {
  /** How often each served meeting's new rows are walked in the store (ms). */
  pollMs?: number;
  /** How often a relay repeats its presence per meeting; another relay's is dropped after three missed (ms). */
  presenceBeatMs?: number;
}

type Header =
  | { t: 'envelopes' }
  | { t: 'beacon'; beacon: SignedBeacon }
  | { t: 'presence'; devices: PresenceEntry[] }
  | { t: 'who' }
  | { t: 'signal'; to: string; sender: string; data: string }
  | { t: 'certs'; tenant: string; certs: Cert[] }
  | { t: 'drop-device'; tenant: string; device: string }
  | { t: 'drop-access'; tenant: string; meeting: string; hash: string };

const PREFIX = 'ratsraum:';
export const TENANTS_CHANNEL = `${PREFIX}tenants`;
/** One channel per meeting: `ratsraum:m:` tenant LF meeting (tenant ids hold no LF). */
export const meetingChannel = (key: string): string => `${PREFIX}m:${key}`;

/**
 * message := u32 (big-endian) length of header, header (UTF-8 JSON {from, t, …}), body
 * body    := for t = envelopes: u32 count, then count * (u32 length, wire); else empty
 */
export function encodeMessage(from: string, h: Header, wires: readonly Uint8Array[] = []): Uint8Array {
  const head = utf8(JSON.stringify({ from, ...h }));
  const size = 4 + head.length + (h.t === 'envelopes' ? 4 + wires.reduce((s, w) => s + 4 + w.length, 0) : 0);
  const out = new Uint8Array(size);
  const view = new DataView(out.buffer);
  view.setUint32(0, head.length);
  out.set(head, 4);
  let at = 4 + head.length;
  if (h.t !== 'envelopes') return out;
  view.setUint32(at, wires.length);
  at += 4;
  for (const w of wires) {
    view.setUint32(at, w.length);
    out.set(w, at + 4);
    at += 4 + w.length;
  }
  return out;
}

export function decodeMessage(m: Uint8Array): { from: string; header: Header; wires: Uint8Array[] } {
  const view = new DataView(m.buffer, m.byteOffset, m.byteLength);
  const len = view.getUint32(0);
  const { from, ...header } = JSON.parse(fromUtf8(m.subarray(4, 4 + len))) as Header & { from: string };
  const wires: Uint8Array[] = [];
  if (header.t === 'envelopes') {
    let at = 4 + len;
    const n = view.getUint32(at);
    at += 4;
    for (let i = 0; i < n; i++) {
      const l = view.getUint32(at);
      if (at + 4 + l > m.length) throw new RangeError('bus message: wire runs past the end');
      wires.push(m.subarray(at + 4, at + 4 + l));
      at += 4 + l;
    }
  }
  return { from, header: header as Header, wires };
}

const PAGE = 256;
/** Ids handed on recently (by ingest, bus or walk), so none goes out twice; kept this long (ms). */
const SEEN_MS = 60_000;

interface Share {
  /** Store position up to which the meeting's rows were walked; undefined until known. */
  mark: number | undefined;
  walking: boolean;
  seen: Map<string, number>;
  mine: string;
  others: Map<string, { devices: PresenceEntry[]; at: number }>;
}

/** The highest store position of a meeting, by bisection over `page` (positions only grow). */
export async function lastPosition(store: Pick<Store, 'page'>, tenant: string, meeting: string): Promise<number> {
  const first = (await store.page(tenant, meeting, 0, 1))[0];
  if (!first) return 0;
  // A row at lo; none after hi.
  let lo = first.n;
  let hi = Infinity;
  for (let step = 64; lo < hi; ) {
    const probe = hi === Infinity ? lo + step : Math.floor((lo + hi) / 2);
    const row = (await store.page(tenant, meeting, probe, 1))[0];
    if (row) lo = row.n;
    else hi = probe;
    step *= 2;
  }
  return lo;
}

export class Cluster {
  /** This relay on the bus (not its login id, which every relay behind the address shares). */
  readonly id = toHex(randomBytes(8));
  private readonly shares = new Map<string, Share>();
  private readonly timer: ReturnType<typeof setInterval>;
  private readonly beatMs: number;
  private lastBeat = 0;

  constructor(
    private readonly local: Local,
    private readonly bus: Bus,
    o: ClusterOptions = {},
  ) {
    this.beatMs = o.presenceBeatMs ?? 5000;
    bus.subscribe(TENANTS_CHANNEL, (m) => this.receive(undefined, m));
    this.timer = setInterval(() => void this.tick(), o.pollMs ?? 1000);
    this.timer.unref?.();
  }

  /** A room of this relay opened: follow its meeting. The returned presence goes to the room. */
  opened(key: string): SharedPresence {
    const share: Share = { mark: undefined, walking: false, seen: new Map(), mine: '[]', others: new Map() };
    this.shares.set(key, share);
    this.bus.subscribe(meetingChannel(key), (m) => this.receive(key, m));
    this.send(key, { t: 'who' });
    const [tenant, meeting] = split(key);
    lastPosition(this.local.store, tenant, meeting).then(
      (n) => void (share.mark ??= n),
      (e: Error) => this.local.log(`relay: cluster: reading the store of ${meeting} failed: ${e.message}`),
    );
    const cluster = this;
    return {
      mine(devices) {
        const json = JSON.stringify(devices);
        if (json === share.mine) return;
        share.mine = json;
        cluster.send(key, { t: 'presence', devices });
      },
      others() {
        return [...share.others.values()].flatMap((o) => o.devices);
      },
    };
  }

  closed(key: string): void {
    if (!this.shares.delete(key)) return;
    this.send(key, { t: 'presence', devices: [] });
    this.bus.unsubscribe(meetingChannel(key));
  }

  /** Envelopes this relay stored (and handed to its own connections). */
  stored(key: string, envs: Envelope[]): void {
    const share = this.shares.get(key);
    const now = Date.now();
    if (share) for (const e of envs) share.seen.set(e.id, now);
    this.send(key, { t: 'envelopes' }, envs.map((e) => e.wire));
  }

  beacon(key: string, b: SignedBeacon): void {
    this.send(key, { t: 'beacon', beacon: b });
  }

  /** A signal for a device that another relay says it has connected; false when none does. */
  signal(key: string, to: string, sender: string, data: string): boolean {
    const share = this.shares.get(key);
    if (!share || ![...share.others.values()].some((o) => o.devices.some((d) => d.device === to))) return false;
    this.send(key, { t: 'signal', to, sender, data });
    return true;
  }

  certs(tenant: string, certs: Cert[]): void {
    this.bus.publish(TENANTS_CHANNEL, encodeMessage(this.id, { t: 'certs', tenant, certs }));
  }

  dropDevice(tenant: string, device: string): void {
    this.bus.publish(TENANTS_CHANNEL, encodeMessage(this.id, { t: 'drop-device', tenant, device }));
  }

  dropPublicAccess(tenant: string, meeting: string, hash: string): void {
    this.bus.publish(TENANTS_CHANNEL, encodeMessage(this.id, { t: 'drop-access', tenant, meeting, hash }));
  }

  close(): void {
    clearInterval(this.timer);
    for (const key of [...this.shares.keys()]) this.closed(key);
    this.bus.unsubscribe(TENANTS_CHANNEL);
  }

  private send(key: string, h: Header, wires?: readonly Uint8Array[]): void {
    this.bus.publish(meetingChannel(key), encodeMessage(this.id, h, wires));
  }

  private receive(key: string | undefined, raw: Uint8Array): void {
    let m;
    try {
      m = decodeMessage(raw);
    } catch (e) {
      return this.local.log(`relay: cluster: unreadable bus message: ${(e as Error).message}`);
    }
    if (m.from === this.id) return;
    const h = m.header;
    if (key === undefined) {
      if (h.t === 'certs') this.local.pushCertsHere(h.tenant, h.certs);
      else if (h.t === 'drop-device') this.local.dropDeviceHere(h.tenant, h.device);
      else if (h.t === 'drop-access') this.local.dropPublicAccessHere(h.tenant, h.meeting, h.hash);
      return;
    }
    const share = this.shares.get(key);
    if (!share) return;
    switch (h.t) {
      case 'envelopes':
        return void this.arrive(key, share, m.wires);
      case 'beacon':
        return this.local.beaconHere(key, h.beacon);
      case 'who':
        return this.send(key, { t: 'presence', devices: JSON.parse(share.mine) as PresenceEntry[] });
      case 'presence': {
        const before = JSON.stringify(share.others.get(m.from)?.devices ?? []);
        if (h.devices.length === 0) share.others.delete(m.from);
        else share.others.set(m.from, { devices: h.devices, at: Date.now() });
        if (JSON.stringify(h.devices) !== before) this.local.presenceChanged(key);
        return;
      }
      case 'signal':
        this.local.signalHere(key, h.to, h.sender, h.data);
        return;
    }
  }

  /** Envelopes from the bus or the store walk: those of this room's meeting not handed on yet. */
  private async arrive(key: string, share: Share, wires: Uint8Array[]): Promise<void> {
    const [tenant, meeting] = split(key);
    const now = Date.now();
    const fresh: Envelope[] = [];
    for (const w of wires) {
      let env: Envelope;
      try {
        env = decode(w);
      } catch {
        continue;
      }
      if (env.tenant !== tenant || env.meeting !== meeting || share.seen.has(env.id)) continue;
      share.seen.set(env.id, now);
      fresh.push(env);
    }
    if (fresh.length === 0) return;
    await this.local.storedElsewhere(tenant, meeting, fresh);
    const byDoc = new Map<string, Envelope[]>();
    for (const e of fresh) byDoc.set(e.doc, [...(byDoc.get(e.doc) ?? []), e]);
    for (const [doc, list] of byDoc) this.local.deliverHere(key, doc, list);
  }

  private async tick(): Promise<void> {
    const now = Date.now();
    const beat = now - this.lastBeat >= this.beatMs;
    if (beat) this.lastBeat = now;
    for (const [key, share] of this.shares) {
      for (const [id, at] of share.seen) if (now - at > SEEN_MS) share.seen.delete(id);
      if (beat) {
        if (share.mine !== '[]') this.send(key, { t: 'presence', devices: JSON.parse(share.mine) as PresenceEntry[] });
        let gone = false;
        for (const [from, o] of share.others) if (now - o.at > 3 * this.beatMs) gone = share.others.delete(from) || gone;
        if (gone) this.local.presenceChanged(key);
      }
      void this.walk(key, share);
    }
  }

  /** The store is the truth: rows of the meeting past the mark that nothing has handed on yet go out now. */
  private async walk(key: string, share: Share): Promise<void> {
    if (share.mark === undefined || share.walking) return;
    share.walking = true;
    const [tenant, meeting] = split(key);
    try {
      for (;;) {
        const rows = await this.local.store.page(tenant, meeting, share.mark, PAGE);
        if (rows.length === 0) break;
        const lost = rows.filter((r) => !share.seen.has(r.id));
        if (lost.length > 0) await this.arrive(key, share, lost.map((r) => r.wire));
        share.mark = rows.at(-1)!.n;
        if (rows.length < PAGE) break;
      }
    } catch (e) {
      this.local.log(`relay: cluster: walking the store of ${meeting} failed: ${(e as Error).message}`);
    } finally {
      share.walking = false;
    }
  }
}

const split = (key: string): [string, string] => {
  const i = key.indexOf('\n');
  return [key.slice(0, i), key.slice(i + 1)];
};
