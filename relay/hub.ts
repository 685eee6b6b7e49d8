/**
 * The relay's sync hub (docs/PROTOCOL.md, "Sync protocol"): login by signed challenge, frontier exchange,
 * validation and storage of envelopes, fan-out to everyone in the meeting who may read the doc, beacons
 * and presence. Transport-neutral: a Peer is anything that can send a binary frame and close, and tell
 * how many bytes it still has queued. Limits against hostile clients: relay/sync/limits.ts.
 */
import * as Y from 'yjs';
import { fromHex, randomBytes, toHex } from '../crypto/bytes.js';
import { check as checkCert } from '../crypto/cert.js';
import { verify } from '../crypto/ed25519.js';
import { decode, type Envelope } from '../crypto/envelope.js';
import type { Cert } from '../crypto/cert.js';
import * as beacon from '../core/beacon.js';
import { MAX_SKEW_MS } from '../core/replica.js';
import { type DocName, decodeEntry } from '../core/entries.js';
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
import { mustSeal, setupSeals } from '../core/sealed.js';
import { Bucket, CLOSE, type Limits, limitsOf, Usage } from './sync/limits.js';
import { publicScoped, Room, scopeOf } from './sync/rooms.js';
import { accessTokenHash } from './public-registrations.js';
import { forwardSignal, signalBucket } from './sync/signal.js';
import type { Bus } from './bus.js';
import { Cluster, type ClusterOptions, type Local } from './sync/cluster.js';

export interface Peer {
  send(frame: Uint8Array): void;
  close(code: number, reason: string): void;
  /** Bytes queued towards the peer, not yet written to the network. */
  buffered?(): number;
  /** Calls `f` once the queue holds at most `below` bytes, or the peer is gone (at once if so already). */
  drained?(below: number, f: () => void): void;
}

export interface Auth {
  tenant: string;
  meeting: string;
  role: 'device' | 'public';
  device: string | null;
  person: string | null;
  docs: DocName[];
}

/** The second factor (relay/identity-routes.ts): a device that has one logs in with a session it yields. */
export interface SecondFactor {
  required(tenant: string, device: string): Promise<boolean>;
  session(tenant: string, device: string, token: string): Promise<'ok' | 'expired' | 'unknown'>;
}

export interface HubOptions {
  secondFactor?: SecondFactor;
  /** Called for each envelope stored (the audit log records admin entries). */
  /** A promise returned holds the fan-out of its batch until it settles (PUB-5: the public stream is cut before members see a non-public item start). */
  onStored?: (tenant: string, meeting: string, env: Envelope) => void | Promise<void>;
  /** Unauthenticated connections are closed after this long (ms). */
  authTimeoutMs?: number;
  /** Token bucket per connection for incoming envelopes: burst size and refill per second. */
  rate?: { burst: number; perSecond: number };
  limits?: Partial<Limits>;
  /** Issues a one-time ticket for /video (relay/video/service.ts); without it the relay has no video. */
  videoTicket?: (auth: Auth) => Promise<string>;
  /** PUB-1 (relay/public-access.ts): whether a public connection with this access token (or none) may follow the meeting. */
  publicAccess?: (tenant: string, meeting: string, token: string | undefined) => Promise<boolean>;
  /** Several relays behind one address (relay/sync/cluster.ts): the bus they share; without it this relay is alone. */
  bus?: Bus;
  cluster?: ClusterOptions;
  /** An envelope another relay stored, before this relay's connections get it (the SFU's orders; no audit entry). */
  onStoredElsewhere?: (tenant: string, meeting: string, env: Envelope) => void | Promise<void>;
}

/** A client that sends faster than the relay can handle is cut off rather than buffered without end. */
const MAX_PENDING_FRAMES = 256;
/** Rows read from the store per page of a sync answer (an envelope is at most 256 KiB). */
const PAGE_ROWS = 64;
/** How long a batch's fan-out waits at most for the SFU to carry out a change of the current item (a stuck Janus must not stall the session). */
const HOLD_MS = 2000;

const DEFAULTS = { authTimeoutMs: 10_000, rate: { burst: 5000, perSecond: 500 } };

