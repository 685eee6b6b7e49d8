/** Conflicts of interest (GO NRW §§ 31, 43) as declared. */
import { nameOf, type SectionSpec } from './section.js';
import { at } from './time.js';

export const conflicts: SectionSpec = {
  id: 'conflicts',
  title: (L) => L.conflicts.title,
  kinds: ['conflict.declare'],
  from(s, log, { L, lang }) {
    if (s.conflicts.length === 0) return null;
    const day = s.meeting?.start ?? null;
    const by = new Map(log.applied('conflict.declare').map((x) => [x.e.id, x.person]));
    const item = (id: string) => {
      const i = s.agenda.find((x) => x.id === id);
      return i ? `${i.no} ${i.title}` : id;
    };
    const list = s.conflicts.map((c) => ({ ...c, by: by.get(c.entry) ?? null }));
    return {
      blocks: [
        { type: 'text', text: L.conflicts.text },
        { type: 'table', head: [L.conflicts.name, L.conflicts.item, L.conflicts.at, L.conflicts.by], rows: list.map((c) => [nameOf(s, c.person), item(c.item), at(c.at, day, lang), c.by === c.person || c.by === null ? '' : nameOf(s, c.by)]) },
      ],
      facts: { conflicts: list },
    };
  },
};
