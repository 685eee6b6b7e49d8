/**
 * The sync client (docs/PROTOCOL.md, "Sync protocol"): keeps one replica in step with a relay, or the
 * next relay in the list when one is down. Works in the browser and in Node (pass `ws` as WebSocket).
 * Status: connecting -> resyncing (welcome until synced and outbox empty) -> online; offline between tries.
 */
import { toHex, fromHex } from '../../crypto/bytes.js';
import type { Signer } from '../../crypto/ed25519.js';
import { fingerprint } from '../../crypto/hash.js';
import { raiseFrontier } from '../../core/log.js';
import type { Replica } from '../../core/replica.js';
import { batches, type ClientMessage, decodeServerFrame, encodeControl, encodeEnvelopes, loginInput, type ServerMessage } from '../../core/wire.js';
import { BeaconGate } from './beacon-gate.js';

export type SyncStatus = 'connecting' | 'resyncing' | 'online' | 'offline';
/** A /video ticket and where to use it. */
export interface VideoAccess {
  ticket: string;
  url: string;
}
export type Presence = Extract<ServerMessage, { t: 'presence' }>['devices'];

interface SocketLike {
  binaryType: string;
  readyState: number;
  send(data: Uint8Array): void;
  close(): void;
  onopen: ((ev: unknown) => void) | null;
  onclose: ((ev: unknown) => void) | null;
  onerror: ((ev: unknown) => void) | null;
  onmessage: ((ev: { data: unknown }) => void) | null;
}
type SocketCtor = new (url: string) => SocketLike;

export interface SyncOptions {
  urls: string[]; // ws(s)://host/sync of the relay, then of backup relays
  replica: Replica;
  /** `session`: the token of the last login with the second factor, for devices that have one. */
  auth: { tenant: string; meeting: string; signer: Signer; session?: () => string | undefined } | { tenant: string; meeting: string; public: true; access?: string };
  WebSocket?: SocketCtor;
  /** Tenant key fingerprint from the invitation link: the relay's welcome must match it. */
  fingerprint?: string;
  beaconMs?: number;
  /** Keep-alive: a ping this often; a connection that answers nothing for about two intervals is dropped (ms). */
  pingMs?: number;
  /** How long another author's entry that came over a peer waits before it is pushed to the relay (ms). */
  relayForwardMs?: number;
  /** While on a backup relay, how often to look whether the primary (urls[0]) answers again (ms). */
  returnMs?: number;
  /** The relay this client is logged in at now (its /sync address): at each welcome. */
  onRelay?: (url: string) => void;
  onStatus?: (s: SyncStatus) => void;
  onPresence?: (p: Presence) => void;
  onError?: (code: string, message: string) => void;
}

const BACKOFF_MS = [250, 500, 1000, 2000, 4000];
/**
 * How long the opening (TCP, TLS, upgrade, the relay's challenge) may take before the attempt counts as failed:
 * several round trips on a slow line, or a relay busy with a resync of many devices. With only the ping's
 * 3 s such a device gave up every attempt and came back with a full resync, adding to the relay's load.
 */
export const CONNECT_MS = 10_000;
/**
 * How long another author's entry that came over a peer waits before this device pushes it to the relay: its
 * author pushed it there too, and the relay forwards it to us meanwhile. With 100 devices on one mesh, pushing
 * at once sent the relay every entry about a hundred times.
 */
const RELAY_FORWARD_MS = 2000;
/**
 * DIS-5: a device on a backup relay goes back to the primary once the primary answers again. Presence and
 * signalling are per relay, so devices left on the backup could link no data channel with those on the
 * primary, and the meeting's video would stay split over two relays.
 */
export const RETURN_MS = 15_000;

export class SyncClient {
  status: SyncStatus = 'offline';
  presence: Presence = [];
  private socket: SocketLike | undefined;
  private stopped = true;
  private attempt = 0;
  private urlIndex = 0;
  private synced = false;
  private readonly unacked = new Set<string>();
  private retry: ReturnType<typeof setTimeout> | undefined;
  private beaconTimer: ReturnType<typeof setInterval> | undefined;
  private beacons: BeaconGate | undefined;
  private pushTimer: ReturnType<typeof setTimeout> | undefined;
  private pingTimer: ReturnType<typeof setInterval> | undefined;
  private returnTimer: ReturnType<typeof setInterval> | undefined;
  private probe: SocketLike | undefined;
  private pingSentAt: number | undefined; // a ping nothing has been heard after yet
  private unsubscribe: (() => void) | undefined;
  private readonly pushed = new Set<string>(); // ids the relay has or was sent on this connection
  private known: Record<string, Record<string, number>> = {}; // the relay's frontier at welcome, raised by what it sends and acknowledges
  private inbox: Promise<void> = Promise.resolve();
  private videoWaiters: ((access: VideoAccess) => void)[] = [];
  private url = '';
  private readonly watchers = new Set<(m: ServerMessage) => void>();