const roomKey = (tenant: string, meeting: string) => `${tenant}\n${meeting}`;

/** The body a meeting.setup envelope names, or undefined for any other envelope. */
function setupBody(wire: Uint8Array): string | undefined {
  try {
    const env = decode(wire);
    if (env.kind !== 'meeting.setup') return undefined;
    const e = decodeEntry(env.kind, env.payload);
    return e.kind === 'meeting.setup' ? e.payload.body.id : undefined;
  } catch {
    return undefined;
  }
}

export class Hub implements Local {
  private readonly rooms = new Map<string, Room<Session>>();
  private readonly sealedRooms = new Map<string, boolean>(); // room -> an admin's setup seals its members' document
  private readonly bodies = new Map<string, string>(); // room -> body of its meeting.setup
  private readonly perDevice = new Map<string, number>(); // tenant + device -> logged-in connections
  readonly limits: Limits;

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
    this.videoTicket = opts.videoTicket;
    this.publicAccess = opts.publicAccess;
    this.limits = limitsOf(opts.limits);
    this.onStoredElsewhere = opts.onStoredElsewhere;
    this.bus = opts.bus;
    this.cluster = opts.bus ? new Cluster(this, opts.bus, opts.cluster) : undefined;
  }

  readonly cluster: Cluster | undefined;
  private readonly bus: Bus | undefined;
  private readonly onStoredElsewhere: HubOptions['onStoredElsewhere'];

  /** Rate limits (relay/rate-limit.ts) that every relay on the bus draws from; undefined for a relay alone. */
  sharedBuckets(name: string): { buckets: Bus; name: string } | undefined {
    return this.bus && { buckets: this.bus, name };
  }

  readonly secondFactor: SecondFactor | undefined;
  readonly onStored: HubOptions['onStored'];
  readonly videoTicket: HubOptions['videoTicket'];
  readonly publicAccess: HubOptions['publicAccess'];

  /** PUB-1: ends the public connections that came with this (now revoked) access token, named by its hash. */
  dropPublicAccess(tenant: string, meeting: string, hash: string): number {
    this.cluster?.dropPublicAccess(tenant, meeting, hash);
    return this.dropPublicAccessHere(tenant, meeting, hash);
  }

  dropPublicAccessHere(tenant: string, meeting: string, hash: string): number {
    let n = 0;
    for (const s of [...this.sessionsOf(tenant)]) if (s.auth?.meeting === meeting && s.endAccess(hash)) n++;
    return n;
  }
  readonly authTimeoutMs: number;
  readonly rate: { burst: number; perSecond: number };

  private *sessionsOf(tenant: string): Generator<Session> {
    for (const room of this.rooms.values()) for (const s of room.sessions) if (s.auth?.tenant === tenant) yield s;
  }

  /** Certificates issued or revoked reach every connected device of the tenant at once; the public only those of authors it was given. */
  pushCerts(tenant: string, certs: Cert[]): void {
    this.cluster?.certs(tenant, certs);
    this.pushCertsHere(tenant, certs);
  }

  pushCertsHere(tenant: string, certs: Cert[]): void {
    const frame = encodeControl({ t: 'certs', certs: certs as unknown as Extract<ServerMessage, { t: 'certs' }>['certs'] });
    for (const s of this.sessionsOf(tenant)) {
      if (s.auth!.role === 'device') s.push(frame);
      else s.certsAgain(certs);
    }
  }

  /** A revoked device is disconnected everywhere. */
  dropDevice(tenant: string, device: string): void {
    this.cluster?.dropDevice(tenant, device);
    this.dropDeviceHere(tenant, device);
  }

  dropDeviceHere(tenant: string, device: string): void {
    for (const s of [...this.sessionsOf(tenant)]) if (s.auth!.device === device) s.peer.close(4003, 'device revoked');
  }

  connect(peer: Peer): Session {
    return new Session(this, peer);
  }

  /**
   * The body of a meeting, from its meeting.setup entry; undefined while the meeting does not exist. Only
   * an admin device may connect to a meeting that does not exist yet (to set it up).
   */
  async bodyOf(tenant: string, meeting: string): Promise<string | undefined> {
    const key = roomKey(tenant, meeting);
    const known = this.bodies.get(key);
    if (known !== undefined) return known;
    for (let after = 0; ; ) {
      const rows = await this.store.page(tenant, meeting, after, PAGE_ROWS);
      for (const r of rows) {
        const body = r.doc === 'public' ? setupBody(r.wire) : undefined;
        if (body === undefined) continue;
        this.bodies.set(key, body);
        return body;
      }
      if (rows.length < PAGE_ROWS) return undefined;
      after = rows.at(-1)!.n;
    }
  }

  /**
   * Whether an administration's meeting.setup of the meeting says `sealed`: then the relay stores members'
   * entries only as sealed payloads (core/sealed.ts), and could read nothing else of them.
   */
  async sealedOf(tenant: string, meeting: string): Promise<boolean> {
    const key = roomKey(tenant, meeting);
    let sealed = this.sealedRooms.get(key);
    if (sealed !== undefined) return sealed;
    sealed = false;
    for (let after = 0; ; ) {
      const rows = await this.store.page(tenant, meeting, after, PAGE_ROWS);
      for (const r of rows) if (r.doc === 'public' && (await this.sealsBy(tenant, r.author, r.wire))) sealed = true;
      if (sealed || rows.length < PAGE_ROWS) break;
      after = rows.at(-1)!.n;
    }
    this.sealedRooms.set(key, sealed);
    return sealed;
  }

  private async sealsBy(tenant: string, author: string, wire: Uint8Array): Promise<boolean> {
    try {
      return !!(await this.store.cert(tenant, author))?.body.roles.includes('admin') && setupSeals(decode(wire));
    } catch {
      return false;
    }
  }

  /** An envelope was stored: a meeting.setup makes its meeting exist. */
  async stored(tenant: string, meeting: string, env: Envelope): Promise<void> {
    if (env.kind === 'meeting.setup' && (await this.sealsBy(tenant, toHex(env.author), env.wire))) this.sealedRooms.set(roomKey(tenant, meeting), true);
    if (env.kind !== 'meeting.setup' || this.bodies.has(roomKey(tenant, meeting))) return;
    const body = setupBody(env.wire);
    if (body !== undefined) this.bodies.set(roomKey(tenant, meeting), body);
  }

  /** Counts a logged-in connection of a device; false when it already has as many as allowed. */
  admitDevice(tenant: string, device: string): boolean {
    const k = `${tenant}\n${device}`;
    const n = this.perDevice.get(k) ?? 0;
    if (n >= this.limits.perDevice) return false;
    this.perDevice.set(k, n + 1);
    return true;
  }

  room(key: string): Room<Session> | undefined {
    return this.rooms.get(key);
  }

  join(s: Session): void {
    const key = s.room!;
    let room = this.rooms.get(key);
    if (!room) this.rooms.set(key, (room = new Room(this.limits, this.cluster?.opened(key))));
    room.sessions.add(s);
    room.presenceChanged(); // coalesced per room: a newcomer, the public included, learns who is connected
  }

  leave(s: Session): void {
    const a = s.auth;
    if (!a) return;
    if (a.device) {
      const k = `${a.tenant}\n${a.device}`;
      const n = (this.perDevice.get(k) ?? 1) - 1;
      if (n > 0) this.perDevice.set(k, n);
      else this.perDevice.delete(k);
    }
    const key = s.room!;
    const room = this.rooms.get(key);
    if (!room || !room.sessions.delete(s)) return;
    if (room.sessions.size === 0) {
      room.dispose();
      this.rooms.delete(key);
      this.cluster?.closed(key);
    } else if (a.role === 'device') room.presenceChanged();
  }

  connections(): { device: number; public: number } {
    let device = 0;
    let pub = 0;
    for (const room of this.rooms.values()) for (const s of room.sessions) s.auth?.role === 'device' ? device++ : pub++;
    return { device, public: pub };
  }

  /** Meetings with someone connected (empty rooms are pruned at once). */
  roomCount(): number {
    return this.rooms.size;
  }

  /** Send stored envelopes of one doc to everyone in the room who may read it, except the sender; and to the other relays. */
  fanOut(key: string, doc: string, envs: Envelope[], except: Session | undefined): void {
    if (envs.length > 0) this.cluster?.stored(key, envs);
    this.deliverHere(key, doc, envs, except);
  }

  deliverHere(key: string, doc: string, envs: Envelope[], except?: Session): void {
    const room = this.rooms.get(key);
    if (!room || envs.length === 0) return;
    const started = performance.now();
    const frame = encodeEnvelopes(envs.map((e) => e.wire));
    const authors = [...new Set(envs.map((e) => toHex(e.author)))];
    for (const s of room.sessions) if (s !== except && s.auth!.docs.includes(doc as DocName)) s.deliver(frame, authors);
    if (doc === 'public') this.metrics.observe('public_delivery_seconds', (performance.now() - started) / 1000); // AV-2
  }

  async beacon(key: string, b: SignedBeacon, from: Session): Promise<void> {
    if (!this.rooms.has(key)) return;
    // Kept for export records: the signed heads that let `verify` catch a cut tail.
    const [tenant, meeting] = key.split('\n') as [string, string];
    await this.store.putBeacon(tenant, meeting, scopeOf(b), b);
    this.rooms.get(key)?.keepBeacon(b);
    this.cluster?.beacon(key, b);
    this.beaconHere(key, b, from);
  }

  beaconHere(key: string, b: SignedBeacon, from?: Session): void {
    const room = this.rooms.get(key);
    if (!room) return;
    if (!from) room.keepBeacon(b);
    const frame = encodeControl({ t: 'beacon', beacon: b });
    for (const s of room.sessions) if (s !== from && s.mayHear(b)) s.deliver(frame, [b.author]);
  }

  /** A signal another relay forwards to this relay's connections of device `to`. */
  signalHere(key: string, to: string, from: string, data: string): boolean {
    const frame = encodeControl({ t: 'signal', from, data });
    let sent = false;
    for (const s of this.rooms.get(key)?.sessions ?? [])
      if (s.auth?.device === to) {
        s.push(frame);
        sent = true;
      }
    return sent;
  }

  presenceChanged(key: string): void {
    this.rooms.get(key)?.presenceChanged();
  }

  /** Envelopes another relay stored: this relay's caches, quotas and hooks learn of them before its connections do. */
  async storedElsewhere(tenant: string, meeting: string, envs: Envelope[]): Promise<void> {
    const usage = this.rooms.get(roomKey(tenant, meeting))?.usage;
    const holds: Promise<void>[] = [];
    for (const env of envs) {
      await this.stored(tenant, meeting, env);
      usage?.add(toHex(env.author), env.wire.length);
      const hold = this.onStoredElsewhere?.(tenant, meeting, env);
      if (hold) holds.push(hold);
    }
    if (holds.length > 0) await Promise.race([Promise.allSettled(holds), new Promise((ok) => setTimeout(ok, HOLD_MS).unref())]);
  }

  /**
   * Validates and stores envelopes of one meeting, then fans them out: from a device's connection, or (no
   * `from`) from another relay (relay/replication.ts). Returns what is stored now (acks) and the refusals.
   */
  async ingest(tenant: string, meeting: string, wires: Uint8Array[], writable: readonly string[], from?: Session): Promise<{ acked: string[]; errors: { code: string; message: string; id?: string }[] }> {
    const conn = { tenant, meeting, writable, sealed: await this.sealedOf(tenant, meeting) };
    const acked: string[] = [];
    const errors: { code: string; message: string; id?: string }[] = [];
    const error = (code: string, message: string, id?: string) => {
      this.metrics.count('envelopes_rejected_total', 1, { code });
      errors.push({ code, message, id });
    };
    const stored = new Map<string, Envelope[]>();
    const holds: Promise<void>[] = [];
    const store = this.store;
    const key = roomKey(tenant, meeting);
    let roomless: Usage | undefined; // nobody connected to the meeting (another relay's envelopes)
    for (const wire of wires) {
      const v = await validate(wire, conn, store);
      if (!v.ok) {
        error(v.code, v.message, v.id);
        continue;
      }
      if (v.duplicate) {
        this.metrics.count('envelopes_duplicate_total', 1);
        acked.push(v.env.id);
        continue;
      }
      if (v.env.kind === 'y' && !mustSeal(conn.sealed, v.env.doc, v.env.kind)) {
        try {
          Y.decodeUpdate(v.env.payload);
        } catch (e) {
          error('bad-envelope', `payload is not a Yjs update: ${(e as Error).message}`, v.env.id);
          continue;
        }
      }
      const author = toHex(v.env.author);
      if (from && (!this.room(key) || from.closed)) break; // the connection went away while we verified
      const room = this.room(key);
      const usage = room ? (room.usage ??= new Usage(await store.usage(tenant, meeting))) : (roomless ??= new Usage(await store.usage(tenant, meeting)));
      const over = usage.exceeds(author, v.env.wire.length, this.limits);
      if (over) {
        error('quota', over, v.env.id);
        continue;
      }
      try {
        await store.insert(tenant, meeting, { doc: v.env.doc, author, seq: v.env.seq, id: v.env.id, wire: v.env.wire });
      } catch (e) {
        // Another connection stored this seq while we verified (the same device twice, or a twin key).
        if (await store.has(tenant, meeting, v.env.id)) acked.push(v.env.id);
        else if (await store.at(tenant, meeting, v.env.doc, author, v.env.seq)) error('fork', `device already has a different entry at ${v.env.doc}/${v.env.seq}`, v.env.id);
        else {
          this.log(`relay: storing envelope ${v.env.id} failed: ${(e as Error).message}`);
          error('internal', 'the relay could not store this envelope; send it again later', v.env.id);
        }
        continue;
      }
      usage.add(author, v.env.wire.length);
      acked.push(v.env.id);
      if (from && v.env.doc === 'public' && v.env.hlc.wall >= from.opened) this.metrics.observe('public_sync_latency_seconds', (Date.now() - v.env.hlc.wall) / 1000); // AV-2: signed → stored
      await this.stored(tenant, meeting, v.env);
      const hold = this.onStored?.(tenant, meeting, v.env);
      if (hold) holds.push(hold);
      let list = stored.get(v.env.doc);
      if (!list) stored.set(v.env.doc, (list = []));
      list.push(v.env);
    }
    if (holds.length > 0) await Promise.race([Promise.allSettled(holds), new Promise((ok) => setTimeout(ok, HOLD_MS).unref())]);
    for (const [doc, list] of stored) this.fanOut(key, doc, list, from);
    return { acked, errors };
  }

  /** Sessions are closing: stop the timers of every room. */
  close(): void {
    for (const room of this.rooms.values()) room.dispose();
    this.cluster?.close();
  }
}

