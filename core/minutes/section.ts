/** One section of the minutes: its id, its title, the entry kinds it reports, and how it is built from the state and the log. */
import type { Block, MinutesSection } from '../minutes.js';
import type { SessionState } from '../state.js';
import type { Labels, Lang } from './labels.js';
import type { MinutesLog } from './log.js';

export interface SectionContext {
  L: Labels;
  lang: Lang;
  texts: Record<string, string>;
  log: MinutesLog;
}

export interface SectionSpec {
  id: string;
  title(L: Labels): string;
  /** The entry kinds whose facts this section reports (test/core/minutes.test.ts: every kind has a place). */
  kinds: readonly string[];
  /** The section's blocks and facts; null leaves the section out (nothing to report). */
  from(state: SessionState, log: MinutesLog, ctx: SectionContext): Omit<MinutesSection, 'id' | 'title'> | null;
}

/** A person's name as the setup lists it (the id when the setup does not). */
export const nameOf = (s: SessionState, id: string | null | undefined): string => (id == null ? '' : (s.persons.find((p) => p.id === id)?.name ?? id));

export const factionName = (s: SessionState, id: string | null): string | null => (id === null ? null : (s.factions.find((f) => f.id === id)?.name ?? id));

/** A draft slot with the text written so far. */
export const draft = (ctx: SectionContext, key: string, label: string): Block => ({ type: 'draft', key, label, text: ctx.texts[key] ?? '' });
