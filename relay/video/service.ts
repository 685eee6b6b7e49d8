/**
 * The relay's video service: one-time tickets (issued over a logged-in /sync connection), one MeetingVideo
 * per meeting with its own fold, and the SFU behind them: our own supervised Janus (mode `sfu`), or, where
 * Janus is not installed or switched off, mode `mesh` (PeerJS and TURN, relay/video/mesh.ts: a
 * `MeshBackend` plugs in there; without one the socket still carries presence).
 */
import { randomBytes } from 'node:crypto';
import type { Envelope } from '../../crypto/envelope.js';
import type { DocName } from '../../core/entries.js';
import { type RTCIceServerLike, VIDEO_LIMITS, type VideoServerMessage } from '../../core/video-wire.js';
import type { Store } from '../store.js';
import { type Ticket, VideoConn, type VideoSocket } from './connection.js';
import { newToken } from './janus-api.js';
import { type JanusInstance, JanusSupervisor, janusVersion } from './janus-process.js';
import { MeetingVideo } from './meeting.js';
import { MeetingState } from './meeting-state.js';
import { type Control, openControl } from './room.js';

export interface VideoOptions {
  /** The janus binary; false: no SFU (mesh mode). Default `janus` where installed. */
  janus?: string | false;
  /** The interface ICE may use (tests: RATSRAUM_ICE_INTERFACE inside scripts/netns.mjs). */
  iceInterface?: string;
  rtpPorts?: [number, number];
}

/** The seam for the fallback without SFU (relay/video/mesh.ts): what `ready` tells a device in mesh mode. */
export interface MeshBackend {
  /** What `ready` carries for a device; null: the meeting's mesh is full (closed with meshFull). */
  ready(conn: VideoConn): { mesh: NonNullable<Ready['mesh']>; iceServers: RTCIceServerLike[] } | null;
  /** Who can be called in a meeting, for the devices' `presence`. */
  peers(tenant: string, meeting: string): { person: string; peerId: string }[];
  left(conn: VideoConn): void;
}

export interface VideoStatus {
  mode: 'sfu' | 'mesh';
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
  readonly mode: 'sfu' | 'mesh';
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
    this.mode = this.version ? 'sfu' : 'mesh';
    if (this.mode === 'sfu')
      this.supervisor = new JanusSupervisor(
        { binary, dataDir, iceInterface: o.iceInterface ?? process.env.RATSRAUM_ICE_INTERFACE, rtpPorts: o.rtpPorts, log },
        (j) => this.up(j),
        () => this.down(),
      );
  }

  async start(): Promise<void> {
    await this.supervisor?.start().catch((e: Error) => {
      this.log(`video: janus did not start (${e.message}); trying again\n${this.supervisor!.tail()}`);
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
        if (c.ticket.device && this.store.cert(c.ticket.tenant, c.ticket.device)?.body.revoked !== undefined) c.refuse('revoked', 'this device was revoked', 4003);
    }
  }

  /** A (re)started Janus: the relay's control session, then every known meeting's room from its folded state. */
  private async up(j: JanusInstance): Promise<void> {
    const control = await openControl(j, newToken());
    this.control = control;
    for (const p of this.meetings.values()) {
      const m = await p;
      await m.run('rebuilding the room', () => m.ensureRoom(control));
    }
  }

  private down(): void {
    this.control = undefined;
    for (const p of this.meetings.values())
      void p.then((m) => {
        m.lost();
        for (const c of [...m.conns]) c.refuse('sfu-down', 'the video server restarts; reconnect', 4503);
      });
  }

  status(): VideoStatus {
    return { mode: this.mode, version: this.version ?? null, pid: this.supervisor?.instance?.pid ?? null, restarts: this.supervisor?.restarts ?? 0 };
  }

  /** Janus as it runs now, secrets included: for tests that act on Janus directly, never for clients. */
  janus(): JanusInstance | undefined {
    return this.supervisor?.instance;
  }

  /** 32 random bytes, good once for 60 s, bound to the login that asked. */
  issueTicket(a: TicketRequest): string {
    const now = Date.now();
    if (this.tickets.size >= MAX_TICKETS) for (const [k, t] of this.tickets) if (t.expires < now) this.tickets.delete(k);
    if (this.tickets.size >= MAX_TICKETS) this.tickets.delete(this.tickets.keys().next().value!);
    const ticket = randomBytes(32).toString('hex');
    const cert = a.device ? this.store.cert(a.tenant, a.device) : undefined;
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
  takeTicket(ticket: string): Ticket | undefined {
    const t = this.tickets.get(ticket);
    this.tickets.delete(ticket);
    if (!t || t.expires < Date.now()) return undefined;
    // A device revoked since the ticket was issued gets nothing.
    if (t.device && this.store.cert(t.tenant, t.device)?.body.revoked !== undefined) return undefined;
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

  /** Every envelope the relay stores: the meeting's fold follows (only meetings with a video room are folded). */
  stored(tenant: string, meeting: string, env: Envelope): void {
    const p = this.meetings.get(key(tenant, meeting));
    if (p) void p.then((m) => m.stored(env)).catch((e) => this.log(`video: folding ${env.id} failed: ${(e as Error).message}`));
  }

  /** A socket with an accepted ticket (not yet started: `conn.start()` joins). */
  async open(t: Ticket, sock: VideoSocket): Promise<VideoConn> {
    const m = await this.meeting(t.tenant, t.meeting);
    if (this.mesh) m.peers = () => this.mesh?.peers(t.tenant, t.meeting) ?? [];
    return new VideoConn(t, sock, m, () => this.control, this.mode, this.mesh);
  }

  async close(): Promise<void> {
    clearInterval(this.revocations);
    for (const p of this.meetings.values()) {
      const m = await p.catch(() => undefined);
      if (!m) continue;
      for (const c of [...m.conns]) c.refuse('shutdown', 'the relay shuts down', 1001);
      m.dispose();
    }
    await this.supervisor?.stop();
  }
}
