/** The meeting's data and legal basis (LEG-1), its opening and close. */
import type { SectionSpec } from './section.js';
import { nameOf } from './section.js';
import { dateTime } from './time.js';

export const meeting: SectionSpec = {
  id: 'meeting',
  title: (L) => L.meeting.title,
  kinds: ['meeting.setup', 'legal.decision', 'legal.clause', 'session.open', 'session.close'],
  from(s, log, { L, lang }) {
    if (!s.meeting || !s.body) return null;
    const m = s.meeting;
    const by = (kind: string) => {
      const x = log.applied(kind)[0];
      return x ? { at: x.e.hlc.wall, entry: x.e.id, person: x.person } : null;
    };
    const opened = by('session.open');
    const closed = by('session.close');
    const when = (x: typeof opened) => (x ? L.meeting.by(dateTime(x.at, lang), nameOf(s, x.person)) : L.notYet);
    return {
      blocks: [
        {
          type: 'fields',
          rows: [
            [L.meeting.body, s.body.name],
            [L.meeting.meeting, m.title],
            [L.meeting.start, dateTime(m.start, lang)],
            [L.meeting.place, m.place],
            [L.meeting.format, L.meeting.formats[m.format] ?? m.format],
            [L.meeting.basis, lang === 'en' ? m.legal.en : m.legal.de],
            [L.meeting.statutory, String(s.body.statutoryMembers)],
            [L.meeting.opened, when(opened)],
            [L.meeting.closed, when(closed)],
            [L.meeting.rejected, String(s.rejected.length)],
          ],
        },
        { type: 'text', text: L.timeZone },
      ],
      facts: { body: { ...s.body }, meeting: { id: m.id, title: m.title, start: m.start, place: m.place, format: m.format }, legal: m.legal as never, opened, closed, rejected: s.rejected.length },
    };
  },
};
