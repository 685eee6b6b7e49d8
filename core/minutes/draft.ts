/**
 * The draft's text parts: the minute-taker and the chair write them in the members document, in
 * Y.Map('minutes') of Y.Text keyed by the minutes' draft slots (`item:<agenda item id>`, `remarks`). Read
 * here from the applied `y` entries, so `ratsraum verify` finds the same texts as the devices.
 */
import * as Y from 'yjs';
import type { Envelope } from '../../crypto/envelope.js';
import type { SessionState } from '../state.js';

export const DRAFT_MAP = 'minutes';

/** Draft slot keys: one per agenda item held, and one for remarks at the end. */
export const draftKey = { item: (id: string) => `item:${id}`, remarks: 'remarks' } as const;

export function draftTexts(ordered: readonly Envelope[], state: SessionState): Record<string, string> {
  const rejected = new Set(state.rejected.map((r) => r.entry));
  const doc = new Y.Doc();
  for (const e of ordered)
    if (e.kind === 'y' && e.doc === 'members' && !rejected.has(e.id)) {
      try {
        Y.applyUpdate(doc, e.payload);
      } catch {
        // the fold rejected it already
      }
    }
  const out: Record<string, string> = {};
  doc.getMap<unknown>(DRAFT_MAP).forEach((v, k) => {
    const text = v instanceof Y.Text ? v.toString() : typeof v === 'string' ? v : null;
    if (text !== null) out[k] = text;
  });
  return out;
}
