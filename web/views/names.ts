/** Display helpers over the folded state (lookups only, no rules). */
import type { SessionState } from '../../core/state.js';

export const personName = (s: SessionState, id: string): string => s.persons.find((p) => p.id === id)?.name ?? id;
export const factionName = (s: SessionState, id: string | null): string | undefined => s.factions.find((f) => f.id === id)?.name;
export const shortId = (hex: string): string => hex.slice(0, 8);