export class Session {
  auth: Auth | null = null;
  /** When this connection was opened: entries signed before it are a device's offline backlog, not relay latency (AV-2). */
  readonly opened = Date.now();
  closed = false;
  private readonly nonce = toHex(randomBytes(32));
  private queue: Promise<void> = Promise.resolve();
  private readonly envelopeRate: Bucket;
  /** One bucket per doc scope (at most one per subset of DOCS): a device sends its public and its members beacon together. */
  private readonly beaconRates = new Map<string, Bucket>();
  private pending = 0;
  private readonly signalRate = signalBucket();
  private readonly timer: ReturnType<typeof setTimeout>;
  /** Public sessions: devices whose certificate this connection was given (only authors of what it got). */
  private readonly certsSent = new Set<string>();
  /** The newest sync request not yet answered. */
  private syncNext: Record<string, Record<string, number>> | undefined;
  private syncing = false;

  constructor(
    private readonly hub: Hub,
    readonly peer: Peer,
  ) {
    this.envelopeRate = new Bucket(hub.rate);
    this.send({ t: 'challenge', nonce: this.nonce, relay: hub.relayId });
    this.timer = setTimeout(() => {
      if (!this.auth) peer.close(4001, 'login timeout');
    }, hub.authTimeoutMs);
  }

