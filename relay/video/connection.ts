/**
 * One /video socket after its ticket was accepted: its own Janus session under a token of its own (limited
 * to VideoRoom for members' devices, to Streaming for the public and other watchers), a participant handle
 * in the meeting's VideoRoom (publisher; also the private_id subscriptions need), one multistream subscriber
 * handle, or a Streaming handle for `watch`. What the fold does not allow is refused here, before Janus.
 * The relay may move the socket between the SFU and the mesh (DIS-5, `moveTo`): it says so with a new `ready`.
 */
import type { Role } from '../../crypto/cert.js';
import { VIDEO_CLOSE, type StreamInfo, type StatsReport, type VideoClientMessage, type VideoServerMessage } from '../../core/video-wire.js';
import type { Participant } from './enforce.js';
import { type Handle, type HandleEvent, type JanusJsep, newToken, type Session, STREAMING, VIDEOROOM } from './janus-api.js';
import type { MeetingVideo } from './meeting.js';
import { MESH_MAX } from './mesh.js';
import type { PresenceSource } from './presence.js';
import type { MeshBackend } from './service.js';
import { type Control, WATCH_MIDS } from './room.js';

export interface Ticket {
  tenant: string;
  meeting: string;
  device: string | null;
  person: string | null;
  roles: readonly Role[];
  /** `device`: a logged-in device that reads the members' document; everyone else only watches. */
  role: 'device' | 'public';
  expires: number;
}

export interface VideoSocket {
  send(text: string): void;
  close(code: number, reason: string): void;
}

const CHAIRS: readonly Role[] = ['chair', 'deputy'];

/** What the relay routes video over now (relay/video/service.ts). */
export type Route = () => { mode: 'sfu' | 'mesh'; fallback: boolean };

export class VideoConn {
  readonly token = newToken();
  joined = false;
  closed = false;
  private session: Session | undefined;
  private pub: Handle | undefined;
  private privateId: number | undefined;
  pubId: string | null = null;
  /** The published connection is up (Janus' webrtcup): only then can others subscribe to it. */
  active = false;
  private sub: Handle | undefined;
  private wantSub = false;
  private readonly subFeeds = new Set<string>();
  private watchHandle: Handle | undefined;
  private watchSession: Session | undefined;
  private watchToken: string | undefined;
  private offering: 'sub' | 'watch' | undefined;
  private mids: { audio?: string; video?: string } = {};
  private self = { audio: true, video: true };
  private speaking = false;
  private stats: { report: StatsReport; at: number } | null = null;
  private readonly since = Date.now();
  private readonly moderated = { audio: false, video: false };
  /** The path this socket was last told (`ready`); `entering` counts the moves, so a stale join gives up. */
  mode: 'sfu' | 'mesh' | undefined;
  private entering = 0;

  constructor(
    readonly ticket: Ticket,
    private readonly sock: VideoSocket,
    private readonly m: MeetingVideo,
    private readonly control: () => Control | undefined,
    private readonly route: Route,
    private readonly mesh?: MeshBackend,
  ) {}

  get person(): string {
    return this.ticket.person ?? 'public';
  }

  get isRoom(): boolean {
    return this.ticket.roles.includes('room');
  }

  private get isChair(): boolean {
    return this.ticket.roles.some((r) => CHAIRS.includes(r));
  }

  /** Who gets one of the mesh's few places first when the relay moves everyone there (DIS-5): the chair, the floor holder, the room. */
  get rank(): number {
    if (this.ticket.role !== 'device') return 4;
    return this.isChair ? 0 : this.person === this.room.floor ? 1 : this.isRoom ? 2 : 3;
  }

  get participant(): Participant {
    return {
      person: this.person,
      isRoom: this.isRoom,
      token: this.token,
      pubId: this.pubId,
      mids: this.mids,
      moderated: this.moderated,
      keyframe: async () => void (await this.pub?.message({ request: 'configure', keyframe: true })),
      removed: () => this.refuseRemoved(),
    };
  }

  get presence(): PresenceSource {
    return { person: this.person, isRoom: this.isRoom, mids: this.mids, self: this.self, speaking: this.speaking, stats: this.stats, since: this.since };
  }

  send(m: VideoServerMessage): void {
    if (!this.closed) this.sock.send(JSON.stringify(m));
  }

  /** A Janus request on this socket's behalf failed: the browser hears it (its offer, say, was not taken). */
  private readonly failed = (e: Error) => this.error('sfu', `the video server refused: ${e.message}`);

  error(code: string, message: string): void {
    this.send({ t: 'error', code, message });
  }

