/**
 * The relay's video service: one-time tickets (issued over a logged-in /sync connection), one MeetingVideo
 * per meeting with its own fold, and the SFU behind them: our own supervised Janus (mode `sfu`), or, where
 * Janus is not installed or switched off, mode `mesh` (PeerJS and TURN, relay/video/mesh.ts: a
 * `MeshBackend` plugs in there; without one the socket still carries presence).
 *
 * DIS-5: while a configured Janus is down (crashed, hung, failing its restarts) every socket is moved to the
 * mesh; it is moved back only after Janus has run SFU_STABLE_MS since its restart (docs/PROTOCOL.md "Video").
 */
import { randomBytes } from 'node:crypto';
import type { Envelope } from '../../crypto/envelope.js';
import type { DocName } from '../../core/entries.js';
import { type RTCIceServerLike, VIDEO_LIMITS, type VideoServerMessage } from '../../core/video-wire.js';
import type { Store } from '../store.js';
import { type Ticket, VideoConn, type VideoSocket } from './connection.js';
import { newToken } from './janus-api.js';
import { type JanusInstance, JanusSupervisor, janusVersion, type Probe } from './janus-process.js';
import { MeetingVideo } from './meeting.js';
import { MeetingState } from './meeting-state.js';
import { type Control, openControl } from './room.js';

export interface VideoOptions {
  /** The janus binary; false: no SFU (mesh mode). Default `janus` where installed. */
  janus?: string | false;
  /** The interface ICE may use (tests: RATSRAUM_ICE_INTERFACE inside scripts/netns.mjs). */
  iceInterface?: string;
  rtpPorts?: [number, number];
  /** How long a restarted Janus must run before the sockets move back from the mesh (default SFU_STABLE_MS). */
  sfuStableMs?: number;
  /** Janus' liveness probe (tests: shorter). */
  probe?: Partial<Probe>;
}

/**
 * Back to the SFU only after 30 s of uptime: a Janus that crashes on some request (VIDEO-NOTES: 1.1.2 has
 * such bugs) tends to crash again as soon as everyone republishes, and every move renegotiates every call
 * (seconds without picture); the mesh meanwhile carries picture and sound.
 */
export const SFU_STABLE_MS = 30_000;

/** The seam for the fallback without SFU (relay/video/mesh.ts): what `ready` tells a device in mesh mode. */
export interface MeshBackend {
  /** What `ready` carries for a device; null: the meeting's mesh is full (closed with meshFull). */
  ready(conn: VideoConn): { mesh: NonNullable<Ready['mesh']>; iceServers: RTCIceServerLike[] } | null;
  /** Who can be called in a meeting, for the devices' `presence`. */
  peers(tenant: string, meeting: string): { person: string; peerId: string }[];
  left(conn: VideoConn): void;
}

export interface VideoStatus {
  /** What video runs over now; `fallback`: the mesh because the configured Janus is down. */
  mode: 'sfu' | 'mesh';
  fallback: boolean;
  version: string | null;
  /** Janus' process id while it runs (tests kill it). */
  pid: number | null;
  restarts: number;
}

/** Who asks for a ticket: a /sync login (relay/hub.ts). */
export interface TicketRequest {
  tenant: string;
  meeting: string;
  role: 'device' | 'public';
  device: string | null;
  person: string | null;
  docs: readonly DocName[];
}

type Ready = Extract<VideoServerMessage, { t: 'ready' }>;
const key = (tenant: string, meeting: string) => `${tenant}\n${meeting}`;
const MAX_TICKETS = 10_000;
const REVOCATION_CHECK_MS = 2000;

export class VideoService {
  /** What this relay is set up for: Janus installed and on (`sfu`), or not. */
  readonly configured: 'sfu' | 'mesh';
  /** What video runs over now: `sfu` only while Janus is up (and, after an outage, stable). */
  private current: 'sfu' | 'mesh';
  private back: ReturnType<typeof setTimeout> | undefined;
  private readonly stableMs: number;
  /** Janus' version in mode `sfu`. */
  readonly version: string | undefined;
  private readonly tickets = new Map<string, Ticket>();
  private readonly meetings = new Map<string, Promise<MeetingVideo>>();
  private readonly supervisor: JanusSupervisor | undefined;
  private control: Control | undefined;
  mesh: MeshBackend | undefined;