  constructor(private readonly o: SyncOptions) {}

  /** The browser says the network is gone: do not wait for a ping to go unanswered. */
  private readonly onOffline = () => {
    const ws = this.socket;
    if (!ws) return;
    this.drop(ws);
    ws.close();
  };

  start(): void {
    if (!this.stopped) return;
    this.stopped = false;
    globalThis.addEventListener?.('offline', this.onOffline);
    this.unsubscribe = this.o.replica.onLogChange(() => {
      this.beacons?.logChanged();
      if (!this.synced) return;
      this.pushMissing(this.known, true);
      // Others' entries that came over a peer: the relay most likely forwards them to us itself meanwhile.
      this.pushTimer ??= setTimeout(() => {
        this.pushTimer = undefined;
        if (this.synced) this.pushMissing(this.known);
      }, this.o.relayForwardMs ?? RELAY_FORWARD_MS);
    });
    this.connect();
  }

  stop(): void {
    this.stopped = true;
    globalThis.removeEventListener?.('offline', this.onOffline);
    this.unsubscribe?.();
    clearTimeout(this.retry);
    this.release()?.close();
    this.setStatus('offline');
  }

  /** The relay this client is connected to (or trying), its /sync address. */
  get relayUrl(): string {
    return this.url;
  }

  private setStatus(s: SyncStatus): void {
    if (this.status === s) return;
    this.status = s;
    if (s === 'offline' || s === 'connecting') this.o.replica.setConnected(false);
    this.o.onStatus?.(s);
  }

  private connect(): void {
    if (this.stopped) return;
    const Ctor = this.o.WebSocket ?? (globalThis.WebSocket as unknown as SocketCtor);
    const url = this.o.urls[this.urlIndex % this.o.urls.length]!;
    this.url = url;
    this.endReturn();
    this.setStatus('connecting');
    this.synced = false;
    this.pushed.clear();
    let ws: SocketLike;
    try {
      ws = new Ctor(url);
    } catch {
      return this.scheduleRetry();
    }
    ws.binaryType = 'arraybuffer';
    this.socket = ws;
    this.pingSentAt = undefined;
    const openBy = Date.now() + CONNECT_MS; // until the first frame (the challenge) arrives
    let opened = false;
    ws.onmessage = (ev) => {
      if (this.socket !== ws) return;
      this.pingSentAt = undefined;
      opened = true;
      const data = ev.data instanceof ArrayBuffer ? new Uint8Array(ev.data) : ev.data instanceof Uint8Array ? ev.data : undefined;
      // One frame after the other: 'synced' must not overtake the envelopes sent before it.
      if (data) this.inbox = this.inbox.then(() => this.onFrame(data)).catch((e) => this.o.onError?.('client', String(e)));
    };
    ws.onclose = () => this.drop(ws);
    ws.onerror = () => {};
    clearInterval(this.pingTimer);
    // AV-1: a dropped line must show within seconds, not after ~17 s (three seconds of silence after a ping).
    const pingMs = this.o.pingMs ?? 2_000;
    this.pingTimer = setInterval(() => {
      if (this.socket !== ws) return;
      // A half-open connection (line cut without a close) may never fire onclose: give up on it ourselves.
      // Measured from an unanswered ping, not from the last message, so throttled timers in a background
      // tab do not make a quiet but healthy connection look dead.
      if (opened ? this.pingSentAt !== undefined && Date.now() - this.pingSentAt > 1.5 * pingMs : Date.now() > openBy) {
        this.drop(ws);
        return ws.close();
      }
      if (ws.readyState !== 1) return;
      if (opened) this.pingSentAt ??= Date.now();
      ws.send(encodeControl({ t: 'ping' }));
    }, pingMs);
  }

  /** This connection is gone: go offline and try again (the next relay in the list). */
  private drop(ws: SocketLike): void {
    if (this.socket !== ws) return;
    this.release();
    this.setStatus('offline');
    this.scheduleRetry();
  }

  /** Lets go of the current connection and its timers; returns it. */
  private release(): SocketLike | undefined {
    const ws = this.socket;
    this.socket = undefined;
    clearInterval(this.beaconTimer);
    clearInterval(this.pingTimer);
    clearTimeout(this.pushTimer);
    this.pushTimer = undefined;
    this.endReturn();
    return ws;
  }

