/**
 * The SFU transport: one RTCPeerConnection publishes the own camera and microphone (offer → `publish` →
 * `published`), one receives everything the relay lets through (`subscribe`, or `watch` for the public:
 * the relay's `offer` names which mid shows whom, and comes again whenever the feeds change).
 */
import { createSignal } from 'solid-js';
import type { Jsep, StreamInfo, VideoServerMessage } from '../../core/video-wire.js';
import type { Ready, RemoteMedia, VideoClient, VideoRole } from './client.js';
import { VIDEO_MAX_BITRATE } from './bitrate.js';
import type { VideoSignal } from './signal.js';

/** 320x240 at 15 frames is enough for a gallery; with the cap of bitrate.ts a member uploads ~0.35 Mbit/s. */
const CAMERA: MediaStreamConstraints = { audio: true, video: { width: 320, height: 240, frameRate: 15 } };

export async function ownMedia(): Promise<MediaStream | undefined> {
  for (const c of [CAMERA, { audio: true }]) {
    try {
      return await navigator.mediaDevices.getUserMedia(c);
    } catch (e) {
      console.warn(`video: getUserMedia ${JSON.stringify(c)}: ${(e as Error).message}`);
    }
  }
  return undefined;
}

const wireCandidate = (c: RTCIceCandidate | null) => (c ? { candidate: c.candidate, sdpMid: c.sdpMid, sdpMLineIndex: c.sdpMLineIndex } : null);
const jsepOf = (d: RTCSessionDescription | null): Jsep => ({ type: d!.type as 'offer' | 'answer', sdp: d!.sdp });

export class SfuClient implements VideoClient {
  readonly mode = 'sfu';
  readonly remotes;
  readonly local;
  private readonly setRemotes;
  private readonly setLocal;
  private pub: RTCPeerConnection | undefined;
  private sub: RTCPeerConnection | undefined;
  private info: StreamInfo[] = [];
  private readonly streams = new Map<string, MediaStream>();
  private media: Promise<MediaStream | undefined> | undefined;
  private out = { audio: true, video: true };
  private senders: Partial<Record<'audio' | 'video', RTCRtpSender>> = {};
  private iceServers: RTCIceServer[] = [];
  private queue: Promise<void> = Promise.resolve(); // offers and answers one after the other
  private readonly unsubscribe: () => void;
  private closed = false;

  constructor(
    private readonly signal: VideoSignal,
    ready: Ready,
    private readonly role: VideoRole,
  ) {
    [this.remotes, this.setRemotes] = createSignal<RemoteMedia[]>([]);
    [this.local, this.setLocal] = createSignal<MediaStream>();
    this.unsubscribe = signal.onMessage((m) => this.onMessage(m));
    this.restart(ready);
  }

  restart(ready: Ready): void {
    this.pub?.close();
    this.sub?.close();
    this.pub = this.sub = undefined;
    this.senders = {};
    this.iceServers = ready.iceServers as RTCIceServer[];
    this.refresh();
    if (this.role === 'publish') this.serial(() => this.publish());
    this.signal.send({ t: this.role === 'publish' ? 'subscribe' : 'watch' });
  }

  setSelf(s: { audio: boolean; video: boolean }): void {
    this.out = { ...s };
    void this.applySelf();
    this.signal.send({ t: 'self', ...this.out });
  }

  connections(): RTCPeerConnection[] {
    return [this.pub, this.sub].filter((x): x is RTCPeerConnection => !!x);
  }

  close(): void {
    this.closed = true;
    this.unsubscribe();
    this.pub?.close();
    this.sub?.close();
    void this.media?.then((m) => m?.getTracks().forEach((t) => t.stop()));
    this.setRemotes([]);
  }

  private serial(f: () => Promise<void>): void {
    this.queue = this.queue.then(f).catch((e) => console.warn(`video: ${(e as Error).message}`));
  }