  get room(): string | undefined {
    return this.auth ? roomKey(this.auth.tenant, this.auth.meeting) : undefined;
  }

  /** Frames waiting behind a public session's certificate lookup, so frames leave in the order they were pushed. */
  private outbox: Promise<void> | undefined;

  private enqueue(job: () => void | Promise<void>): void {
    const next = (this.outbox ?? Promise.resolve()).then(job).catch((e) => {
      this.hub.log(`relay: delivery failed: ${(e as Error).message}`);
      this.closed = true; // the peer would miss what was not sent: it reconnects and syncs instead
      this.peer.close(1011, 'relay store unavailable');
    });
    this.outbox = next;
    void next.then(() => {
      if (this.outbox === next) this.outbox = undefined;
    });
  }

  /** Every frame towards the peer goes through here: a peer that does not read is dropped, not buffered. */
  push(frame: Uint8Array): void {
    if (this.outbox) return this.enqueue(() => this.pushNow(frame));
    this.pushNow(frame);
  }

  private pushNow(frame: Uint8Array): void {
    if (this.closed) return;
    if ((this.peer.buffered?.() ?? 0) + frame.length > this.hub.limits.sendBuffer) {
      this.closed = true;
      this.hub.metrics.count('slow_readers_dropped_total', 1);
      return this.peer.close(CLOSE.slowReader, 'slow reader: send buffer full');
    }
    this.peer.send(frame);
  }

