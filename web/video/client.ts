/**
 * What the video views need of a transport, whichever the relay's `ready` names: the SFU (web/video/sfu.ts)
 * or the mesh fallback (web/video/mesh.ts). `openVideo` opens the /video socket and hands it to the mode's
 * client; the client (re)builds its connections on every `ready` (first connect and every reconnect), and a
 * `ready` of the other mode (the relay moved the socket: DIS-5) replaces the client on the same socket.
 */
import { type Accessor, createEffect, createSignal, on } from 'solid-js';
import type { PresenceEntry, VideoServerMessage } from '../../core/video-wire.js';
import type { Session } from '../session.js';
import { type CloseReason, type SignalStatus, VideoSignal } from './signal.js';

/** The pictures and sound received from one person (or the room device). */
export interface RemoteMedia {
  person: string;
  room?: true;
  stream: MediaStream;
  audio: boolean; // a sound track is received
  video: boolean; // a picture track is received
}

export type Ready = Extract<VideoServerMessage, { t: 'ready' }>;
/** `publish`: own camera and microphone go out (members, chair, room device); else receive only (`watch`: the public). */
export type VideoRole = 'publish' | 'watch';

export interface VideoClient {
  readonly mode: 'sfu' | 'mesh';
  remotes: Accessor<RemoteMedia[]>;
  /** Own camera and microphone, for the preview (undefined while watching or before getUserMedia). */
  local: Accessor<MediaStream | undefined>;
  /** The own switches as they go out: what the member chose, less what the chair's orders hold. */
  setSelf(s: { audio: boolean; video: boolean }): void;
  /** The connections whose getStats() the stats reporter reads (web/video/stats.ts). */
  connections(): RTCPeerConnection[];
  /** A `ready` after a reconnect: rebuild the connections on the new socket. */
  restart(ready: Ready): void;
  close(): void;
}

export type ModeClient = new (signal: VideoSignal, ready: Ready, role: VideoRole) => VideoClient;

/**
 * Which path carries the picture, from the last `ready`: the SFU, the mesh, or the mesh because the SFU is down
 * (DIS-5); `noStream`: on the mesh without a peer id of its own (the public) nothing reaches this page.
 */
export type VideoPath = 'sfu' | 'mesh' | 'sfuDown' | 'noStream';
export const pathOf = (r: Ready): VideoPath => (r.mode === 'sfu' ? 'sfu' : !r.mesh ? 'noStream' : r.fallback === 'sfu-down' ? 'sfuDown' : 'mesh');

export interface Video {
  status: Accessor<SignalStatus>;
  path: Accessor<VideoPath | undefined>;
  closeReason: Accessor<CloseReason | undefined>;
  presence: Accessor<PresenceEntry[]>;
  client: Accessor<VideoClient | undefined>;
  signal: VideoSignal;
  close(): void;
}

/** Opens the video socket and the client of the mode the relay names (`modes`: the transports this build has). */
export function openVideo(s: Session, role: VideoRole, modes: Partial<Record<Ready['mode'], ModeClient>>): Video {
  const signal = new VideoSignal(() => s.videoAccess());
  // DIS-5: the picture follows the session to the relay it is logged in at (back to the primary once it is up again).
  createEffect(on(s.relay, (sync) => signal.follow(sync.replace(/\/sync$/, '/video')), { defer: true }));
  const [presence, setPresence] = createSignal<PresenceEntry[]>([]);
  const [client, setClient] = createSignal<VideoClient>();
  const [path, setPath] = createSignal<VideoPath>();
  signal.onMessage((m) => {
    if (m.t === 'presence') setPresence(m.members);
    if (m.t === 'error') console.warn(`video: ${m.code}: ${m.message}`);
    if (m.t !== 'ready') return;
    setPath(pathOf(m));
    const c = client();
    if (c && c.mode === m.mode) return c.restart(m);
    c?.close();
    const Mode = modes[m.mode];
    if (!Mode) console.warn(`video: no client for mode ${m.mode}`);
    setClient(Mode ? new Mode(signal, m, role) : undefined);
  });
  return {
    status: signal.status,
    path,
    closeReason: signal.closeReason,
    presence,
    client,
    signal,
    close() {
      client()?.close();
      signal.close();
    },
  };
}
