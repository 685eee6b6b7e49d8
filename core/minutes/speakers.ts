/** Who held the floor when (VID-2): the turns the chair gave. */
import { nameOf, type SectionSpec } from './section.js';
import { period } from './time.js';

export const speakers: SectionSpec = {
  id: 'speakers',
  title: (L) => L.speakers.title,
  kinds: ['floor.give', 'floor.end'],
  from(s, _log, { L, lang }) {
    const turns = s.room.turns;
    if (turns.length === 0) return null;
    const day = s.meeting?.start ?? null;
    return {
      blocks: [{ type: 'table', head: [L.speakers.name, L.speakers.period], rows: turns.map((t) => [nameOf(s, t.person), period(t.from, t.to, day, lang)]) }],
      facts: { turns: turns.map((t) => ({ ...t })) },
    };
  },
};
