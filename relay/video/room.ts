/**
 * The Janus side of one meeting: its VideoRoom (string id from tenant and meeting, secret and PIN known only
 * to the relay, require_pvtid, an `allowed` list of the admitted logins' tokens, audio level events,
 * joining notices, recordings into `<data>/recordings/<tenant>/<meeting>/`) and its Streaming `rtp`
 * mountpoint for the public, fed by rtp_forward of one publisher. Every request goes through the relay's
 * own control session; nothing here decides who may do what (service.ts and enforce.ts do).
 */
import { randomBytes } from 'node:crypto';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { hashString } from '../../crypto/hash.js';
import { RECORDING_PERIOD_FILE } from '../retention.js';
import { type Handle, JanusError, type Session, STREAMING, VIDEOROOM } from './janus-api.js';
import type { JanusInstance } from './janus-process.js';

export const roomId = (tenant: string, meeting: string): string => `rr-${hashString(`${tenant}\n${meeting}`).slice(0, 32)}`;

const AUDIO_PT = 111;
const VIDEO_PT = 96;
/** The mountpoint's mids: what a public viewer receives. */
export const WATCH_MIDS = { audio: 'a', video: 'v' } as const;

/** The relay's control session on one Janus instance, shared by every room on it. */
export interface Control {
  janus: JanusInstance;
  session: Session;
  videoroom: Handle;
  streaming: Handle;
}

export async function openControl(janus: JanusInstance, token: string): Promise<Control> {
  await janus.admin.addToken(token, [VIDEOROOM, STREAMING]);
  const session = await janus.client.session(token);
  return { janus, session, videoroom: await session.attach(VIDEOROOM), streaming: await session.attach(STREAMING) };
}

export interface Forward {
  publisher: string;
  streams: number[];
}

export class JanusRoom {
  readonly id: string;
  readonly secret = randomBytes(24).toString('hex');
  /** The PIN every join carries; replaced by another one while the room is locked (VIDEO-NOTES: "" does not lift it). */
  pin = randomBytes(16).toString('hex');
  readonly recDir: string;
  private ports: { audio: number; video: number } | undefined;
  forward: Forward | null = null;
  /** Order requests sent (allowed, kick, moderate, edit, recording, forwards): tests count them. */
  requests = 0;

  constructor(
    readonly control: Control,
    tenant: string,
    meeting: string,
    dataDir: string,
  ) {
    this.id = roomId(tenant, meeting);
    this.recDir = join(dataDir, 'recordings', tenant, meeting);
  }

  private vr(body: Record<string, unknown>) {
    this.requests++;
    return this.control.videoroom.message({ room: this.id, secret: this.secret, ...body });
  }

  async create(): Promise<void> {
    mkdirSync(this.recDir, { recursive: true });
    const { adminKey } = this.control.janus;
    await this.control.videoroom.message({
      request: 'create',
      admin_key: adminKey,
      room: this.id,
      secret: this.secret,
      pin: this.pin,
      is_private: true,
      require_pvtid: true,
      allowed: [],
      publishers: 100,
      audiolevel_event: true,
      audio_active_packets: 25,
      audio_level_average: 40,
      notify_joining: true,
      audiocodec: 'opus',
      videocodec: 'vp8',
      bitrate: 512_000,
      rec_dir: this.recDir,
      record: false,
      permanent: false,
    });
    this.ports = await this.control.janus.forwardPorts();
    await this.control.streaming.message({
      request: 'create',
      admin_key: adminKey,
      type: 'rtp',
      id: this.id,
      description: 'public',
      secret: this.secret,
      is_private: true,
      permanent: false,
      media: [
        { type: 'audio', mid: WATCH_MIDS.audio, port: this.ports.audio, pt: AUDIO_PT, codec: 'opus' },
        { type: 'video', mid: WATCH_MIDS.video, port: this.ports.video, pt: VIDEO_PT, codec: 'vp8' },
      ],
    });
  }

  async allowed(action: 'add' | 'remove', tokens: string[]): Promise<void> {
    if (tokens.length > 0) await this.vr({ request: 'allowed', action, allowed: tokens });
  }

  async kick(participant: string): Promise<void> {
    await this.vr({ request: 'kick', id: participant }).catch((e) => {
      if (!(e instanceof JanusError)) throw e; // already gone
    });
  }

  async moderate(participant: string, mid: string, mute: boolean): Promise<void> {
    await this.vr({ request: 'moderate', id: participant, mid, mute });
  }

  async setPin(pin: string): Promise<void> {
    await this.vr({ request: 'edit', new_pin: pin });
    this.pin = pin;
  }

  /**
   * Starts or stops recording. On start, the period the meeting's log decided (`legal.recording.retentionDays`)
   * is written next to the files, where retention (relay/retention.ts) reads it.
   */
  async record(on: boolean, retentionDays: number | null = null): Promise<void> {
    if (on && retentionDays !== null) writeFileSync(join(this.recDir, RECORDING_PERIOD_FILE), JSON.stringify({ retentionDays }));
    await this.vr({ request: 'enable_recording', record: on });
  }

  /** Feeds the public mountpoint from one publisher (null: nobody), replacing the previous forward. */
  async forwardFrom(publisher: string | null, mids: { audio?: string; video?: string }): Promise<void> {
    const { adminKey } = this.control.janus;
    if (this.forward) {
      const f = this.forward;
      this.forward = null;
      for (const stream_id of f.streams) await this.vr({ request: 'stop_rtp_forward', publisher_id: f.publisher, stream_id, admin_key: adminKey }).catch(() => {});
    }
    if (!publisher || !this.ports) return;
    const streams = [
      ...(mids.audio ? [{ mid: mids.audio, port: this.ports.audio, pt: AUDIO_PT }] : []),
      ...(mids.video ? [{ mid: mids.video, port: this.ports.video, pt: VIDEO_PT }] : []),
    ];
    if (streams.length === 0) return;
    const r = await this.vr({ request: 'rtp_forward', publisher_id: publisher, host: '127.0.0.1', host_family: 'ipv4', streams, admin_key: adminKey });
    const forwarders = (r.data.forwarders as { stream_id: number }[] | undefined) ?? [];
    this.forward = { publisher, streams: forwarders.map((x) => x.stream_id) };
  }

  async participants(): Promise<{ id: string; display?: string; publisher: boolean; talking?: boolean }[]> {
    const r = await this.control.videoroom.message({ request: 'listparticipants', room: this.id });
    return (r.data.participants as { id: string; display?: string; publisher: boolean }[]) ?? [];
  }

  async destroy(): Promise<void> {
    const { adminKey } = this.control.janus;
    await this.control.streaming.message({ request: 'destroy', id: this.id, secret: this.secret, admin_key: adminKey }).catch(() => {});
    await this.vr({ request: 'destroy' }).catch(() => {});
  }
}
