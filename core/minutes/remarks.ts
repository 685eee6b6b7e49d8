/** The minute-taker's further remarks at the end (a draft slot). */
import { draftKey } from './draft.js';
import { draft, type SectionSpec } from './section.js';

export const remarks: SectionSpec = {
  id: 'remarks',
  title: (L) => L.remarks.title,
  kinds: [],
  from(_s, _log, ctx) {
    return { blocks: [draft(ctx, draftKey.remarks, ctx.L.remarks.draft)], facts: null };
  },
};
