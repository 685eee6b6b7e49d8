/**
 * Derived state, computed once at the end of every fold next to the rules it comes from, so that views only
 * render (DESIGN.md: "no view recomputes a rule"): each person's standing in an open vote, whether an
 * election can still get candidates, open decisions by faction, and who has not acknowledged the texts.
 */
import type { Context } from '../fold.js';
import type { FactionAttendance, FactionTally, SessionState, Vote } from '../state.js';
import { confidentialityPending } from './confidentiality.js';
import { deriveDisruptions } from './disruptions.js';
import { candidateRefusal } from './elections.js';
import { standing } from './votes.js';

const TEXTS = ['security', 'privacy'] as const;

export function derive(ctx: Context): void {
  const s = ctx.s;
  const factionOf = factions(s);
  for (const { vote: v, voters } of ctx.votes.values()) {
    v.canAddCandidate = candidateRefusal(v) === null;
    v.entitlement = v.status === 'open' ? Object.fromEntries(s.persons.map((p) => [p.id, standing(ctx, p.id, v, voters)])) : null;
    v.byFaction = byFaction(s, factionOf, v);
  }
  deriveDisruptions(ctx);
  s.attendanceByFaction = attendanceByFaction(s);
  s.confidentiality.pending = confidentialityPending(s);
  s.notAcknowledged = s.persons.filter((p) => !TEXTS.every((k) => s.acknowledgements.some((a) => a.person === p.id && a.kind === k))).map((p) => p.id);
}

/** The faction a person sits in, null when none the body lists. */
function factions(s: SessionState): Map<string, string | null> {
  const listed = new Set(s.factions.map((f) => f.id));
  return new Map(s.persons.map((p) => [p.id, p.faction !== null && listed.has(p.faction) ? p.faction : null]));
}

function attendanceByFaction(s: SessionState): FactionAttendance[] {
  const factionOf = factions(s);
  const groups = [...s.factions.map((f) => f.id), null].map((faction) => {
    const persons = s.persons.filter((p) => factionOf.get(p.id) === faction).map((p) => p.id);
    return { faction, persons, present: persons.filter((p) => s.attendance[p]?.present).length };
  });
  return groups.filter((g) => g.faction !== null || g.persons.length > 0);
}

/** VOTE-11: counted ballots of a closed open or roll-call decision per faction, in the body's order, then those without one. */
function byFaction(s: SessionState, factionOf: Map<string, string | null>, v: Vote): FactionTally[] | null {
  if (v.kind !== 'decision' || v.mode === 'secret' || v.status !== 'closed' || !v.counts) return null;
  const rows = new Map<string | null, FactionTally>([...s.factions.map((f) => f.id), null].map((f) => [f, { faction: f, yes: 0, no: 0, abstain: 0 }]));
  for (const b of v.ballots) {
    const row = rows.get(factionOf.get(b.person) ?? null)!;
    if (b.status === 'counted' && (b.choice === 'yes' || b.choice === 'no' || b.choice === 'abstain')) row[b.choice]++;
  }
  return [...rows.values()].filter((r) => r.yes + r.no + r.abstain > 0);
}