  /** A frame about `authors`' entries: a public session gets their certificates first, and only theirs. */
  deliver(frame: Uint8Array, authors: readonly string[]): void {
    const fresh = this.auth?.role === 'public' ? authors.filter((a) => !this.certsSent.has(a)) : [];
    if (fresh.length === 0) return this.push(frame);
    for (const a of fresh) this.certsSent.add(a);
    const tenant = this.auth!.tenant;
    const lookup = Promise.all(fresh.map((a) => this.hub.store.certHistory(tenant, a))); // every version: entries are judged by the one in force
    this.enqueue(async () => {
      const certs = (await lookup).flat();
      if (certs.length > 0) this.pushNow(encodeControl({ t: 'certs', certs: certs as unknown as Extract<ServerMessage, { t: 'certs' }>['certs'] }));
      this.pushNow(frame);
    });
  }

  /** A re-issued or revoked certificate of an author this public session already holds. */
  certsAgain(certs: Cert[]): void {
    const mine = certs.filter((c) => this.certsSent.has(c.body.device));
    if (mine.length > 0) this.send({ t: 'certs', certs: mine as unknown as Extract<ServerMessage, { t: 'certs' }>['certs'] });
  }

  /** Beacons about the members' document reach only those who may read it. */
  mayHear(b: SignedBeacon): boolean {
    return !!this.auth && (this.auth.docs.includes('members') || publicScoped(b));
  }