  refuse(code: string, message: string, close: number): void {
    if (this.closed) return;
    this.error(code, message);
    this.sock.close(close, code);
    void this.close();
  }

  /** Removed by the chair, or excluded from the current item for a conflict of interest (BEF-1: the same ban, another reason). */
  private refuseRemoved(): void {
    if (this.room.removed[this.person]?.conflict) this.refuse('removed', 'you are excluded from this item for a conflict of interest', VIDEO_CLOSE.removed);
    else this.refuse('removed', 'the chair removed you from the room', VIDEO_CLOSE.removed);
  }

  private get room() {
    return this.m.state.state.room;
  }

  /** Whether the fold lets this device into the room now; refuses (and closes) if not. */
  private admitted(): boolean {
    const r = this.room;
    if (r.removed[this.person]) {
      this.refuseRemoved();
      return false;
    }
    if (r.locked && !this.isChair && !this.m.insideAtLock.has(this.person)) {
      this.refuse('locked', 'the chair locked the room', VIDEO_CLOSE.locked);
      return false;
    }
    return true;
  }

  private mayPublish(): boolean {
    return this.ticket.role === 'device' && (this.isChair || this.isRoom || this.m.state.state.persons.some((p) => p.id === this.person));
  }

  /** After the ticket: into the Janus room (devices) or ready to watch (the public). */
  async start(): Promise<void> {
    if (this.ticket.role === 'device' && !this.admitted()) return;
    this.m.conns.add(this);
    await this.enter();
  }

  /**
   * DIS-5: the relay now routes video over `mode`. What this socket held on the other path is let go (a dead
   * Janus' session, or the peer id), and it enters the new one with a new `ready`.
   */
  moveTo(mode: 'sfu' | 'mesh'): void {
    if (this.closed || this.mode === mode) return;
    this.mesh?.left(this);
    this.leaveJanus();
    void this.enter();
  }

  /** Forgets the Janus side of this socket (destroyed where that Janus still runs); the room's `allowed` goes with its instance. */
  private leaveJanus(): void {
    void this.session?.destroy();
    void this.watchSession?.destroy();
    this.session = this.pub = this.sub = this.watchHandle = this.watchSession = undefined;
    this.privateId = undefined;
    this.pubId = null;
    this.active = this.wantSub = this.joined = false;
    this.subFeeds.clear();
    this.offering = undefined;
    this.mids = {};
    this.moderated.audio = this.moderated.video = false;
  }

  /** Joins the path the relay routes video over now and says so with `ready`; gives up if moved again meanwhile. */
  private async enter(): Promise<void> {
    const turn = ++this.entering;
    const { mode, fallback } = this.route();
    this.mode = mode;
    if (mode === 'sfu') {
      const ok = await this.m.run('joining', () => this.join());
      if (this.closed || turn !== this.entering) return;
      if (!ok) return this.refuse('sfu-down', 'the video server is not available; try again shortly', VIDEO_CLOSE.sfuDown);
    } else this.joined = this.ticket.role === 'device';
    const mesh = mode === 'mesh' && this.ticket.role === 'device' ? this.mesh?.ready(this) : undefined;
    if (mesh === null) return this.refuse('mesh-full', `without the SFU at most ${MESH_MAX} take part with picture and sound`, VIDEO_CLOSE.meshFull);
    this.send({ t: 'ready', mode, person: this.ticket.person, iceServers: mesh?.iceServers ?? [], ...(mesh ? { mesh: mesh.mesh } : {}), ...(fallback ? { fallback: 'sfu-down' as const } : {}) });
    this.m.presenceNow(this);
    this.m.presenceChanged();
  }

  private async join(): Promise<boolean> {
    const control = this.control();
    if (!control || this.closed) return false;
    if (this.ticket.role === 'device' && !this.admitted()) return false;
    const room = await this.m.ensureRoom(control);
    const device = this.ticket.role === 'device';
    await control.janus.admin.addToken(this.token, [device ? VIDEOROOM : STREAMING]);
    this.session = await control.janus.client.session(this.token);
    if (!device) return true;
    this.pub = await this.session.attach(VIDEOROOM);
    this.pub.on((e) => this.onPubEvent(e));
    await room.allowed('add', [this.token]);
    const id = `${this.person}.${this.token.slice(0, 12)}`;
    const r = await this.pub.message({ request: 'join', ptype: 'publisher', room: room.id, id, display: this.person, token: this.token, pin: room.pin });
    this.privateId = r.data.private_id as number;
    this.pubId = id;
    this.joined = true;
    await this.m.enforceNow();
    return true;
  }

