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
import { Bucket, CLOSE, type Limits, limitsOf, Usage } from './sync/limits.js';
import { publicScoped, Room, scopeOf } from './sync/rooms.js';

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
  limits?: Partial<Limits>;
  /** Issues a one-time ticket for /video (relay/video/service.ts); without it the relay has no video. */
  videoTicket?: (auth: Auth) => string;
}

/** A client that sends faster than the relay can handle is cut off rather than buffered without end. */
const MAX_PENDING_FRAMES = 256;
/** Rows read from the store per page of a sync answer (an envelope is at most 256 KiB). */
const PAGE_ROWS = 64;

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

export class Hub {
  private readonly rooms = new Map<string, Room<Session>>();
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
    this.limits = limitsOf(opts.limits);
  }

  readonly secondFactor: SecondFactor | undefined;
  readonly onStored: HubOptions['onStored'];
  readonly videoTicket: HubOptions['videoTicket'];
  readonly authTimeoutMs: number;
  readonly rate: { burst: number; perSecond: number };

  private *sessionsOf(tenant: string): Generator<Session> {
    for (const room of this.rooms.values()) for (const s of room.sessions) if (s.auth?.tenant === tenant) yield s;
  }

  /** Certificates issued or revoked reach every connected device of the tenant at once; the public only those of authors it was given. */
  pushCerts(tenant: string, certs: Cert[]): void {
    const frame = encodeControl({ t: 'certs', certs: certs as unknown as Extract<ServerMessage, { t: 'certs' }>['certs'] });
    for (const s of this.sessionsOf(tenant)) {
      if (s.auth!.role === 'device') s.push(frame);
      else s.certsAgain(certs);
    }
  }

  /** A revoked device is disconnected everywhere. */
  dropDevice(tenant: string, device: string): void {
    for (const s of [...this.sessionsOf(tenant)]) if (s.auth!.device === device) s.peer.close(4003, 'device revoked');
  }

  connect(peer: Peer): Session {
    return new Session(this, peer);
  }

  /**
   * The body of a meeting, from its meeting.setup entry; undefined while the meeting does not exist. Only
   * an admin device may connect to a meeting that does not exist yet (to set it up).
   */
  bodyOf(tenant: string, meeting: string): string | undefined {
    const key = roomKey(tenant, meeting);
    const known = this.bodies.get(key);
    if (known !== undefined) return known;
    for (let after = 0; ; ) {
      const rows = this.store.page(tenant, meeting, after, PAGE_ROWS);
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

  /** An envelope was stored: a meeting.setup makes its meeting exist. */
  stored(tenant: string, meeting: string, env: Envelope): void {
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
    if (!room) this.rooms.set(key, (room = new Room(this.limits)));
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

  /** Send stored envelopes of one doc to everyone in the room who may read it, except the sender. */
  fanOut(key: string, doc: string, envs: Envelope[], except: Session): void {
    const room = this.rooms.get(key);
    if (!room || envs.length === 0) return;
    const frame = encodeEnvelopes(envs.map((e) => e.wire));
    const authors = [...new Set(envs.map((e) => toHex(e.author)))];
    for (const s of room.sessions) if (s !== except && s.auth!.docs.includes(doc as DocName)) s.deliver(frame, authors);
  }

  beacon(key: string, b: SignedBeacon, from: Session): void {
    const room = this.rooms.get(key);
    if (!room) return;
    room.keepBeacon(b);
    // Kept for export records: the signed heads that let `verify` catch a cut tail.
    const [tenant, meeting] = key.split('\n') as [string, string];
    this.store.putBeacon(tenant, meeting, scopeOf(b), b);
    const frame = encodeControl({ t: 'beacon', beacon: b });
    for (const s of room.sessions) if (s !== from && s.mayHear(b)) s.deliver(frame, [b.author]);
  }

  /** Sessions are closing: stop the timers of every room. */
  close(): void {
    for (const room of this.rooms.values()) room.dispose();
  }
}

export class Session {
  auth: Auth | null = null;
  closed = false;
  private readonly nonce = toHex(randomBytes(32));
  private queue: Promise<void> = Promise.resolve();
  private readonly envelopeRate: Bucket;
  /** One bucket per doc scope (at most one per subset of DOCS): a device sends its public and its members beacon together. */
  private readonly beaconRates = new Map<string, Bucket>();
  private pending = 0;
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

  /** Every frame towards the peer goes through here: a peer that does not read is dropped, not buffered. */
  push(frame: Uint8Array): void {
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
    if (this.auth?.role === 'public') this.giveCerts(authors);
    this.push(frame);
  }

  private giveCerts(authors: readonly string[]): void {
    const certs: Cert[] = [];
    for (const a of authors) {
      if (this.certsSent.has(a)) continue;
      this.certsSent.add(a);
      certs.push(...this.hub.store.certHistory(this.auth!.tenant, a)); // every version: entries are judged by the one in force
    }
    if (certs.length > 0) this.send({ t: 'certs', certs: certs as unknown as Extract<ServerMessage, { t: 'certs' }>['certs'] });
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
        return this.send({ t: 'video', ticket: this.hub.videoTicket(this.auth!) });
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
    // Finding 7: the members' document only for certificates naming the meeting's body; the administration sets up every body's meetings.
    const admin = cert!.body.roles.includes('admin');
    const body = this.hub.bodyOf(m.tenant, m.meeting);
    const member = admin || (body !== undefined && cert!.body.bodies.includes(body));
    return this.welcome({ tenant: m.tenant, meeting: m.meeting, role: 'device', device: m.device, person: cert!.body.person, docs: member ? ['public', 'members'] : ['public'] }, admin);
  }

  private welcome(auth: Auth, admin: boolean | undefined): void {
    if (this.auth) return this.error('auth', 'already logged in');
    const store = this.hub.store;
    const tenantKey = store.tenantKey(auth.tenant);
    if (!tenantKey) return this.refuse('auth', `unknown tenant '${auth.tenant}'`, 4004, 'unknown tenant');
    if (!admin && this.hub.bodyOf(auth.tenant, auth.meeting) === undefined)
      return this.refuse('unknown-meeting', `no meeting '${auth.meeting}' in tenant '${auth.tenant}'`, CLOSE.unknownMeeting, 'unknown meeting');
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
      // Devices get the directory; the public gets certificates only with the entries they sign (deliver).
      certs: (auth.role === 'device' ? store.certs(auth.tenant) : []) as unknown as Extract<ServerMessage, { t: 'welcome' }>['certs'],
      frontier: store.frontier(auth.tenant, auth.meeting, auth.docs),
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
      const rows = store.page(tenant, meeting, after, PAGE_ROWS);
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
    const ours = store.frontier(tenant, meeting, docs) as Record<string, Record<string, number>>;
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
    const conn = { tenant, meeting, writable: this.auth.docs };
    const acked: string[] = [];
    const stored = new Map<string, Envelope[]>();
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
      if (v.env.kind === 'y') {
        try {
          Y.decodeUpdate(v.env.payload);
        } catch (e) {
          this.error('bad-envelope', `payload is not a Yjs update: ${(e as Error).message}`, v.env.id);
          continue;
        }
      }
      const author = toHex(v.env.author);
      const room = this.hub.room(this.room!);
      if (!room || this.closed) return; // the connection went away while we verified
      room.usage ??= new Usage(store.usage(tenant, meeting));
      const over = room.usage.exceeds(author, v.env.wire.length, this.hub.limits);
      if (over) {
        this.error('quota', over, v.env.id);
        continue;
      }
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
      room.usage.add(author, v.env.wire.length);
      acked.push(v.env.id);
      this.hub.stored(tenant, meeting, v.env);
      this.hub.onStored?.(tenant, meeting, v.env);
      let list = stored.get(v.env.doc);
      if (!list) stored.set(v.env.doc, (list = []));
      list.push(v.env);
    }
    if (acked.length > 0) this.send({ t: 'ack', ids: acked });
    for (const [doc, list] of stored) this.hub.fanOut(this.room!, doc, list, this);
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
        if (!this.hub.store.cert(a.tenant, author)) return this.error('unknown-device', `beacon claims entries of ${author.slice(0, 16)}…, which has no certificate`);
    if (!(await beacon.check(b))) return this.error('bad-signature', 'beacon signature does not verify');
    this.hub.beacon(this.room!, b, this);
  }
}
