/** Attendance (check in and out, remote or on site) and the quorum it decides: more than half of the statutory members present. */
import type { CertBody } from '../../crypto/cert.js';
import type { Envelope } from '../../crypto/envelope.js';
import type { Payload } from '../entries.js';
import type { Context } from '../fold.js';
import { reject } from './reject.js';

export function attendance(ctx: Context, e: Envelope, cert: CertBody, p: Payload<'attendance.in'> | Payload<'attendance.out'>): void {
  const s = ctx.s;
  const present = e.kind === 'attendance.in';
  if (!ctx.persons.has(p.person)) reject(`attendance: '${p.person}' is not a member of this body`);
  if (s.session === 'closed') reject('attendance: the session is closed');
  const place = present ? ('place' in p ? p.place : 'remote') : null;
  const now = s.attendance[p.person];
  if (now && now.present === present && now.place === place) return; // nothing changes
  s.attendance[p.person] = { present, place, since: e.hlc.wall };
  s.attendanceLog.push({ person: p.person, present, place, at: e.hlc.wall, by: cert.person, entry: e.id });
  recheckQuorum(ctx, e.hlc.wall);
}

export function recheckQuorum(ctx: Context, at: number): void {
  const s = ctx.s;
  const statutory = s.body?.statutoryMembers ?? 0;
  let present = 0;
  for (const p of s.persons) if (p.voting && s.attendance[p.id]?.present) present++;
  const needed = Math.floor(statutory / 2) + 1;
  const quorate = statutory > 0 && present >= needed;
  const last = s.quorumLog[s.quorumLog.length - 1];
  s.quorum = { statutory, present, needed, quorate };
  if (!last || last.present !== present || last.quorate !== quorate) s.quorumLog.push({ at, quorate, present });
}
