/**
 * Decision rules. GO NRW § 50 Abs. 1: a decision needs the majority of the votes cast; abstentions and
 * invalid votes do not count; a tie is a rejection. Where a statute or the standing orders demand a
 * qualified majority, the chair selects it when opening the vote.
 */
export const RULES = ['simple', 'two-thirds-cast', 'majority-statutory', 'two-thirds-statutory'] as const;
export type Rule = (typeof RULES)[number];

export interface Tally {
  yes: number;
  no: number;
  abstain: number;
}

export function decide(rule: Rule, t: Tally, statutoryMembers: number): 'accepted' | 'rejected' {
  const ok = {
    simple: t.yes > t.no,
    'two-thirds-cast': t.yes > 0 && 3 * t.yes >= 2 * (t.yes + t.no),
    'majority-statutory': 2 * t.yes > statutoryMembers,
    'two-thirds-statutory': t.yes > 0 && 3 * t.yes >= 2 * statutoryMembers,
  }[rule];
  return ok ? 'accepted' : 'rejected';
}
