/** PUB-6: the chair's reminders of the duty of confidentiality and each remote member's confirmation (or the chair's record that it is missing). */
import { nameOf, type SectionSpec } from './section.js';
import { at } from './time.js';

export const confidentiality: SectionSpec = {
  id: 'confidentiality',
  title: (L) => L.confidentiality.title,
  kinds: ['confidentiality.remind', 'confidentiality.confirm', 'confidentiality.missing'],
  from(s, log, { L, lang }) {
    const reminders = log.applied('confidentiality.remind').map((x) => ({ at: x.e.hlc.wall, entry: x.e.id }));
    if (reminders.length === 0) return null;
    const day = s.meeting?.start ?? null;
    const answers = [
      ...log.applied('confidentiality.confirm').map((x) => ({ person: (x.payload as { person: string }).person, confirmed: true, at: x.e.hlc.wall, entry: x.e.id })),
      ...log.applied('confidentiality.missing').flatMap((x) => (x.payload as { persons: string[] }).persons.map((person) => ({ person, confirmed: false, at: x.e.hlc.wall, entry: x.e.id }))),
    ].sort((a, b) => a.at - b.at || (a.entry < b.entry ? -1 : a.entry > b.entry ? 1 : 0));
    return {
      blocks: [
        { type: 'text', text: L.confidentiality.text },
        { type: 'fields', rows: [[L.confidentiality.reminded, reminders.map((r) => at(r.at, day, lang)).join(', ')]] },
        { type: 'table', head: [L.confidentiality.name, L.confidentiality.answer], rows: answers.map((a) => [nameOf(s, a.person), (a.confirmed ? L.confidentiality.confirmed : L.confidentiality.missing)(at(a.at, day, lang))]) },
      ],
      facts: { reminders, answers },
    };
  },
};