  constructor(
    private readonly store: Store,
    private readonly dataDir: string,
    o: VideoOptions,
    private readonly log: (m: string) => void,
  ) {
    const binary = o.janus === false ? undefined : (o.janus ?? 'janus');
    this.version = binary ? janusVersion(binary) : undefined;
    this.configured = this.current = this.version ? 'sfu' : 'mesh';
    this.stableMs = o.sfuStableMs ?? SFU_STABLE_MS;
    if (this.configured === 'sfu')
      this.supervisor = new JanusSupervisor(
        { binary, dataDir, iceInterface: o.iceInterface ?? process.env.RATSRAUM_ICE_INTERFACE, rtpPorts: o.rtpPorts, probe: o.probe, log },
        (j) => this.up(j),
        () => this.down(),
      );
  }

  async start(): Promise<void> {
    await this.supervisor?.start().catch((e: Error) => {
      this.log(`video: janus did not start (${e.message}); trying again\n${this.supervisor!.tail()}`);
      this.route('mesh');
      this.supervisor!.retry();
    });
    this.revocations = setInterval(() => void this.dropRevoked(), REVOCATION_CHECK_MS);
    this.revocations.unref();
  }

  private revocations: ReturnType<typeof setInterval> | undefined;

  /** A device revoked while in the video room loses its socket (the hub drops its /sync connections at once). */
  private async dropRevoked(): Promise<void> {
    for (const p of this.meetings.values()) {
      const m = await p.catch(() => undefined);
      for (const c of [...(m?.conns ?? [])])
        if (c.ticket.device && (await this.store.cert(c.ticket.tenant, c.ticket.device))?.body.revoked !== undefined) c.refuse('revoked', 'this device was revoked', 4003);
    }
  }

  /** What video runs over now. */
  get mode(): 'sfu' | 'mesh' {
    return this.current;
  }

  /**
   * A (re)started Janus: the relay's control session, then every known meeting's room from its folded state;
   * the sockets on the mesh move back once this instance has run `stableMs`.
   */
  private async up(j: JanusInstance): Promise<void> {
    const control = await openControl(j, newToken());
    this.control = control;
    for (const p of this.meetings.values()) {
      const m = await p;
      await m.run('rebuilding the room', () => m.ensureRoom(control));
    }
    if (this.current === 'sfu') return;
    clearTimeout(this.back);
    this.back = setTimeout(() => this.supervisor?.instance === j && this.route('sfu'), this.stableMs);
    this.back.unref();
  }

  private down(): void {
    this.control = undefined;
    clearTimeout(this.back);
    for (const p of this.meetings.values()) void p.then((m) => m.lost());
    this.route('mesh');
  }

  /** Every socket of every meeting onto `mode` (DIS-5): a new `ready` on the same socket, no reconnect. */
  private route(mode: 'sfu' | 'mesh'): void {
    if (this.current === mode) return;
    this.current = mode;
    this.log(mode === 'mesh' ? 'video: the SFU is down; video moves to the mesh (PeerJS, TURN)' : `video: the SFU has run ${this.stableMs} ms; video moves back to it`);
    for (const p of this.meetings.values()) void p.then((m) => [...m.conns].sort((a, b) => a.rank - b.rank).forEach((c) => c.moveTo(mode)), () => {});
  }

  /** AV-2: how many connected members (not who) each quality mark has now, over every meeting, and whether the SFU runs. */
  async health(): Promise<{ sfuUp: boolean | null; quality: Record<'good' | 'fair' | 'poor' | 'lost', number> }> {
    const quality = { good: 0, fair: 0, poor: 0, lost: 0 };
    for (const p of this.meetings.values()) {
      const m = await p.catch(() => undefined);
      for (const e of m?.members ?? []) if (e.connected && e.quality && !e.room) quality[e.quality]++;
    }
    return { sfuUp: this.configured === 'sfu' ? (this.supervisor?.instance?.pid ?? null) !== null : null, quality };
  }

