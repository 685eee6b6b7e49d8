/**
 * How the chair's device calls an item. A public item is one entry. For a non-public item the public document
 * gets only the marker, with the item's bare number and who is excluded for a confirmed conflict of interest
 * (so the relay cuts them and the public stream), and the members' document gets the item (PUB-5, BEF-1).
 */
import { confirmedConflicts } from '../../../core/rules/conflicts.js';
import type { AgendaItem } from '../../../core/state.js';
import type { Session } from '../../session.js';

export async function callItem(s: Session, item: AgendaItem): Promise<void> {
  if (item.public) return s.act('item.current', { item: item.id });
  const excluded = confirmedConflicts(s.state(), item.id);
  await s.act('item.current', { item: null, nonPublic: true, no: item.no, ...(excluded.length > 0 ? { excluded } : {}) });
  if (s.state().nonPublicPart) await s.act('item.current', { item: item.id }, 'members');
}

/** "14:05", the wall clock of an entry as people say it. */
export const hhmm = (ms: number): string => new Date(ms).toLocaleTimeString('de-DE', { hour: '2-digit', minute: '2-digit' });
