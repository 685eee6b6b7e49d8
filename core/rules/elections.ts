/** Elections (GO NRW § 50 Abs. 2, core/election.ts): candidates, the options they give, run-offs. */
import type { CertBody } from '../../crypto/cert.js';
import type { Envelope } from '../../crypto/envelope.js';
import { DEFAULT_SETTINGS, firstRound, runoff } from '../election.js';
import type { Payload } from '../entries.js';
import type { Context, Doc } from '../fold.js';
import type { Candidate, Vote } from '../state.js';
import { reject } from './reject.js';

const RESERVED_OPTIONS = new Set(['yes', 'no', 'abstain']);

/** What a ballot may mark: decisions yes/no/abstain, elections every candidate, No and abstain. */
export function optionsOf(v: Pick<Vote, 'kind' | 'candidates'>): string[] {
  return v.kind === 'decision' ? ['yes', 'no', 'abstain'] : [...v.candidates.map((c) => c.id), 'no', 'abstain'];
}

/** The candidates and round of a vote to open; a run-off must name exactly the previous round's run-off candidates. */
export function candidatesOf(ctx: Context, doc: Doc, p: Payload<'vote.open'>): { candidates: Candidate[]; round: number } {
  const kind = p.kind ?? 'decision';
  let candidates = p.candidates ?? [];
  let round = 1;
  if (kind === 'decision' && (candidates.length > 0 || p.runoffOf)) reject('vote.open: only an election has candidates or a run-off');
  if (new Set(candidates.map((c) => c.id)).size !== candidates.length) reject('vote.open: a candidate is listed twice');
  if (candidates.some((c) => RESERVED_OPTIONS.has(c.id))) reject("vote.open: 'yes', 'no' and 'abstain' cannot be candidate ids");
  if (p.runoffOf !== undefined) {
    const prev = ctx.votes.get(`${doc} ${p.runoffOf}`)?.vote ?? reject(`vote.open: no election '${p.runoffOf}' in the ${doc} document to follow`);
    const between = (prev.kind === 'election' && prev.runoff) || reject(`vote.open: election '${prev.id}' has no run-off to hold`);
    for (const x of ctx.votes.values()) if (x.vote.doc === doc && x.vote.runoffOf === prev.id) reject(`vote.open: the run-off of '${prev.id}' is '${x.vote.id}' already`);
    if (candidates.map((c) => c.id).sort().join(',') !== [...between].sort().join(',')) reject(`vote.open: the run-off is between ${between.join(' and ')}`);
    candidates = between.map((id) => candidates.find((c) => c.id === id)!);
    round = prev.round + 1;
  }
  return { candidates: candidates.map((c) => ({ id: c.id, name: c.name })), round };
}

/** VOTE-9: candidates may be added to an election until its first ballot, never to a run-off. */
export function candidateRefusal(v: Vote): string | null {
  if (v.kind !== 'election') return `vote.candidate: '${v.id}' is not an election`;
  if (v.runoffOf) return 'vote.candidate: the candidates of a run-off are fixed';
  if (v.status !== 'open') return `vote.candidate: election '${v.id}' is closed`;
  if (v.ballots.length > 0) return `vote.candidate: ballots have been cast in '${v.id}'`;
  return null;
}

export function voteCandidate(ctx: Context, e: Envelope, _cert: CertBody, p: Payload<'vote.candidate'>): void {
  const v = ctx.vote(e, p.vote, 'vote.candidate').vote;
  const refusal = candidateRefusal(v);
  if (refusal) reject(refusal);
  if (RESERVED_OPTIONS.has(p.candidate.id) || v.candidates.some((c) => c.id === p.candidate.id)) reject(`vote.candidate: '${p.candidate.id}' is taken`);
  v.candidates.push({ id: p.candidate.id, name: p.candidate.name });
  v.options = optionsOf(v);
}

export function decideElection(ctx: Context, v: Vote, counts: Record<string, number>): void {
  const tally = {
    candidates: Object.fromEntries(v.candidates.map((c) => [c.id, counts[c.id] ?? 0])),
    no: counts.no ?? 0,
    abstain: counts.abstain ?? 0,
    invalid: 0,
  };
  v.outcome = v.round === 1 ? firstRound(tally, { runoffTie: ctx.s.body?.runoffTie ?? DEFAULT_SETTINGS.runoffTie }) : runoff(tally);
  if (v.outcome.kind === 'elected') v.elected = v.outcome.candidate;
  if (v.outcome.kind === 'runoff') v.runoff = v.outcome.candidates;
}