  async handle(msg: VideoClientMessage): Promise<void> {
    switch (msg.t) {
      case 'hello':
        return this.error('protocol', 'already said hello');
      case 'publish':
        return this.publish(msg.jsep, msg.audio, msg.video);
      case 'subscribe':
        if (this.ticket.role !== 'device') return this.error('forbidden', 'the public watches the public stream (watch)');
        this.wantSub = true;
        return void (await this.m.run('subscribing', () => this.refreshSubscription(), this.failed));
      case 'watch':
        return void (await this.m.run('watching', () => this.watch(), this.failed));
      case 'answer':
        return void (await this.m.run('answering', () => this.answer(msg.jsep), this.failed));
      case 'trickle': {
        const h = msg.pc === 'pub' ? this.pub : this.offering === 'watch' ? this.watchHandle : this.sub;
        if (!h) return this.error('state', `no ${msg.pc} connection to trickle to`);
        return void (await h.trickle(msg.candidate).catch(() => {}));
      }
      case 'self':
        this.self = { audio: msg.audio, video: msg.video };
        return this.m.presenceChanged();
      case 'stats':
        this.stats = { report: msg.stats, at: Date.now() };
        return this.m.presenceChanged();
      case 'leave':
        this.sock.close(1000, 'left');
        return this.close();
    }
  }

  private async publish(jsep: JanusJsep, audio: boolean, video: boolean): Promise<void> {
    if (!this.mayPublish()) return this.error('forbidden', 'only members of the body, the chair and the room device may publish');
    if (!this.admitted()) return;
    if (this.mode !== 'sfu') return this.error('mode', 'no SFU: publish to the mesh');
    if (jsep.type !== 'offer') return this.error('protocol', 'publish takes an SDP offer');
    this.self = { audio, video };
    await this.m.run('publishing', () => this.publishNow(jsep), this.failed);
    this.m.presenceChanged();
  }

  private async publishNow(jsep: JanusJsep): Promise<void> {
    if (!this.pub || this.closed) return;
    const r = await this.pub.message({ request: 'publish' }, jsep);
    this.mids = {};
    for (const s of (r.data.streams as { type: string; mid: string }[] | undefined) ?? []) if (s.type === 'audio' || s.type === 'video') this.mids[s.type] ??= s.mid;
    this.moderated.audio = this.moderated.video = false;
    this.active = false;
    await this.m.enforceNow(); // the chair's orders hold before the first packet can flow
    if (r.jsep) this.send({ t: 'published', jsep: r.jsep });
  }

  /** The others' feeds (not own, not removed): joins the subscriber handle, or adds new feeds to it. Call inside `run`. */
  async refreshSubscription(): Promise<void> {
    if (!this.wantSub || this.closed || !this.session || !this.m.room) return;
    const removed = this.room.removed;
    const feeds = [...this.m.conns]
      .filter((c) => c !== this && c.pubId && c.publishing && c.active && !removed[c.person] && !this.subFeeds.has(c.pubId))
      .map((c) => c.pubId!);
    if (feeds.length === 0) return;
    let r;
    if (!this.sub) {
      this.sub = await this.session.attach(VIDEOROOM);
      this.sub.on((e) => this.onSubEvent(e));
      r = await this.sub.message({ request: 'join', ptype: 'subscriber', room: this.m.room.id, private_id: this.privateId, pin: this.m.room.pin, streams: feeds.map((feed) => ({ feed })) });
    } else r = await this.sub.message({ request: 'update', subscribe: feeds.map((feed) => ({ feed })) });
    for (const f of feeds) this.subFeeds.add(f);
    if (r.jsep) this.offer('sub', r.jsep, r.data.streams);
  }

  get publishing(): boolean {
    return !!(this.mids.audio || this.mids.video);
  }

  private offer(pc: 'sub' | 'watch', jsep: JanusJsep, streams: unknown): void {
    this.offering = pc;
    this.send({ t: 'offer', jsep, streams: pc === 'sub' ? this.streamsOf(streams) : this.watchStreams() });
  }

  private streamsOf(streams: unknown): StreamInfo[] {
    const list = (streams as { mid: string; type: string; active?: boolean; feed_display?: string; feed_id?: string }[] | undefined) ?? [];
    const byId = new Map([...this.m.conns].filter((c) => c.pubId).map((c) => [c.pubId!, c]));
    return list
      .filter((s) => (s.type === 'audio' || s.type === 'video') && s.active !== false && s.feed_id)
      .map((s) => {
        const c = byId.get(s.feed_id!);
        return { mid: s.mid, person: c?.person ?? s.feed_display ?? '', kind: s.type as 'audio' | 'video', ...(c?.isRoom ? { room: true as const } : {}) };
      });
  }

