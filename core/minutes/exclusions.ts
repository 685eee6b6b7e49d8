/** Exclusions of the public (the non-public parts) and their times, with the items dealt with meanwhile. */
import { held } from './calls.js';
import type { SectionSpec } from './section.js';
import { period } from './time.js';

export const exclusions: SectionSpec = {
  id: 'exclusions',
  title: (L) => L.exclusions.title,
  kinds: ['item.current'],
  from(s, log, { L, lang }) {
    const { calls, nonPublic } = held(s, log);
    if (nonPublic.length === 0) return null;
    const day = s.meeting?.start ?? null;
    const parts = nonPublic.map((p) => ({
      ...p,
      items: [...new Set(calls.filter((c) => c.from >= p.from && (p.to === null || c.from < p.to)).map((c) => c.item))],
    }));
    const label = (id: string | null) => {
      const i = s.agenda.find((x) => x.id === id);
      return i ? `${i.no} ${i.title}` : L.agenda.unknownItem;
    };
    return {
      blocks: [
        { type: 'text', text: L.exclusions.text },
        { type: 'table', head: [L.exclusions.period, L.exclusions.items], rows: parts.map((p) => [period(p.from, p.to, day, lang), p.items.map(label).join('; ')]) },
      ],
      facts: { parts },
    };
  },
};
