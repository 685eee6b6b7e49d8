/** The meeting's setup by the administration and the session's phases (scheduled, open, closed). */
import type { CertBody } from '../../crypto/cert.js';
import type { Envelope } from '../../crypto/envelope.js';
import type { Payload } from '../entries.js';
import type { Context } from '../fold.js';
import { type Basis, checkBasis } from '../legal.js';
import type { Person, SessionState } from '../state.js';
import { recheckQuorum } from './attendance.js';
import { reject } from './reject.js';
import { closeRoom } from './room.js';

/** Whether a setup rests on a legal basis (LEG-1), with the reason in German and English if not. */
export function basisOf(p: Payload<'meeting.setup'>, legal: SessionState['legal']): ReturnType<typeof checkBasis> {
  const format = p.meeting.format ?? 'in-person';
  const date = new Date(p.meeting.start).toISOString().slice(0, 10);
  const body = { id: p.body.id, type: p.body.type, ...(p.body.committeeKind ? { committeeKind: p.body.committeeKind } : {}) };
  return checkBasis({ body, format, date, ...(p.meeting.basis ? { basis: p.meeting.basis } : {}) }, legal);
}

export function meetingSetup(ctx: Context, e: Envelope, _cert: CertBody, p: Payload<'meeting.setup'>): void {
  const s = ctx.s;
  if (s.session !== 'scheduled') reject('meeting.setup: the session has already been opened');
  const persons = new Map<string, Person>();
  for (const x of p.persons) {
    if (x.id in Object.prototype) reject(`meeting.setup: person id '${x.id}' is reserved`);
    if (persons.has(x.id)) reject(`meeting.setup: person '${x.id}' is listed twice`);
    persons.set(x.id, { id: x.id, name: x.name, faction: x.faction, voting: x.voting });
  }
  s.body = { id: p.body.id, name: p.body.name, type: p.body.type, statutoryMembers: p.body.statutoryMembers, ...(p.body.runoffTie ? { runoffTie: p.body.runoffTie } : {}) };
  const format = p.meeting.format ?? 'in-person';
  const check = basisOf(p, s.legal);
  if (!check.ok) reject(`meeting.setup: no legal basis for a ${format} meeting: ${check.reason.en}`);
  s.meeting = { id: p.meeting.id, title: p.meeting.title, start: p.meeting.start, place: p.meeting.place, format, legal: (check as { basis: Basis }).basis };
  if (p.meeting.sealed) s.e2e.sealed = true;
  s.factions = p.factions.map((f) => ({ id: f.id, name: f.name }));
  s.persons = [...persons.values()];
  ctx.persons = persons;
  for (const id of Object.keys(s.attendance)) if (!persons.has(id)) delete s.attendance[id];
  recheckQuorum(ctx, e.hlc.wall);
}

export function sessionOpen(ctx: Context, e: Envelope): void {
  const s = ctx.s;
  if (!s.meeting) reject('session.open: the meeting is not set up');
  if (s.session !== 'scheduled') reject(`session.open: the session is ${s.session}`);
  s.session = 'open';
  s.openedAt = e.hlc.wall;
}

export function sessionClose(ctx: Context, e: Envelope): void {
  const s = ctx.s;
  if (s.session !== 'open') reject('session.close: the session is not open');
  if (ctx.open.public) reject(`session.close: vote '${ctx.open.public.vote.id}' is still open`);
  s.session = 'closed';
  s.closedAt = e.hlc.wall;
  closeRoom(ctx, e.hlc.wall);
}