  private onMessage(m: VideoServerMessage): void {
    if (this.closed) return;
    if (m.t === 'published') this.serial(async () => void (await this.pub?.setRemoteDescription(m.jsep)));
    if (m.t === 'offer') this.serial(() => this.answer(m.jsep, m.streams));
    if (m.t === 'streams') this.serial(async () => ((this.info = m.streams), this.refresh()));
    if (m.t === 'trickle' && m.candidate) {
      const pc = m.pc === 'pub' ? this.pub : this.sub;
      void pc?.addIceCandidate(m.candidate).catch(() => {});
    }
  }

  /** A connection whose candidates go out only after the frame that opens it (`publish` / `answer`). */
  private connection(kind: 'pub' | 'sub'): { pc: RTCPeerConnection; opened: () => void } {
    const pc = new RTCPeerConnection({ iceServers: this.iceServers });
    const early: (RTCIceCandidate | null)[] = [];
    let open = false;
    const send = (c: RTCIceCandidate | null) => this.signal.send({ t: 'trickle', pc: kind, candidate: wireCandidate(c) });
    pc.onicecandidate = (e) => (open ? send(e.candidate) : early.push(e.candidate));
    return { pc, opened: () => ((open = true), early.splice(0).forEach(send)) };
  }

  private async publish(): Promise<void> {
    const media = await (this.media ??= ownMedia());
    if (!media || this.closed) return;
    this.setLocal(media);
    const { pc, opened } = this.connection('pub');
    this.pub = pc;
    for (const track of media.getTracks()) {
      const sendEncodings = track.kind === 'video' ? [{ maxBitrate: VIDEO_MAX_BITRATE }] : undefined;
      this.senders[track.kind as 'audio' | 'video'] = pc.addTransceiver(track, { direction: 'sendonly', streams: [media], sendEncodings }).sender;
    }
    await this.applySelf();
    await pc.setLocalDescription(await pc.createOffer());
    this.signal.send({ t: 'publish', jsep: jsepOf(pc.localDescription), audio: this.out.audio, video: this.out.video });
    opened();
  }

  /** A switched-off source sends nothing at all (no black frames, no silence packets). */
  private async applySelf(): Promise<void> {
    const media = await this.media;
    for (const track of media?.getTracks() ?? []) {
      const on = this.out[track.kind as 'audio' | 'video'];
      track.enabled = on;
      await this.senders[track.kind as 'audio' | 'video']?.replaceTrack(on ? track : null);
    }
  }

  private async answer(jsep: Jsep, streams: StreamInfo[]): Promise<void> {
    let pc = this.sub;
    let opened = () => {};
    if (!pc) {
      ({ pc, opened } = this.connection('sub'));
      this.sub = pc;
      pc.ontrack = () => this.refresh();
    }
    this.info = streams;
    await pc.setRemoteDescription(jsep);
    await pc.setLocalDescription(await pc.createAnswer());
    this.signal.send({ t: 'answer', jsep: jsepOf(pc.localDescription) });
    opened();
    this.refresh();
  }

  /** One stream per person, from the receiving transceivers the last offer names. */
  private refresh(): void {
    const tracks = new Map<string, { room?: true; list: MediaStreamTrack[] }>();
    for (const t of this.sub?.getTransceivers() ?? []) {
      const info = this.info.find((i) => i.mid === t.mid);
      if (!info || t.currentDirection === 'inactive' || t.currentDirection === 'stopped') continue;
      const x = tracks.get(info.person) ?? { room: info.room, list: [] };
      x.list.push(t.receiver.track);
      tracks.set(info.person, x);
    }
    for (const person of [...this.streams.keys()]) if (!tracks.has(person)) this.streams.delete(person);
    const out: RemoteMedia[] = [];
    for (const [person, x] of tracks) {
      let stream = this.streams.get(person);
      if (!stream) this.streams.set(person, (stream = new MediaStream()));
      for (const old of stream.getTracks()) if (!x.list.includes(old)) stream.removeTrack(old);
      for (const t of x.list) if (!stream.getTracks().includes(t)) stream.addTrack(t);
      out.push({ person, ...(x.room ? { room: true as const } : {}), stream, audio: x.list.some((t) => t.kind === 'audio'), video: x.list.some((t) => t.kind === 'video') });
    }
    this.setRemotes(out);
  }
}
