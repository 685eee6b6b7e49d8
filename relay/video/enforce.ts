/**
 * The chair's orders (state.room, folded by the relay itself) as Janus requests, idempotently: called on
 * every change of the state and on every (re)join, it compares what Janus was last told with what the
 * state says. Rejected entries never change the state, so they never reach Janus.
 *   muted[p].audio/.video → `moderate` of that publisher's mid (lifted: unmuted);
 *   floor → rtp_forward of the holder (else the room device) to the public mountpoint, with a keyframe;
 *   removed → `allowed` remove + `kick` of their logins (the socket is closed; rejoin is refused);
 *   locked → another PIN (`edit new_pin`); recording → `enable_recording`.
 */
import type { SessionState } from '../../core/state.js';
import type { JanusRoom } from './room.js';

/** One device socket as enforcement sees it. */
export interface Participant {
  person: string;
  isRoom: boolean;
  token: string;
  /** The participant id in the VideoRoom, once joined. */
  pubId: string | null;
  mids: { audio?: string; video?: string };
  /** What Janus was last told about this publisher's mids (true: muted). */
  moderated: { audio: boolean; video: boolean };
  keyframe(): Promise<void>;
  removed(): void;
}

export interface Enforced {
  recording: boolean;
  pinOpen: string;
  pinLocked: string;
}

export async function enforce(s: SessionState, room: JanusRoom, parts: readonly Participant[], done: Enforced): Promise<void> {
  const r = s.room;
  for (const p of parts.filter((x) => r.removed[x.person])) {
    await room.allowed('remove', [p.token]);
    if (p.pubId) await room.kick(p.pubId);
    p.removed();
  }
  const inRoom = parts.filter((x) => !r.removed[x.person]);
  const pin = r.locked ? done.pinLocked : done.pinOpen;
  if (room.pin !== pin) await room.setPin(pin);
  for (const p of inRoom) {
    if (!p.pubId) continue;
    for (const kind of ['audio', 'video'] as const) {
      const mid = p.mids[kind];
      const want = !!r.muted[p.person]?.[kind];
      if (mid === undefined || p.moderated[kind] === want) continue;
      await room.moderate(p.pubId, mid, want);
      p.moderated[kind] = want;
    }
  }
  const publishing = inRoom.filter((p) => p.pubId && (p.mids.audio || p.mids.video));
  const source = s.nonPublicPart ? undefined : (publishing.find((p) => p.person === r.floor) ?? publishing.find((p) => p.isRoom));
  if ((source?.pubId ?? null) !== (room.forward?.publisher ?? null)) {
    await room.forwardFrom(source?.pubId ?? null, source?.mids ?? {});
    await source?.keyframe(); // the public sees the new speaker at once, not at the next periodic keyframe
  }
  if (done.recording !== r.recording.running) {
    await room.record(r.recording.running, r.recording.retentionDays);
    done.recording = r.recording.running;
  }
}
