/** Attendance with times (MIN-1) and quorum over time. */
import type { SessionState } from '../state.js';
import { factionName, nameOf, type SectionSpec } from './section.js';
import { at, period } from './time.js';

/** Each person's periods of presence, with the place, from the attendance log. */
function presence(s: SessionState, person: string): { from: number; to: number | null; place: string | null }[] {
  const out: { from: number; to: number | null; place: string | null }[] = [];
  for (const a of s.attendanceLog) {
    if (a.person !== person) continue;
    const open = out.at(-1)?.to === null ? out.at(-1) : undefined;
    if (open) open.to = a.at;
    if (a.present) out.push({ from: a.at, to: null, place: a.place });
  }
  const open = out.at(-1);
  if (open && open.to === null && s.closedAt !== null) open.to = s.closedAt;
  return out;
}

export const attendance: SectionSpec = {
  id: 'attendance',
  title: (L) => L.attendance.title,
  kinds: ['attendance.in', 'attendance.out'],
  from(s, _log, { L, lang }) {
    if (!s.body) return null;
    const day = s.meeting?.start ?? null;
    const A = L.attendance;
    const persons = s.persons.map((p) => ({ person: p.id, periods: presence(s, p.id) }));
    const placeOf = (x: string | null) => (x ? (A.places[x] ?? x) : '');
    return {
      blocks: [
        {
          type: 'table',
          head: [A.name, A.faction, A.role, A.present],
          rows: s.persons.map((p, i) => [
            p.name,
            factionName(s, p.faction) ?? A.noFaction,
            p.voting ? A.voting : A.advisory,
            persons[i]!.periods.map((x) => `${period(x.from, x.to, day, lang)} (${placeOf(x.place)})`).join(', ') || A.absent,
          ]),
        },
        {
          type: 'table',
          caption: A.changes,
          head: [A.time, A.name, A.change, A.recordedBy],
          rows: s.attendanceLog.map((a) => [at(a.at, day, lang), nameOf(s, a.person), a.present ? A.checkIn(placeOf(a.place)) : A.checkOut, a.by === a.person ? '' : nameOf(s, a.by)]),
        },
        {
          type: 'table',
          caption: A.quorum,
          head: [A.time, A.presentVoting, A.needed, A.quorate],
          rows: s.quorumLog.map((q) => [at(q.at, day, lang), String(q.present), String(s.quorum.needed), q.quorate ? L.yes : L.no]),
        },
      ],
      facts: { persons, log: s.attendanceLog.map((a) => ({ ...a })), quorum: { statutory: s.quorum.statutory, needed: s.quorum.needed, log: s.quorumLog.map((q) => ({ ...q })) } },
    };
  },
};
