/** The counts of a vote are known: decide the decision (GO NRW § 50 Abs. 1, by its rule) or the election (§ 50 Abs. 2). */
import type { Context } from '../fold.js';
import { decide } from '../majority.js';
import type { Vote } from '../state.js';
import { decideElection } from './elections.js';

export function counted(ctx: Context, v: Vote, counts: Record<string, number>): void {
  v.counts = counts;
  v.decryption = v.mode === 'secret' && !v.postal ? 'done' : v.decryption;
  if (v.kind === 'election') return decideElection(ctx, v, counts);
  v.tally = { yes: counts.yes ?? 0, no: counts.no ?? 0, abstain: counts.abstain ?? 0 };
  v.result = decide(v.rule, v.tally, ctx.s.body?.statutoryMembers ?? 0);
}