  /** On a backup relay: every RETURN_MS a probe socket to the primary; its challenge means it is up again. */
  private watchPrimary(): void {
    this.endReturn();
    const primary = this.o.urls[0]!;
    if (this.url === primary) return;
    const Ctor = this.o.WebSocket ?? (globalThis.WebSocket as unknown as SocketCtor);
    this.returnTimer = setInterval(() => {
      if (this.probe || this.stopped) return;
      let probe: SocketLike;
      try {
        probe = new Ctor(primary);
      } catch {
        return;
      }
      this.probe = probe;
      const give = setTimeout(() => this.endProbe(probe), CONNECT_MS);
      probe.onerror = () => {};
      probe.onclose = () => (clearTimeout(give), this.endProbe(probe));
      probe.onmessage = () => {
        clearTimeout(give);
        this.endProbe(probe);
        if (this.stopped || this.url === primary || !this.socket) return;
        // The primary answers: leave the backup for it (what was pushed there reaches the primary by replication or by this device's resync).
        this.release()!.close();
        this.urlIndex = 0;
        this.attempt = 0;
        this.connect();
      };
    }, this.o.returnMs ?? RETURN_MS);
  }

  private endProbe(probe: SocketLike): void {
    if (this.probe !== probe) return;
    this.probe = undefined;
    probe.onmessage = probe.onclose = null;
    try {
      probe.close();
    } catch {
      /* not open yet */
    }
  }

  private endReturn(): void {
    clearInterval(this.returnTimer);
    this.returnTimer = undefined;
    if (this.probe) this.endProbe(this.probe);
  }

  private scheduleRetry(): void {
    if (this.stopped) return;
    this.urlIndex++; // the next relay in the list: primary, backup, primary ...
    const delay = BACKOFF_MS[Math.min(this.attempt++, BACKOFF_MS.length - 1)]!;
    this.retry = setTimeout(() => this.connect(), delay);
  }

  /** A one-time ticket for /video (core/video-wire.ts), asked for on the logged-in connection; waits until there is one. */
  async videoTicket(): Promise<string> {
    return (await this.videoAccess()).ticket;
  }

  /**
   * A ticket and the /video address of the relay that issued it: the one this client is connected to, a backup
   * relay while the primary is down (DIS-5), so the video follows the session there.
   */
  videoAccess(): Promise<VideoAccess> {
    return new Promise((resolve) => {
      this.videoWaiters.push(resolve);
      if (this.synced) this.send({ t: 'video' });
    });
  }

  /** Control messages as they arrive (the peer transport listens for presence and signals). */
  watch(fn: (m: ServerMessage) => void): () => void {
    this.watchers.add(fn);
    return () => this.watchers.delete(fn);
  }

  /** Whether signal() can send now: logged in as a device. */
  get signalling(): boolean {
    return (this.status === 'resyncing' || this.status === 'online') && !!this.socket && !('public' in this.o.auth);
  }

  /** DIS-5: a signalling message for another device of the meeting, through this relay; false while not logged in. */
  signal(to: string, data: string): boolean {
    if (!this.signalling) return false;
    this.send({ t: 'signal', to, data });
    return true;
  }

  private send(m: ClientMessage): void {
    if (this.socket?.readyState === 1) this.socket.send(encodeControl(m));
  }

