/** Display helpers over the folded state (lookups only, no rules). */
import type { SessionState } from '../../core/state.js';

export const personName = (s: SessionState, id: string): string => s.persons.find((p) => p.id === id)?.name ?? id;
export const factionName = (s: SessionState, id: string | null): string | undefined => s.factions.find((f) => f.id === id)?.name;
export const shortId = (hex: string): string => hex.slice(0, 8);

/** What an option of a vote is called: Yes/No/Abstain, or a candidate's name. */
export const optionLabel = (v: { candidates: { id: string; name: string }[] }, option: string, t: (k: 'vote.yes' | 'vote.no' | 'vote.abstain') => string): string =>
  option === 'yes' || option === 'no' || option === 'abstain' ? t(`vote.${option}`) : (v.candidates.find((c) => c.id === option)?.name ?? option);
