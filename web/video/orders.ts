/**
 * The chair's orders as every receiver applies them (defence in depth, VID-2): the relay enforces them on the
 * SFU, and each device also mutes, hides and drops what the fold says, so a relay or a mesh peer that keeps
 * sending changes nothing on screen. The ordered device itself keeps its source off while the order holds
 * (VID-4: otherwise the member's own switches decide). All of it is read from the fold, so it survives a reconnect.
 */
import type { RoomState } from '../../core/state.js';
import type { RemoteMedia } from './client.js';

/** What the chair's orders let a person send. */
export function allowed(room: RoomState, person: string | undefined): { audio: boolean; video: boolean; removed: boolean } {
  if (!person) return { audio: false, video: false, removed: false };
  const o = room.muted[person] ?? {};
  const removed = !!room.removed[person];
  return { audio: !o.audio && !removed, video: !o.video && !removed, removed };
}

/** What a receiver plays of the others: a removed person's media dropped, ordered-off sound and picture off. */
export function received(room: RoomState, remotes: RemoteMedia[]): (RemoteMedia & { play: { audio: boolean; video: boolean } })[] {
  return remotes
    .filter((r) => !room.removed[r.person])
    .map((r) => {
      const a = allowed(room, r.person);
      const play = { audio: r.audio && a.audio, video: r.video && a.video };
      // A track disabled here renders silence / black even if its packets keep coming.
      for (const t of r.stream.getTracks()) t.enabled = t.kind === 'audio' ? play.audio : play.video;
      return { ...r, play };
    });
}
