/** The agenda as held: every item with when it was called, and the minute-taker's text part per item. */
import { held } from './calls.js';
import { draftKey } from './draft.js';
import { draft, type SectionSpec } from './section.js';
import { period } from './time.js';

export const agenda: SectionSpec = {
  id: 'agenda',
  title: (L) => L.agenda.title,
  kinds: ['y', 'item.current'],
  from(s, log, ctx) {
    const { L, lang } = ctx;
    const { calls } = held(s, log);
    const day = s.meeting?.start ?? null;
    const items = s.agenda.map((i) => ({ ...i, called: calls.filter((c) => c.item === i.id).map((c) => ({ from: c.from, to: c.to, entry: c.entry })) }));
    const unnamed = calls.filter((c) => c.item === null);
    const rows = items.map((i) => [i.no, i.title, i.public ? L.agenda.isPublic : L.agenda.nonPublic, i.called.map((c) => period(c.from, c.to, day, lang)).join(', ') || L.agenda.notCalled]);
    if (unnamed.length > 0) rows.push(['', L.agenda.unknownItem, L.agenda.nonPublic, unnamed.map((c) => period(c.from, c.to, day, lang)).join(', ')]);
    return {
      blocks: [
        { type: 'table', head: [L.agenda.no, L.agenda.subject, L.agenda.public, L.agenda.called], rows },
        ...items.map((i) => draft(ctx, draftKey.item(i.id), L.agenda.draft(i.no, i.title))),
      ],
      facts: { items, unnamed: unnamed.map((c) => ({ from: c.from, to: c.to, entry: c.entry })) },
    };
  },
};