  private async onFrame(data: Uint8Array): Promise<void> {
    let frame;
    try {
      frame = decodeServerFrame(data);
    } catch (e) {
      return this.o.onError?.('bad-frame', (e as Error).message);
    }
    const r = this.o.replica;
    if (frame.type === 'envelopes') {
      const { held } = await r.receive(frame.wires);
      for (const id of held) this.pushed.add(id);
      this.relayHolds(held);
      return;
    }
    const m = frame.message;
    for (const fn of this.watchers) fn(m);
    switch (m.t) {
      case 'challenge':
        return this.login(m.nonce, m.relay);
      case 'welcome': {
        if (this.o.fingerprint && fingerprint(fromHex(m.tenantKey, 32)).replace(/ /g, '') !== this.o.fingerprint.replace(/ /g, '')) {
          this.o.onError?.('fingerprint', 'the relay presents another tenant key than the invitation named');
          this.stop();
          return;
        }
        if (m.tenantKey !== r.directory.tenantKeyHex) {
          this.o.onError?.('tenant-key', 'the relay presents another tenant key than this device trusts');
          this.stop();
          return;
        }
        this.attempt = 0;
        this.setStatus('resyncing');
        this.watchPrimary();
        this.o.onRelay?.(this.url);
        // A device gets the tenant's whole directory: a revocation we hold and it lacks is a rollback.
        await r.addCerts(m.certs as never, m.role === 'device');
        r.setConnected(true);
        this.send({ t: 'sync', frontier: r.frontier() as never });
        if ('signer' in this.o.auth) this.startBeacons();
        // What the relay lacks, we push without waiting to be asked. Whatever we sent earlier and the relay
        // now holds was stored even if its ack was lost with the old connection; the rest is sent again.
        this.known = m.frontier as Record<string, Record<string, number>>;
        this.unacked.clear();
        this.pushMissing(this.known);
        return;
      }
      case 'want': {
        // What the relay holds of the chains it asks for; chains it does not name it holds entirely.
        const held: Record<string, Record<string, number>> = JSON.parse(JSON.stringify(this.known));
        for (const x of m.ranges) (held[x.doc] ??= {})[x.author] = x.from - 1;
        this.pushMissing(held);
        return;
      }
      case 'synced':
        this.synced = true;
        // Entries that came (signed here, or over a peer) between welcome and now were not pushed yet.
        this.pushMissing(this.known);
        for (const _ of this.videoWaiters) this.send({ t: 'video' }); // asked for before, or on a lost connection
        this.updateOnline();
        return;
      case 'ack':
        for (const id of m.ids) this.unacked.delete(id);
        this.relayHolds(m.ids);
        this.updateOnline();
        return;
      case 'error':
        if (m.id) {
          this.unacked.delete(m.id);
          this.pushed.delete(m.id);
        }
        this.o.onError?.(m.code, m.message);
        // Trying again cannot help until the member logs in anew (or never, once revoked): start() resumes.
        if (m.code === 'session' || m.code === 'revoked') return this.stop();
        if (m.code === 'missing-deps' || m.code === 'gap') this.send({ t: 'sync', frontier: r.frontier() as never });
        this.updateOnline();
        return;
      case 'beacon':
        await r.receiveBeacon(m.beacon);
        return;
      case 'presence':
        this.presence = m.devices;
        this.o.onPresence?.(m.devices);
        return;
      case 'present':
        this.presence = m.persons.map((person) => ({ device: '', person, connected: true }));
        this.o.onPresence?.(this.presence);
        return;
      case 'pong':
        return;
      case 'video':
        this.videoWaiters.shift()?.({ ticket: m.ticket, url: this.url.replace(/\/sync$/, '/video') });
        return;
      case 'certs':
        await r.addCerts(m.certs as never);
        return;
      case 'signal':
        return; // for the peer transport (watch)
    }
  }

  private async login(nonce: string, relay: string): Promise<void> {
    const a = this.o.auth;
    if ('public' in a) return this.send({ t: 'public', tenant: a.tenant, meeting: a.meeting, ...(a.access ? { access: a.access } : {}) });
    const sig = await a.signer.sign(loginInput(nonce, a.tenant, a.meeting, relay));
    const session = a.session?.();
    this.send({ t: 'login', tenant: a.tenant, meeting: a.meeting, device: toHex(a.signer.publicKey), sig: toHex(sig), ...(session ? { session } : {}) });
  }

  private updateOnline(): void {
    if (this.synced && this.unacked.size === 0 && this.socket) this.setStatus('online');
    else if (this.socket && this.status === 'online') this.setStatus('resyncing');
  }

  /** The relay stores an entry only after its author's previous one: holding `seq`, it holds the chain up to it. */
  private relayHolds(ids: readonly string[]): void {
    raiseFrontier(this.known, this.o.replica.log.frontierOf(ids));
  }

  /** Push what a frontier lacks, of the docs we may write (`ownOnly`: this device's entries alone). */
  private pushMissing(frontier: Record<string, Record<string, number>>, ownOnly = false): void {
    if ('public' in this.o.auth || this.socket?.readyState !== 1) return;
    const me = this.o.replica.deviceKey;
    const missing = this.o.replica.missingFor(frontier, ownOnly ? me : undefined).filter((e) => !this.pushed.has(e.id));
    this.sendEnvelopes(missing);
  }

  private sendEnvelopes(envs: { id: string; wire: Uint8Array }[]): void {
    if (envs.length === 0 || this.socket?.readyState !== 1) return;
    for (const e of envs) {
      this.pushed.add(e.id);
      this.unacked.add(e.id);
    }
    for (const run of batches(envs.map((e) => e.wire))) this.socket.send(encodeEnvelopes(run));
    this.updateOnline();
  }

  /** Our signed heads to the relay: at login, then on the first beat after the log changed, else every second beat. */
  private startBeacons(): void {
    clearInterval(this.beaconTimer);
    const ms = this.o.beaconMs ?? 5000;
    const gate = (this.beacons = new BeaconGate(ms)); // a new gate is due at once: the beacons of this login
    const beat = async () => {
      if (!gate.due(Date.now())) return;
      try {
        for (const beacon of await this.o.replica.makeBeacons()) this.send({ t: 'beacon', beacon });
      } catch {
        /* offline or no key: the next beat tries again */
      }
    };
    void beat();
    this.beaconTimer = setInterval(beat, ms);
  }
}
