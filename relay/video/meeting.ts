/**
 * One meeting's video room on the relay: its fold (meeting-state.ts), its Janus room, the device and public
 * sockets in it, enforcement and presence. Janus requests of one meeting run one after another, so an order
 * and a join never interleave halfway.
 */
import { randomBytes } from 'node:crypto';
import type { Envelope } from '../../crypto/envelope.js';
import type { PresenceEntry, VideoServerMessage } from '../../core/video-wire.js';
import { enforce, type Enforced } from './enforce.js';
import type { MeetingState } from './meeting-state.js';
import { presenceOf } from './presence.js';
import { type Control, JanusRoom } from './room.js';
import type { VideoConn } from './connection.js';

const PRESENCE_COALESCE_MS = 40;
const PRESENCE_TICK_MS = 2000;

export class MeetingVideo {
  readonly conns = new Set<VideoConn>();
  room: JanusRoom | undefined;
  private queue: Promise<unknown> = Promise.resolve();
  private enforced: Enforced = this.fresh();
  /** Persons inside when the room was locked: they may come back; nobody new may (but the chair). */
  insideAtLock = new Set<string>();
  private wasLocked: boolean;
  private presenceTimer: ReturnType<typeof setTimeout> | undefined;
  private lastPresence = '';
  /** The members as the last presence showed them (AV-2: quality marks for the relay's monitor). */
  members: PresenceEntry[] = [];
  private readonly tick: ReturnType<typeof setInterval>;
  /** Mesh mode: who can be called (relay/video/mesh.ts); devices get it with the presence. */
  peers: (() => { person: string; peerId: string }[]) | undefined;
  /** Janus requests sent for room orders, by request (tests: a rejected order must leave this unchanged). */
  orders = 0;

  constructor(
    readonly tenant: string,
    readonly meeting: string,
    readonly state: MeetingState,
    private readonly dataDir: string,
    readonly log: (m: string) => void,
  ) {
    this.wasLocked = state.state.room.locked;
    state.onChange(() => this.changed());
    this.tick = setInterval(() => this.presenceChanged(), PRESENCE_TICK_MS);
    this.tick.unref();
  }

  private fresh(): Enforced {
    return { recording: false, pinOpen: randomBytes(16).toString('hex'), pinLocked: randomBytes(16).toString('hex') };
  }

  /** Runs Janus work of this meeting in order; a failure is logged, never thrown at the caller's socket. */
  run<T>(what: string, f: () => Promise<T>, failed?: (e: Error) => void): Promise<T | undefined> {
    const next = this.queue.then(f, f);
    this.queue = next.catch(() => {});
    return next.catch((e: Error) => {
      this.log(`video: ${what} in ${this.tenant}/${this.meeting} failed: ${e.message}`);
      failed?.(e);
      return undefined;
    });
  }

  /** The room on this Janus instance, created on demand (and again after a restart of Janus). */
  async ensureRoom(control: Control): Promise<JanusRoom> {
    if (this.room && this.room.control === control) return this.room;
    const room = new JanusRoom(control, this.tenant, this.meeting, this.dataDir);
    this.enforced = this.fresh();
    room.pin = this.enforced.pinOpen;
    await room.create();
    this.room = room;
    await this.enforceNow();
    return room;
  }

  /** Janus went away: the room with it. */
  lost(): void {
    this.room = undefined;
  }

  stored(env: Envelope): Promise<void> {
    return this.state.add(env);
  }

  private changed(): void {
    const locked = this.state.state.room.locked;
    if (locked && !this.wasLocked) this.insideAtLock = new Set([...this.conns].filter((c) => c.joined && c.ticket.role === 'device').map((c) => c.ticket.person!));
    this.wasLocked = locked;
    // On the mesh: no SFU to enforce on, but a removed member's socket goes, and with it the peer id the others call.
    for (const c of [...this.conns]) if (c.mode === 'mesh' && c.ticket.role === 'device' && this.state.state.room.removed[c.person]) c.participant.removed();
    void this.run('enforcing orders', () => this.enforceNow());
    this.presenceChanged();
  }

  /** Settles once the Janus work queued so far (the enforcement of the state as folded now) is done. */
  settled(): Promise<void> {
    return this.run('settling', async () => {}).then(() => {});
  }

  /** Call inside `run` only. */
  async enforceNow(): Promise<void> {
    const room = this.room;
    if (!room) return;
    const before = room.requests;
    const parts = [...this.conns].filter((c) => c.ticket.role === 'device' && c.joined).map((c) => c.participant);
    const forwarded = room.forward?.publisher ?? null;
    await enforce(this.state.state, room, parts, this.enforced);
    this.orders += room.requests - before;
    if ((room.forward?.publisher ?? null) !== forwarded) for (const c of this.conns) c.forwardChanged();
  }

  /** A new publisher: every other subscriber gets its feed. */
  feedsChanged(except: VideoConn): void {
    for (const c of this.conns) if (c !== except) void this.run('updating a subscription', () => c.refreshSubscription());
  }

  presenceChanged(): void {
    if (this.presenceTimer) return;
    this.presenceTimer = setTimeout(() => {
      this.presenceTimer = undefined;
      const members = presenceOf([...this.conns].filter((c) => c.ticket.role === 'device' && c.joined).map((c) => c.presence), this.state.state.room);
      this.members = members;
      const peers = this.peers?.();
      const text = JSON.stringify([members, peers]);
      if (text === this.lastPresence) return;
      this.lastPresence = text;
      for (const c of this.conns) c.send(this.presenceFor(c, members, peers));
    }, PRESENCE_COALESCE_MS);
  }

  /** For a newcomer: the current presence at once. */
  presenceNow(c: VideoConn): void {
    const members = presenceOf([...this.conns].filter((x) => x.ticket.role === 'device' && x.joined).map((x) => x.presence), this.state.state.room);
    c.send(this.presenceFor(c, members, this.peers?.()));
  }

  /** Peer ids go to the meeting's devices on the mesh only, never to the public. */
  private presenceFor(c: VideoConn, members: PresenceEntry[], peers: { person: string; peerId: string }[] | undefined): VideoServerMessage {
    return { t: 'presence', members, ...(peers && c.ticket.role === 'device' && c.mode === 'mesh' ? { peers } : {}) };
  }

  dispose(): void {
    clearInterval(this.tick);
    clearTimeout(this.presenceTimer);
  }
}
