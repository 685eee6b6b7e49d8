/** Conflicts of interest (GO NRW §§ 31, 43; BEF-1) as declared, the chair's decision, and when each member was excluded. */
import { nameOf, type SectionSpec } from './section.js';
import { at, period } from './time.js';

export const conflicts: SectionSpec = {
  id: 'conflicts',
  title: (L) => L.conflicts.title,
  kinds: ['conflict.declare', 'conflict.confirm'],
  from(s, log, { L, lang }) {
    if (s.conflicts.length === 0) return null;
    const day = s.meeting?.start ?? null;
    const by = new Map(log.applied('conflict.declare').map((x) => [x.e.id, x.person]));
    const item = (id: string) => {
      const i = s.agenda.find((x) => x.id === id);
      return i ? `${i.no} ${i.title}` : id;
    };
    const list = s.conflicts.map((c) => ({ ...c, by: by.get(c.entry) ?? null, excluded: s.exclusions.filter((x) => x.person === c.person && x.item === c.item).map((x) => ({ from: x.from, to: x.to, entry: x.entry })) }));
    const decision = (c: (typeof list)[number]) => (!c.decision ? L.conflicts.undecided : (c.decision.confirmed ? L.conflicts.confirmed : L.conflicts.rejected)(at(c.decision.at, day, lang)));
    return {
      blocks: [
        { type: 'text', text: L.conflicts.text },
        {
          type: 'table',
          head: [L.conflicts.name, L.conflicts.item, L.conflicts.at, L.conflicts.by, L.conflicts.decision, L.conflicts.excluded],
          rows: list.map((c) => [nameOf(s, c.person), item(c.item), at(c.at, day, lang), c.by === c.person || c.by === null ? '' : nameOf(s, c.by), decision(c), c.excluded.map((x) => period(x.from, x.to, day, lang)).join(', ')]),
        },
      ],
      facts: { conflicts: list },
    };
  },
};
