/**
 * The relay's sync hub (docs/PROTOCOL.md, "Sync protocol"): login by signed challenge, frontier exchange,
 * validation and storage of envelopes, fan-out to everyone in the meeting who may read the doc, beacons
 * and presence. Transport-neutral: a Peer is anything that can send a binary frame and close.
 */
import { fromHex, randomBytes, toHex } from '../crypto/bytes.js';
import { check as checkCert } from '../crypto/cert.js';
import { verify } from '../crypto/ed25519.js';
import type { Envelope } from '../crypto/envelope.js';
import type { Cert } from '../crypto/cert.js';
import * as beacon from '../core/beacon.js';
import type { DocName } from '../core/entries.js';
import {
  batches,
  type ClientMessage,
  decodeClientFrame,
  encodeControl,
  encodeEnvelopes,
  loginInput,
  type Range,
  type ServerMessage,
  type SignedBeacon,
} from '../core/wire.js';
import type { Metrics } from './metrics.js';
import type { Store } from './store.js';
import { validate } from './validate.js';

export interface Peer {
  send(frame: Uint8Array): void;
  close(code: number, reason: string): void;
}

interface Auth {
  tenant: string;
  meeting: string;
  role: 'device' | 'public';
  device: string | null;
  person: string | null;
  docs: DocName[];
}

/** The second factor (relay/identity-routes.ts): a device that has one logs in with a session it yields. */
export interface SecondFactor {
  required(tenant: string, device: string): boolean;
  session(tenant: string, device: string, token: string): 'ok' | 'expired' | 'unknown';
}

export interface HubOptions {
  secondFactor?: SecondFactor;
  /** Called for each envelope stored (the audit log records admin entries). */
  onStored?: (tenant: string, meeting: string, env: Envelope) => void;
  /** Unauthenticated connections are closed after this long (ms). */
  authTimeoutMs?: number;
  /** Token bucket per connection for incoming envelopes: burst size and refill per second. */
  rate?: { burst: number; perSecond: number };
}

/** A client that sends faster than the relay can handle is cut off rather than buffered without end. */
const MAX_PENDING_FRAMES = 256;

const DEFAULTS = { authTimeoutMs: 10_000, rate: { burst: 5000, perSecond: 500 } };

export class Hub {
  private readonly rooms = new Map<string, Set<Session>>();
  private readonly beacons = new Map<string, Map<string, SignedBeacon>>(); // room -> device -> latest

  constructor(
    readonly store: Store,
    readonly relayId: string,
    readonly metrics: Metrics,
    readonly log: (msg: string) => void = () => {},
    opts: HubOptions = {},
  ) {
    this.authTimeoutMs = opts.authTimeoutMs ?? DEFAULTS.authTimeoutMs;
    this.rate = opts.rate ?? DEFAULTS.rate;
    this.secondFactor = opts.secondFactor;
    this.onStored = opts.onStored;
  }

  readonly secondFactor: SecondFactor | undefined;
  readonly onStored: HubOptions['onStored'];

  private *devicesOf(tenant: string): Generator<Session> {
    for (const room of this.rooms.values()) for (const s of room) if (s.auth?.role === 'device' && s.auth.tenant === tenant) yield s;
  }

  /** Certificates issued or revoked reach every connected device of the tenant at once. */
  pushCerts(tenant: string, certs: Cert[]): void {
    const frame = encodeControl({ t: 'certs', certs: certs as unknown as Extract<ServerMessage, { t: 'certs' }>['certs'] });
    for (const s of this.devicesOf(tenant)) s.peer.send(frame);
  }

  /** A revoked device is disconnected everywhere. */
  dropDevice(tenant: string, device: string): void {
    for (const s of [...this.devicesOf(tenant)]) if (s.auth!.device === device) s.peer.close(4003, 'device revoked');
  }

  readonly authTimeoutMs: number;
  readonly rate: { burst: number; perSecond: number };

  connect(peer: Peer): Session {
    return new Session(this, peer);
  }

  join(s: Session): void {
    const key = s.room!;
    let room = this.rooms.get(key);
    if (!room) this.rooms.set(key, (room = new Set()));
    room.add(s);
    if (s.auth?.role === 'device') this.presence(key);
  }

  leave(s: Session): void {
    const key = s.room;
    if (!key) return;
    this.rooms.get(key)?.delete(s);
    if (s.auth?.role === 'device') this.presence(key);
  }

  connections(): { device: number; public: number } {
    let device = 0;
    let pub = 0;
    for (const room of this.rooms.values()) for (const s of room) s.auth?.role === 'device' ? device++ : pub++;
    return { device, public: pub };
  }

  private presence(key: string): void {
    const room = this.rooms.get(key);
    if (!room) return;
    const devices = new Map<string, { device: string; person: string; connected: boolean }>();
    for (const s of room) if (s.auth?.device) devices.set(s.auth.device, { device: s.auth.device, person: s.auth.person ?? '', connected: true });
    const frame = encodeControl({ t: 'presence', devices: [...devices.values()] });
    for (const s of room) if (s.auth?.role === 'device') s.peer.send(frame);
  }