  /** The public stream now carries someone else: a watcher's labels follow without a new offer. */
  forwardChanged(): void {
    if (this.offering === 'watch') this.send({ t: 'streams', streams: this.watchStreams() });
  }

  private watchStreams(): StreamInfo[] {
    const source = [...this.m.conns].find((c) => c.pubId !== null && c.pubId === this.m.room?.forward?.publisher);
    if (!source) return [];
    const room = source.isRoom ? { room: true as const } : {};
    return [
      { mid: WATCH_MIDS.audio, person: source.person, kind: 'audio', ...room },
      { mid: WATCH_MIDS.video, person: source.person, kind: 'video', ...room },
    ];
  }

  private async watch(): Promise<void> {
    if (this.closed || this.mode !== 'sfu') return this.error('mode', 'no SFU: there is no public stream');
    const control = this.control();
    if (!control || !this.session) return this.error('sfu-down', 'the video server is not available');
    const room = await this.m.ensureRoom(control);
    if (this.ticket.role === 'device' && !this.watchSession) {
      // A device's token is limited to VideoRoom: it watches through a second session under a Streaming-only token.
      this.watchToken = newToken();
      await control.janus.admin.addToken(this.watchToken, [STREAMING]);
      this.watchSession = await control.janus.client.session(this.watchToken);
    }
    this.watchHandle ??= await (this.watchSession ?? this.session).attach(STREAMING);
    this.watchHandle.on((e) => e.janus === 'trickle' && this.trickleOut('sub', e));
    const r = await this.watchHandle.message({ request: 'watch', id: room.id });
    if (r.jsep) this.offer('watch', r.jsep, undefined);
  }

  private async answer(jsep: JanusJsep): Promise<void> {
    if (jsep.type !== 'answer') return this.error('protocol', 'answer takes an SDP answer');
    const h = this.offering === 'watch' ? this.watchHandle : this.sub;
    if (!h) return this.error('state', 'no offer to answer');
    await h.message({ request: 'start' }, jsep);
  }

  private trickleOut(pc: 'pub' | 'sub', e: HandleEvent): void {
    const c = e.raw.candidate as { candidate?: string; sdpMid?: string; sdpMLineIndex?: number; completed?: boolean } | undefined;
    if (!c) return;
    this.send({ t: 'trickle', pc, candidate: c.completed ? null : { candidate: c.candidate ?? '', sdpMid: c.sdpMid ?? null, sdpMLineIndex: c.sdpMLineIndex ?? null } });
  }

  private onPubEvent(e: HandleEvent): void {
    if (e.janus === 'trickle') return this.trickleOut('pub', e);
    if (e.janus === 'webrtcup') {
      // Janus offers a feed to subscribers only once its connection is up ("No such feed" before).
      this.active = true;
      return this.m.feedsChanged(this);
    }
    const d = e.data ?? {};
    if (d.videoroom === 'talking' || d.videoroom === 'stopped-talking') {
      if (d.id !== this.pubId) return;
      this.speaking = d.videoroom === 'talking';
      return this.m.presenceChanged();
    }
    if (e.janus === 'hangup' || d.unpublished === 'ok' || d.unpublished === this.pubId) {
      this.mids = {};
      this.active = false;
      this.m.presenceChanged();
      void this.m.run('enforcing after unpublish', () => this.m.enforceNow());
    }
    if (typeof d.unpublished === 'string' || typeof d.leaving === 'string') this.subFeeds.delete(String(d.unpublished ?? d.leaving));
  }

  private onSubEvent(e: HandleEvent): void {
    if (e.janus === 'trickle') return this.trickleOut('sub', e);
    // Janus renegotiates by itself when a feed leaves: pass its new offer on.
    if (e.jsep?.type === 'offer') this.offer('sub', e.jsep, e.data?.streams);
  }

  async close(): Promise<void> {
    const was = this.closed;
    this.closed = true;
    if (!this.m.conns.delete(this) && was) return;
    this.mesh?.left(this);
    const room = this.m.room;
    const control = this.control();
    const wasPublishing = this.publishing;
    this.mids = {};
    this.m.presenceChanged();
    if (this.mode === 'mesh') return; // nothing of it on Janus (moving there let its Janus side go)
    void this.m.run('leaving', async () => {
      await this.session?.destroy();
      await this.watchSession?.destroy();
      if (room && this.pubId) await room.allowed('remove', [this.token]).catch(() => {});
      await control?.janus.admin.removeToken(this.token);
      if (this.watchToken) await control?.janus.admin.removeToken(this.watchToken);
      if (wasPublishing) await this.m.enforceNow();
    });
  }
}
