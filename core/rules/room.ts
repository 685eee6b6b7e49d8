/**
 * Order in the video room (VID-2) and recording (DS-3): the speakers list, the floor, the chair's mute and
 * stop orders, removals (a ban for the rest of the item or the session), the lock. The relay turns this state
 * into SFU requests (relay/video/enforce.ts) and every receiver applies it too (web/video/orders.ts).
 */
import type { CertBody } from '../../crypto/cert.js';
import type { Envelope } from '../../crypto/envelope.js';
import type { Payload } from '../entries.js';
import type { Context } from '../fold.js';
import type { RoomState } from '../state.js';
import { reject } from './reject.js';

export const emptyRoom = (): RoomState => ({
  floor: null,
  floorSince: null,
  queue: [],
  turns: [],
  muted: {},
  removed: {},
  locked: false,
  recording: { allowed: false, storage: null, retentionDays: null, running: false, since: null, by: null },
  recordings: [],
});

const person = (ctx: Context, id: string, kind: string) => ctx.persons.get(id) ?? reject(`${kind}: '${id}' is not a member of this body`);
const sessionRuns = (ctx: Context, kind: string) => ctx.s.session === 'open' || reject(`${kind}: the session is not open`);

function setOrder(r: RoomState, who: string, media: 'audio' | 'video', muted: boolean): void {
  const o = { ...r.muted[who] };
  if (muted) o[media] = true;
  else delete o[media];
  if (o.audio || o.video) r.muted[who] = o;
  else delete r.muted[who];
}

function endTurn(r: RoomState, at: number): void {
  const turn = r.turns.at(-1);
  if (turn && turn.to === null) turn.to = at;
  if (r.floor !== null) setOrder(r, r.floor, 'audio', true); // the former speaker's sound goes off
  r.floor = null;
  r.floorSince = null;
}

export function floorAsk(ctx: Context, e: Envelope, _c: CertBody, p: Payload<'floor.ask'>): void {
  person(ctx, p.person, 'floor.ask');
  sessionRuns(ctx, 'floor.ask');
  const r = ctx.s.room;
  if (r.removed[p.person]) reject(`floor.ask: '${p.person}' is removed from the room`);
  if (r.floor === p.person || r.queue.some((q) => q.person === p.person)) return; // already asked
  r.queue.push({ person: p.person, at: e.hlc.wall, entry: e.id });
}

export function floorCancel(ctx: Context, _e: Envelope, _c: CertBody, p: Payload<'floor.cancel'>): void {
  const r = ctx.s.room;
  r.queue = r.queue.filter((q) => q.person !== p.person);
}

export function floorGive(ctx: Context, e: Envelope, _c: CertBody, p: Payload<'floor.give'>): void {
  person(ctx, p.person, 'floor.give');
  sessionRuns(ctx, 'floor.give');
  const r = ctx.s.room;
  if (r.removed[p.person]) reject(`floor.give: '${p.person}' is removed from the room`);
  if (r.floor === p.person) return;
  endTurn(r, e.hlc.wall);
  r.queue = r.queue.filter((q) => q.person !== p.person);
  r.floor = p.person;
  r.floorSince = e.hlc.wall;
  setOrder(r, p.person, 'audio', false);
  r.turns.push({ person: p.person, from: e.hlc.wall, to: null, entry: e.id });
}

export function floorEnd(ctx: Context, e: Envelope): void {
  if (ctx.s.room.floor === null) reject('floor.end: nobody has the floor');
  endTurn(ctx.s.room, e.hlc.wall);
}

export function mediaOrder(ctx: Context, _e: Envelope, _c: CertBody, p: Payload<'media.order'>): void {
  person(ctx, p.person, 'media.order');
  setOrder(ctx.s.room, p.person, p.media, !p.on);
}

export function participantRemove(ctx: Context, e: Envelope, _c: CertBody, p: Payload<'participant.remove'>): void {
  person(ctx, p.person, 'participant.remove');
  const r = ctx.s.room;
  if (r.floor === p.person) endTurn(r, e.hlc.wall);
  r.queue = r.queue.filter((q) => q.person !== p.person);
  r.removed[p.person] = { scope: p.scope, item: p.scope === 'item' ? ctx.s.currentItem : null, at: e.hlc.wall, reason: p.reason ?? null, entry: e.id };
}

export function participantReadmit(ctx: Context, _e: Envelope, _c: CertBody, p: Payload<'participant.readmit'>): void {
  if (!ctx.s.room.removed[p.person]) reject(`participant.readmit: '${p.person}' is not removed`);
  if (ctx.s.room.removed[p.person]!.conflict) reject(`participant.readmit: '${p.person}' is excluded for a conflict of interest until the item ends`);
  delete ctx.s.room.removed[p.person];
}

/** A new current item ends removals for the rest of the item (called by item.current). */
export function itemChanged(ctx: Context): void {
  const r = ctx.s.room;
  for (const [who, x] of Object.entries(r.removed)) if (x.scope === 'item') delete r.removed[who];
}

export function roomLock(ctx: Context, _e: Envelope, _c: CertBody, p: Payload<'room.lock'>): void {
  ctx.s.room.locked = p.locked;
}

export function legalRecording(ctx: Context, _e: Envelope, _c: CertBody, p: Payload<'legal.recording'>): void {
  const rec = ctx.s.room.recording;
  if (rec.running && !p.allowed) reject('legal.recording: a recording is running; stop it first');
  Object.assign(rec, { allowed: p.allowed, storage: p.storage, retentionDays: p.retentionDays });
}

export function recordingStart(ctx: Context, e: Envelope, cert: CertBody): void {
  const rec = ctx.s.room.recording;
  if (!rec.allowed) reject('recording.start: the body does not allow recording sessions');
  sessionRuns(ctx, 'recording.start');
  if (rec.running) return;
  Object.assign(rec, { running: true, since: e.hlc.wall, by: cert.person });
  ctx.s.room.recordings.push({ from: e.hlc.wall, to: null, by: cert.person, entry: e.id });
}

export function recordingStop(ctx: Context, e: Envelope): void {
  const rec = ctx.s.room.recording;
  if (!rec.running) reject('recording.stop: no recording is running');
  stopRecording(ctx, e.hlc.wall);
}

/** The session closes: the running turn and recording end with it. */
export function closeRoom(ctx: Context, at: number): void {
  const turn = ctx.s.room.turns.at(-1);
  if (turn && turn.to === null) turn.to = at;
  ctx.s.room.floor = null;
  ctx.s.room.floorSince = null;
  for (const x of ctx.s.exclusions) if (x.to === null) x.to = at;
  stopRecording(ctx, at);
}

function stopRecording(ctx: Context, at: number): void {
  const rec = ctx.s.room.recording;
  if (!rec.running) return;
  Object.assign(rec, { running: false, since: null, by: null });
  const last = ctx.s.room.recordings.at(-1);
  if (last && last.to === null) last.to = at;
}