  /** Send stored envelopes of one doc to everyone in the room who may read it, except the sender. */
  fanOut(key: string, doc: string, wires: Uint8Array[], except: Session): void {
    const room = this.rooms.get(key);
    if (!room || wires.length === 0) return;
    const frame = encodeEnvelopes(wires);
    let n = 0;
    for (const s of room)
      if (s !== except && s.auth!.docs.includes(doc as DocName)) {
        s.peer.send(frame);
        n++;
      }
    this.metrics.count('fanout_frames_total', n);
  }

  beacon(key: string, b: SignedBeacon, from: Session): void {
    let room = this.beacons.get(key);
    if (!room) this.beacons.set(key, (room = new Map()));
    room.set(b.author, b);
    const frame = encodeControl({ t: 'beacon', beacon: b });
    let n = 0;
    for (const s of this.rooms.get(key) ?? [])
      if (s !== from && s.auth?.role === 'device') {
        s.peer.send(frame);
        n++;
      }
    this.metrics.count('beacons_forwarded_total', n);
  }

  lastBeacons(key: string): SignedBeacon[] {
    return [...(this.beacons.get(key)?.values() ?? [])];
  }
}

export class Session {
  auth: Auth | null = null;
  private readonly nonce = toHex(randomBytes(32));
  private queue: Promise<void> = Promise.resolve();
  private tokens: number;
  private pending = 0;
  private refilled = Date.now();
  private readonly timer: ReturnType<typeof setTimeout>;

  constructor(
    private readonly hub: Hub,
    readonly peer: Peer,
  ) {
    this.tokens = hub.rate.burst;
    this.send({ t: 'challenge', nonce: this.nonce, relay: hub.relayId });
    this.timer = setTimeout(() => {
      if (!this.auth) peer.close(4001, 'login timeout');
    }, hub.authTimeoutMs);
  }

  get room(): string | undefined {
    return this.auth ? `${this.auth.tenant}\n${this.auth.meeting}` : undefined;
  }

  private send(m: ServerMessage): void {
    this.peer.send(encodeControl(m));
  }

  private error(code: string, message: string, id?: string): void {
    this.hub.metrics.count('envelopes_rejected_total', 1, { code });
    this.send(id ? { t: 'error', code, message, id } : { t: 'error', code, message });
  }

  /** Frames are handled one after another, in arrival order, whatever they await. */
  receive(data: Uint8Array): void {
    if (++this.pending > MAX_PENDING_FRAMES) {
      this.hub.metrics.count('envelopes_rejected_total', 1, { code: 'rate-limit' });
      return this.peer.close(1008, 'too many frames in flight');
    }
    this.queue = this.queue
      .then(() => this.handle(data))
      .catch((e) => this.hub.log(`relay: frame handler failed: ${(e as Error).stack}`))
      .finally(() => this.pending--);
  }

  close(): void {
    clearTimeout(this.timer);
    this.hub.leave(this);
  }

  private async handle(data: Uint8Array): Promise<void> {
    let frame;
    try {
      frame = decodeClientFrame(data);
    } catch (e) {
      return this.error('bad-frame', (e as Error).message);
    }
    if (frame.type === 'envelopes') return this.envelopes(frame.wires);
    const m = frame.message;
    if (!this.auth && m.t !== 'login' && m.t !== 'public' && m.t !== 'ping') return this.error('auth', 'log in first');
    switch (m.t) {
      case 'login':
        return this.login(m);
      case 'public':
        return this.welcome({ tenant: m.tenant, meeting: m.meeting, role: 'public', device: null, person: null, docs: ['public'] });
      case 'sync':
        return this.sync(m.frontier);
      case 'want':
        return; // the relay never lacks what a device asks it to send
      case 'beacon':
        return this.beacon(m.beacon);
      case 'ping':
        return this.send({ t: 'pong' });
    }
  }

  private async login(m: Extract<ClientMessage, { t: 'login' }>): Promise<void> {
    const store = this.hub.store;
    const tenantKey = store.tenantKey(m.tenant);
    const cert = store.cert(m.tenant, m.device);
    const ok =
      !!tenantKey &&
      !!cert &&
      (await checkCert(cert, fromHex(tenantKey, 32), Date.now())) &&
      (await verify(fromHex(m.sig, 64), loginInput(this.nonce, m.tenant, m.meeting, this.hub.relayId), fromHex(m.device, 32)));
    if (!ok) {
      if (cert?.body.revoked !== undefined) this.error('revoked', 'login failed: this device was revoked');
      else this.error('auth', 'login failed: unknown device, invalid certificate or bad signature');
      return this.peer.close(4003, 'login failed');
    }
    const sf = this.hub.secondFactor;
    if (sf?.required(m.tenant, m.device)) {
      const s = m.session ? sf.session(m.tenant, m.device, m.session) : 'unknown';
      if (s !== 'ok') {
        this.error('session', s === 'expired' ? 'session expired: log in again with your authenticator code' : 'log in with your authenticator code first');
        return this.peer.close(4005, 'second factor needed');
      }
    }
    return this.welcome({ tenant: m.tenant, meeting: m.meeting, role: 'device', device: m.device, person: cert!.body.person, docs: ['public', 'members'] });
  }