  status(): VideoStatus {
    return { mode: this.current, fallback: this.current !== this.configured, version: this.version ?? null, pid: this.supervisor?.instance?.pid ?? null, restarts: this.supervisor?.restarts ?? 0 };
  }

  /** Janus as it runs now, secrets included: for tests that act on Janus directly, never for clients. */
  janus(): JanusInstance | undefined {
    return this.supervisor?.instance;
  }

  /** 32 random bytes, good once for 60 s, bound to the login that asked. */
  async issueTicket(a: TicketRequest): Promise<string> {
    const cert = a.device ? await this.store.cert(a.tenant, a.device) : undefined;
    const now = Date.now();
    if (this.tickets.size >= MAX_TICKETS) for (const [k, t] of this.tickets) if (t.expires < now) this.tickets.delete(k);
    if (this.tickets.size >= MAX_TICKETS) this.tickets.delete(this.tickets.keys().next().value!);
    const ticket = randomBytes(32).toString('hex');
    const member = a.role === 'device' && a.docs.includes('members');
    this.tickets.set(ticket, {
      tenant: a.tenant,
      meeting: a.meeting,
      device: a.device,
      person: a.person,
      roles: cert?.body.roles ?? [],
      role: member ? 'device' : 'public',
      expires: now + VIDEO_LIMITS.ticketMs,
    });
    return ticket;
  }

  /** The ticket's binding, once; undefined for an unknown, used or expired one. */
  async takeTicket(ticket: string): Promise<Ticket | undefined> {
    const t = this.tickets.get(ticket);
    this.tickets.delete(ticket);
    if (!t || t.expires < Date.now()) return undefined;
    // A device revoked since the ticket was issued gets nothing.
    if (t.device && (await this.store.cert(t.tenant, t.device))?.body.revoked !== undefined) return undefined;
    return t;
  }

  meeting(tenant: string, meeting: string): Promise<MeetingVideo> {
    const k = key(tenant, meeting);
    let p = this.meetings.get(k);
    if (!p) {
      p = MeetingState.load(this.store, tenant, meeting).then((s) => new MeetingVideo(tenant, meeting, s, this.dataDir, this.log));
      this.meetings.set(k, p);
      p.catch(() => this.meetings.delete(k));
    }
    return p;
  }

  /**
   * Every envelope the relay stores: the meeting's fold follows (only meetings with a video room are folded).
   * For a public `item.current` the promise settles once Janus has carried out its state (PUB-5: the public
   * stream is cut, BEF-1: the excluded are out), and the relay fans the entry out only then.
   */
  stored(tenant: string, meeting: string, env: Envelope): Promise<void> | undefined {
    const p = this.meetings.get(key(tenant, meeting));
    if (!p) return undefined;
    const done = p.then(async (m) => {
      await m.stored(env);
      await m.settled();
    });
    done.catch((e) => this.log(`video: folding ${env.id} failed: ${(e as Error).message}`));
    return env.doc === 'public' && env.kind === 'item.current' ? done.catch(() => {}) : undefined;
  }

  /** A socket with an accepted ticket (not yet started: `conn.start()` joins). */
  async open(t: Ticket, sock: VideoSocket): Promise<VideoConn> {
    const m = await this.meeting(t.tenant, t.meeting);
    if (this.mesh) m.peers = () => this.mesh?.peers(t.tenant, t.meeting) ?? [];
    return new VideoConn(t, sock, m, () => this.control, () => ({ mode: this.current, fallback: this.current !== this.configured }), this.mesh);
  }

  async close(): Promise<void> {
    clearInterval(this.revocations);
    clearTimeout(this.back);
    for (const p of this.meetings.values()) {
      const m = await p.catch(() => undefined);
      if (!m) continue;
      for (const c of [...m.conns]) c.refuse('shutdown', 'the relay shuts down', 1001);
      m.dispose();
    }
    await this.supervisor?.stop();
  }
}