  private send(m: ServerMessage): void {
    this.push(encodeControl(m));
  }

  private error(code: string, message: string, id?: string): void {
    this.hub.metrics.count('envelopes_rejected_total', 1, { code });
    this.send(id ? { t: 'error', code, message, id } : { t: 'error', code, message });
  }

  /** The hash of the access token a public connection came with (PUB-1). */
  private access: string | undefined;

  /** Closes this public connection if it came with the token of this hash. */
  endAccess(hash: string): boolean {
    if (this.closed || this.auth?.role !== 'public' || this.access !== hash) return false;
    this.refuse('access', 'the personal access link was revoked', CLOSE.publicAccess, 'access revoked');
    return true;
  }

  private refuse(code: string, message: string, close: number, reason: string): void {
    this.error(code, message);
    this.closed = true;
    this.peer.close(close, reason);
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
    this.closed = true;
    clearTimeout(this.timer);
    this.hub.leave(this);
  }

  private async handle(data: Uint8Array): Promise<void> {
    if (this.closed) return;
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
        if (this.hub.publicAccess && !(await this.hub.publicAccess(m.tenant, m.meeting, m.access)))
          return this.refuse('access', 'this meeting needs a personal access link (registration), or the link was revoked', CLOSE.publicAccess, 'no access');
        this.access = m.access === undefined ? undefined : accessTokenHash(m.access);
        return this.welcome({ tenant: m.tenant, meeting: m.meeting, role: 'public', device: null, person: null, docs: ['public'] }, undefined);
      case 'sync':
        return this.sync(m.frontier);
      case 'want':
        return; // the relay never lacks what a device asks it to send
      case 'beacon':
        return this.beacon(m.beacon, data.length);
      case 'ping':
        return this.send({ t: 'pong' });
      case 'video':
        if (!this.hub.videoTicket) return this.error('no-video', 'this relay has no video');
        return this.send({ t: 'video', ticket: await this.hub.videoTicket(this.auth!) });
      case 'signal': {
        let r = forwardSignal(this.hub.room(this.room!), this, this.signalRate, m);
        if (r === 'unknown-device' && this.hub.cluster?.signal(this.room!, m.to, this.auth!.device!, m.data)) r = 'sent';
        return r === 'sent' ? undefined : this.error(r, r === 'unknown-device' ? 'no such device connected to this meeting' : r === 'rate-limit' ? 'too many signalling messages' : 'only devices signal');
      }
    }
  }

  private async login(m: Extract<ClientMessage, { t: 'login' }>): Promise<void> {
    const store = this.hub.store;
    const tenantKey = await store.tenantKey(m.tenant);
    const cert = await store.cert(m.tenant, m.device);
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
    if (sf && (await sf.required(m.tenant, m.device))) {
      const s = m.session ? await sf.session(m.tenant, m.device, m.session) : 'unknown';
      if (s !== 'ok') {
        this.error('session', s === 'expired' ? 'session expired: log in again with your authenticator code' : 'log in with your authenticator code first');
        return this.peer.close(4005, 'second factor needed');
      }
    }
    // Finding 7: the members' document only for certificates naming the meeting's body; the administration sets up every body's meetings.
    const admin = cert!.body.roles.includes('admin');
    const body = await this.hub.bodyOf(m.tenant, m.meeting);
    const member = admin || (body !== undefined && cert!.body.bodies.includes(body));
    return this.welcome({ tenant: m.tenant, meeting: m.meeting, role: 'device', device: m.device, person: cert!.body.person, docs: member ? ['public', 'members'] : ['public'] }, admin);
  }

  private async welcome(auth: Auth, admin: boolean | undefined): Promise<void> {
    if (this.auth) return this.error('auth', 'already logged in');
    const store = this.hub.store;
    const tenantKey = await store.tenantKey(auth.tenant);
    if (!tenantKey) return this.refuse('auth', `unknown tenant '${auth.tenant}'`, 4004, 'unknown tenant');
    if (!admin && (await this.hub.bodyOf(auth.tenant, auth.meeting)) === undefined)
      return this.refuse('unknown-meeting', `no meeting '${auth.meeting}' in tenant '${auth.tenant}'`, CLOSE.unknownMeeting, 'unknown meeting');
    // Devices get the directory; the public gets certificates only with the entries they sign (deliver).
    const certs = auth.role === 'device' ? await store.certs(auth.tenant) : [];
    const frontier = await store.frontier(auth.tenant, auth.meeting, auth.docs);
    if (this.closed) return; // gone while the store answered: never counted, never joined
    if (auth.device && !this.hub.admitDevice(auth.tenant, auth.device))
      return this.refuse('too-many-connections', `this device has ${this.hub.limits.perDevice} connections open already`, CLOSE.tooManyConnections, 'too many connections of this device');
    clearTimeout(this.timer);
    this.auth = auth;
    this.hub.metrics.count('logins_total', 1, { role: auth.role });
    this.send({
      t: 'welcome',
      role: auth.role,
      person: auth.person,
      docs: auth.docs,
      tenantKey,
      certs: certs as unknown as Extract<ServerMessage, { t: 'welcome' }>['certs'],
      frontier,
    });
    this.hub.join(this);
    for (const b of this.hub.room(this.room!)?.beacons.values() ?? []) if (this.mayHear(b)) this.deliver(encodeControl({ t: 'beacon', beacon: b }), [b.author]);
  }

  /** The newest sync request wins; one answer is paged out at a time. */
  private sync(frontier: Record<string, Record<string, number>>): void {
    this.syncNext = frontier;
    if (this.syncing) return;
    this.syncing = true;
    void (async () => {
      try {
        while (this.syncNext && !this.closed) {
          const f = this.syncNext;
          this.syncNext = undefined;
          await this.answerSync(f);
        }
      } catch (e) {
        this.hub.log(`relay: sync answer failed: ${(e as Error).stack}`);
      } finally {
        this.syncing = false;
      }
    })();
  }

  private drained(): Promise<void> {
    const below = this.hub.limits.pageLowWater;
    return new Promise((ok) => (this.peer.drained ? this.peer.drained(below, ok) : ok()));
  }

  /** What the peer lacks, a page at a time, each frame only once the previous ones have left the send buffer. */
  private async answerSync(frontier: Record<string, Record<string, number>>): Promise<void> {
    const { tenant, meeting, docs } = this.auth!;
    const store = this.hub.store;
    for (let after = 0; ; ) {
      if (this.closed || this.syncNext) return; // gone, or superseded by a newer request
      const rows = await store.page(tenant, meeting, after, PAGE_ROWS);
      const lacking = rows.filter((r) => docs.includes(r.doc as DocName) && r.seq > (frontier[r.doc]?.[r.author] ?? 0));
      const authors = [...new Set(lacking.map((r) => r.author))];
      for (const run of batches(lacking.map((e) => e.wire), this.hub.limits.pageLowWater)) {
        await this.drained();
        if (this.closed || this.syncNext) return;
        this.deliver(encodeEnvelopes(run), authors);
      }
      if (rows.length < PAGE_ROWS) break;
      after = rows.at(-1)!.n;
    }
    const ours = (await store.frontier(tenant, meeting, docs)) as Record<string, Record<string, number>>;
    const ranges: Range[] = [];
    for (const doc of docs)
      for (const [author, seq] of Object.entries(frontier[doc] ?? {}))
        if (seq > (ours[doc]?.[author] ?? 0)) ranges.push({ doc, author, from: (ours[doc]?.[author] ?? 0) + 1 });
    if (ranges.length > 0 && this.auth!.role === 'device') this.send({ t: 'want', ranges: ranges.slice(0, 4096) });
    this.send({ t: 'synced' });
  }

  private async envelopes(wires: Uint8Array[]): Promise<void> {
    if (!this.auth) return this.error('auth', 'log in first');
    if (this.auth.role !== 'device') return this.error('forbidden-doc', 'public connections are read-only');
    if (!this.envelopeRate.take(wires.length)) return this.error('rate-limit', 'too many envelopes; slow down');
    const { tenant, meeting } = this.auth;
    const { acked, errors } = await this.hub.ingest(tenant, meeting, wires, this.auth.docs, this);
    for (const x of errors) this.send(x.id ? { t: 'error', code: x.code, message: x.message, id: x.id } : { t: 'error', code: x.code, message: x.message }); // ingest counted them
    if (acked.length > 0) this.send({ t: 'ack', ids: acked });
  }

  private async beacon(b: SignedBeacon, size: number): Promise<void> {
    const a = this.auth!;
    if (a.role !== 'device' || b.author !== a.device || b.tenant !== a.tenant || b.meeting !== a.meeting) return this.error('auth', 'beacon must be signed by this device for this meeting');
    if (size > this.hub.limits.beaconBytes) return this.error('too-large', `beacon over ${this.hub.limits.beaconBytes} bytes`);
    // A beacon dated ahead would be kept over every later one (the newest `at` wins): refused like such an entry.
    if (b.at > Date.now() + MAX_SKEW_MS) return this.error('clock', `beacon dated more than ${MAX_SKEW_MS / 60_000} minutes ahead of the relay's clock`);
    const scope = scopeOf(b);
    let rate = this.beaconRates.get(scope);
    if (!rate) this.beaconRates.set(scope, (rate = new Bucket(this.hub.limits.beaconRate)));
    if (!rate.take()) return void this.hub.metrics.count('beacons_dropped_total', 1, { reason: 'rate' });
    for (const chains of Object.values(b.frontier))
      for (const author of Object.keys(chains ?? {}))
        if (!(await this.hub.store.cert(a.tenant, author))) return this.error('unknown-device', `beacon claims entries of ${author.slice(0, 16)}…, which has no certificate`);
    if (!(await beacon.check(b))) return this.error('bad-signature', 'beacon signature does not verify');
    await this.hub.beacon(this.room!, b, this);
  }
}