  private welcome(auth: Auth): void {
    if (this.auth) return this.error('auth', 'already logged in');
    const tenantKey = this.hub.store.tenantKey(auth.tenant);
    if (!tenantKey) {
      this.error('auth', `unknown tenant '${auth.tenant}'`);
      return this.peer.close(4004, 'unknown tenant');
    }
    clearTimeout(this.timer);
    this.auth = auth;
    this.hub.metrics.count('logins_total', 1, { role: auth.role });
    const store = this.hub.store;
    this.send({
      t: 'welcome',
      role: auth.role,
      person: auth.person,
      docs: auth.docs,
      tenantKey,
      certs: store.certs(auth.tenant) as unknown as Extract<ServerMessage, { t: 'welcome' }>['certs'],
      frontier: store.frontier(auth.tenant, auth.meeting, auth.docs),
    });
    this.hub.join(this);
    if (auth.role === 'device') for (const b of this.hub.lastBeacons(this.room!)) this.send({ t: 'beacon', beacon: b });
  }

  private sync(frontier: Record<string, Record<string, number>>): void {
    const { tenant, meeting, docs } = this.auth!;
    const missing = this.hub.store.missingFor(tenant, meeting, docs, frontier);
    for (const run of batches(missing.map((e) => e.wire))) this.peer.send(encodeEnvelopes(run));
    const ours = this.hub.store.frontier(tenant, meeting, docs) as Record<string, Record<string, number>>;
    const ranges: Range[] = [];
    for (const doc of docs)
      for (const [author, seq] of Object.entries(frontier[doc] ?? {}))
        if (seq > (ours[doc]?.[author] ?? 0)) ranges.push({ doc, author, from: (ours[doc]?.[author] ?? 0) + 1 });
    if (ranges.length > 0 && this.auth!.role === 'device') this.send({ t: 'want', ranges: ranges.slice(0, 4096) });
    this.send({ t: 'synced' });
  }

  private takeTokens(n: number): boolean {
    const now = Date.now();
    const { burst, perSecond } = this.hub.rate;
    this.tokens = Math.min(burst, this.tokens + ((now - this.refilled) / 1000) * perSecond);
    this.refilled = now;
    if (this.tokens < n) return false;
    this.tokens -= n;
    return true;
  }

  private async envelopes(wires: Uint8Array[]): Promise<void> {
    if (!this.auth) return this.error('auth', 'log in first');
    if (this.auth.role !== 'device') return this.error('forbidden-doc', 'public connections are read-only');
    if (!this.takeTokens(wires.length)) return this.error('rate-limit', 'too many envelopes; slow down');
    const { tenant, meeting } = this.auth;
    const conn = { tenant, meeting, writable: this.auth.docs };
    const acked: string[] = [];
    const stored = new Map<string, Uint8Array[]>();
    const store = this.hub.store;
    for (const wire of wires) {
      const v = await validate(wire, conn, store);
      if (!v.ok) {
        this.error(v.code, v.message, v.id);
        continue;
      }
      if (v.duplicate) {
        acked.push(v.env.id);
        continue;
      }
      const author = toHex(v.env.author);
      try {
        store.insert(tenant, meeting, { doc: v.env.doc, author, seq: v.env.seq, id: v.env.id, wire: v.env.wire });
      } catch (e) {
        // Another connection stored this seq while we verified (the same device twice, or a twin key).
        if (store.has(tenant, meeting, v.env.id)) acked.push(v.env.id);
        else if (store.at(tenant, meeting, v.env.doc, author, v.env.seq)) this.error('fork', `device already has a different entry at ${v.env.doc}/${v.env.seq}`, v.env.id);
        else {
          this.hub.log(`relay: storing envelope ${v.env.id} failed: ${(e as Error).message}`);
          this.error('internal', 'the relay could not store this envelope; send it again later', v.env.id);
        }
        continue;
      }
      acked.push(v.env.id);
      this.hub.metrics.count('envelopes_accepted_total', 1);
      this.hub.onStored?.(tenant, meeting, v.env);
      let list = stored.get(v.env.doc);
      if (!list) stored.set(v.env.doc, (list = []));
      list.push(v.env.wire);
    }
    if (acked.length > 0) this.send({ t: 'ack', ids: acked });
    for (const [doc, list] of stored) this.hub.fanOut(this.room!, doc, list, this);
  }

  private async beacon(b: SignedBeacon): Promise<void> {
    const a = this.auth!;
    if (a.role !== 'device' || b.author !== a.device || b.tenant !== a.tenant || b.meeting !== a.meeting) return this.error('auth', 'beacon must be signed by this device for this meeting');
    if (!(await beacon.check(b))) return this.error('bad-signature', 'beacon signature does not verify');
    this.hub.beacon(this.room!, b, this);
  }
}
