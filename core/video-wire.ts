/**
 * The video signalling protocol between a browser and the relay (docs/PROTOCOL.md, "Video"): JSON text
 * frames on the WebSocket /video, opened with a one-time ticket the device got over its logged-in /sync
 * connection. The relay alone talks to the SFU (Janus) and holds its secrets; it refuses what the fold does
 * not allow (removed, locked room, public publishing). In the fallback mode (no SFU) the same socket
 * introduces mesh peers (PeerJS on the relay, TURN credentials from the relay).
 */
import * as v from 'valibot';

export const VIDEO_LIMITS = {
  frame: 64 * 1024, // bytes per text frame (an SDP with a few dozen m-lines fits)
  perSecond: 50, // frames per second per socket (token bucket)
  ticketMs: 60_000, // a ticket is good for this long, once
} as const;

const sdp = v.pipe(v.string(), v.maxLength(60_000));
const jsep = v.strictObject({ type: v.picklist(['offer', 'answer']), sdp });
export type Jsep = v.InferOutput<typeof jsep>;
const candidate = v.nullable(
  v.strictObject({
    candidate: v.pipe(v.string(), v.maxLength(1000)),
    sdpMid: v.optional(v.nullable(v.pipe(v.string(), v.maxLength(64)))),
    sdpMLineIndex: v.optional(v.nullable(v.pipe(v.number(), v.integer(), v.minValue(0), v.maxValue(1000)))),
  }),
);
const pc = v.picklist(['pub', 'sub']);
const figure = (max: number) => v.pipe(v.number(), v.minValue(0), v.maxValue(max));

/** Connection figures a device reads from getStats() every few seconds (AV-2). */
export const statsReport = v.strictObject({
  rttMs: v.nullable(figure(60_000)),
  lossPct: v.nullable(figure(100)), // inbound packets lost, in percent over the last interval
  upKbps: v.nullable(figure(1_000_000)),
  downKbps: v.nullable(figure(1_000_000)),
  fps: v.nullable(figure(240)), // frames decoded per second, summed over the received pictures
  audioOut: v.boolean(), // the device sends sound packets (their count rose in the interval)
  videoOut: v.boolean(), // … and picture packets
});
export type StatsReport = v.InferOutput<typeof statsReport>;

export const videoClientMessage = v.variant('t', [
  /** First frame: the ticket from the /sync connection ({t:'video'} → {t:'video', ticket}). */
  v.strictObject({ t: v.literal('hello'), ticket: v.pipe(v.string(), v.regex(/^[0-9a-f]{64}$/)) }),
  /** Publish own camera/microphone (members, chair, room device): an SDP offer, answered by `published`. */
  v.strictObject({ t: v.literal('publish'), jsep, audio: v.boolean(), video: v.boolean() }),
  /** Receive the others' pictures and sound: the relay answers with `offer` (and again whenever feeds change). */
  v.strictObject({ t: v.literal('subscribe') }),
  /** The public: receive the public stream (the floor holder, and the room); answered by `offer`. */
  v.strictObject({ t: v.literal('watch') }),
  /** The answer to an `offer` (`pc: 'sub'`). */
  v.strictObject({ t: v.literal('answer'), jsep }),
  v.strictObject({ t: v.literal('trickle'), pc, candidate }),
  /** The device's own switches (VID-4); the relay refuses to lift what a chair's order holds. */
  v.strictObject({ t: v.literal('self'), audio: v.boolean(), video: v.boolean() }),
  v.strictObject({ t: v.literal('stats'), stats: statsReport }),
  v.strictObject({ t: v.literal('leave') }),
]);
export type VideoClientMessage = v.InferOutput<typeof videoClientMessage>;

/** Quality mark per member (AV-2): thresholds in core/quality.ts. `lost`: picture or sound dropped. */
export const QUALITIES = ['good', 'fair', 'poor', 'lost'] as const;
export type Quality = (typeof QUALITIES)[number];

export interface PresenceEntry {
  person: string;
  /** Connected to the video room (from the relay's own sessions, not Janus' publisher list). */
  connected: boolean;
  audio: boolean; // sound on: sending, not muted by self or by order
  video: boolean; // picture on
  speaking: boolean; // Janus talking events
  quality: Quality | null;
  room?: true; // the room device of a hybrid meeting (HYB-1)
}

/** Which received stream (transceiver mid) shows whom. */
export interface StreamInfo {
  mid: string;
  person: string;
  kind: 'audio' | 'video';
  room?: true;
}

export type VideoServerMessage =
  /** `fallback`: the relay has an SFU, but it is down, so this socket was put on the mesh (DIS-5). */
  | { t: 'ready'; mode: 'sfu' | 'mesh'; person: string | null; iceServers: RTCIceServerLike[]; mesh?: { path: string; key: string; peerId: string; token: string }; fallback?: 'sfu-down' }
  | { t: 'published'; jsep: Jsep }
  | { t: 'offer'; jsep: Jsep; streams: StreamInfo[] }
  | { t: 'streams'; streams: StreamInfo[] }
  | { t: 'trickle'; pc: 'pub' | 'sub'; candidate: v.InferOutput<typeof candidate> }
  | { t: 'presence'; members: PresenceEntry[]; peers?: { person: string; peerId: string }[] }
  | { t: 'error'; code: string; message: string };

export interface RTCIceServerLike {
  urls: string | string[];
  username?: string;
  credential?: string;
}

/** Close codes of /video (4000-4999). */
export const VIDEO_CLOSE = { ticket: 4401, removed: 4403, locked: 4429, sfuDown: 4503, protocol: 4400, meshFull: 4409 } as const;

export function parseVideoClient(text: string): VideoClientMessage {
  if (text.length > VIDEO_LIMITS.frame) throw new Error('video: frame too large');
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    throw new Error('video: frame is not JSON');
  }
  const r = v.safeParse(videoClientMessage, json);
  if (!r.success) throw new Error(`video: ${r.issues.map((i) => i.message).join('; ')}`);
  return r.output;
}
