/**
 * The mesh fallback transport (no SFU): PeerJS against the relay's own signalling (`ready.mesh`, at the relay of
 * the /video socket, path /peerjs), one call per pair of peers the relay's `presence` lists, carrying both directions; TURN from
 * `ready.iceServers`. Of each pair the lower peer id calls, so two members never call each other twice. The
 * relay cannot enforce orders here: receivers apply them (web/video/orders.ts), and a peer the relay no longer
 * lists (removed, gone) is hung up on.
 */
import { type CallOption, type MediaConnection, Peer } from 'peerjs';
import { createSignal } from 'solid-js';
import type { PresenceEntry, VideoServerMessage } from '../../core/video-wire.js';
import { capVideo } from './bitrate.js';
import type { Ready, RemoteMedia, VideoClient, VideoRole } from './client.js';
import type { VideoSignal } from './signal.js';
import { ownMedia } from './sfu.js';

/** `localStorage['ratsraum.ice'] = 'relay'`: media only through TURN (tests, and networks that need it). */
export const ICE_POLICY_KEY = 'ratsraum.ice';
/** A member without camera and microphone still receives (legacy offer options, which PeerJS passes on). */
const RECEIVE = { constraints: { offerToReceiveAudio: true, offerToReceiveVideo: true } };
/** A call from a peer the relay's presence does not list yet waits this long for it (the caller may have heard first). */
const UNLISTED_MS = 10_000;

interface Call {
  person: string;
  media: MediaConnection;
  stream?: MediaStream;
}

export class MeshClient implements VideoClient {
  readonly mode = 'mesh';
  readonly remotes;
  readonly local;
  private readonly setRemotes;
  private readonly setLocal;
  private peer: Peer | undefined;
  private self = '';
  private listed = new Map<string, string>(); // peerId → person, from the relay's presence
  private rooms = new Set<string>();
  private readonly calls = new Map<string, Call>(); // by remote peer id
  private readonly unlisted = new Map<string, MediaConnection>(); // calls waiting for the presence that names their peer
  private media: Promise<MediaStream | undefined> | undefined;
  private out = { audio: true, video: true };
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
    this.hangUpAll();
    this.peer?.destroy();
    this.peer = undefined;
    if (!ready.mesh) return console.warn('video: mesh ready without a peer id');
    const { path, key, peerId, token } = ready.mesh;
    this.self = peerId;
    // PeerJS at the relay that carries this /video socket (a backup relay's origin while the primary is down).
    const relay = new URL(this.signal.url);
    const secure = relay.protocol === 'wss:';
    const peer = new Peer(peerId, {
      host: relay.hostname,
      port: Number(relay.port) || (secure ? 443 : 80),
      secure,
      path,
      key,
      token,
      config: { iceServers: ready.iceServers as RTCIceServer[], iceTransportPolicy: localStorage.getItem(ICE_POLICY_KEY) === 'relay' ? 'relay' : 'all' },
    });
    this.peer = peer;
    peer.on('open', () => this.connectAll());
    peer.on('call', (call) => void this.incoming(call));
    peer.on('error', (e) => console.warn(`video: mesh: ${e.type}: ${e.message}`));
    if (this.role === 'publish') this.media ??= ownMedia().then((m) => (this.setLocal(m), m));
  }

  setSelf(s: { audio: boolean; video: boolean }): void {
    this.out = { ...s };
    void this.applySelf();
  }

  connections(): RTCPeerConnection[] {
    return [...this.calls.values()].map((c) => c.media.peerConnection).filter((pc): pc is RTCPeerConnection => !!pc);
  }

  close(): void {
    this.closed = true;
    this.unsubscribe();
    this.hangUpAll();
    this.peer?.destroy();
    void this.media?.then((m) => m?.getTracks().forEach((t) => t.stop()));
  }

  private onMessage(m: VideoServerMessage): void {
    if (this.closed || m.t !== 'presence') return;
    this.listed = new Map((m.peers ?? []).map((p) => [p.peerId, p.person]));
    this.rooms = new Set(m.members.filter((x: PresenceEntry) => x.room).map((x) => x.person));
    for (const [id, c] of this.calls) if (this.listed.get(id) !== c.person) this.hangUp(id);
    for (const [id, media] of this.unlisted) {
      if (!this.listed.has(id)) continue;
      this.unlisted.delete(id);
      void this.incoming(media);
    }
    this.connectAll();
  }

  private async outgoing(): Promise<MediaStream> {
    return (this.role === 'publish' ? await this.media : undefined) ?? new MediaStream();
  }

  private connectAll(): void {
    if (!this.peer?.open) return;
    for (const [id, person] of this.listed) if (id !== this.self && this.self < id && !this.calls.has(id)) void this.call(id, person);
  }

  private async call(id: string, person: string): Promise<void> {
    const stream = await this.outgoing();
    if (this.closed || this.calls.has(id) || !this.peer?.open || this.listed.get(id) !== person) return;
    this.track(id, person, this.peer.call(id, stream, RECEIVE as CallOption));
  }

  private async incoming(media: MediaConnection): Promise<void> {
    const person = this.listed.get(media.peer);
    if (this.calls.has(media.peer)) return media.close();
    // Only peers the relay introduced: the id alone says nothing about who calls.
    if (!person) {
      this.unlisted.get(media.peer)?.close();
      this.unlisted.set(media.peer, media);
      setTimeout(() => this.unlisted.get(media.peer) === media && (this.unlisted.delete(media.peer), media.close()), UNLISTED_MS);
      return;
    }
    this.track(media.peer, person, media);
    media.answer(await this.outgoing());
  }

  private track(id: string, person: string, media: MediaConnection): void {
    const call: Call = { person, media };
    this.calls.set(id, call);
    media.on('stream', (s) => {
      call.stream = s;
      this.refresh();
      void this.applySelf().then(() => capVideo(media.peerConnection));
    });
    const gone = () => {
      if (this.calls.get(id) !== call) return;
      this.calls.delete(id);
      this.refresh();
      this.connectAll(); // the caller tries again while the relay still lists the peer
    };
    media.on('close', gone);
    media.on('error', gone);
    media.on('iceStateChanged', (s) => (s === 'failed' || s === 'closed') && media.close());
  }

  private hangUp(id: string): void {
    const c = this.calls.get(id);
    this.calls.delete(id);
    c?.media.close();
    this.refresh();
  }

  private hangUpAll(): void {
    for (const id of [...this.calls.keys()]) this.hangUp(id);
    for (const media of this.unlisted.values()) media.close();
    this.unlisted.clear();
  }

  /** A switched-off source sends nothing at all, on every call. */
  private async applySelf(): Promise<void> {
    const media = await this.media;
    for (const track of media?.getTracks() ?? []) {
      const on = this.out[track.kind as 'audio' | 'video'];
      track.enabled = on;
      // The receiver's track names the m-line's kind even while the sender carries none.
      for (const pc of this.connections())
        for (const x of pc.getTransceivers()) if (x.receiver.track.kind === track.kind && x.sender) await x.sender.replaceTrack(on ? track : null).catch(() => {});
    }
  }

  private refresh(): void {
    this.setRemotes(
      [...this.calls.values()]
        .filter((c): c is Call & { stream: MediaStream } => !!c.stream)
        .map((c) => ({
          person: c.person,
          ...(this.rooms.has(c.person) ? { room: true as const } : {}),
          stream: c.stream,
          audio: c.stream.getAudioTracks().length > 0,
          video: c.stream.getVideoTracks().length > 0,
        })),
    );
  }
}
