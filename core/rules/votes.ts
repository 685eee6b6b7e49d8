/**
 * Votes: open, cast, close, postal ballot. Whether a ballot counts is decided by causality (in the causal
 * past of the chair's close entry), never by arrival; one ballot per person, the first in fold order.
 */
import type { CertBody } from '../../crypto/cert.js';
import type { Envelope } from '../../crypto/envelope.js';
import type { Payload } from '../entries.js';
import { type Context, type Doc, docOf, type VoteIndex } from '../fold.js';
import { preds } from '../log.js';
import * as secret from '../secret.js';
import type { Entitlement, Vote } from '../state.js';
import { agendaItem } from './agenda.js';
import { hasConflict } from './conflicts.js';
import { counted } from './count.js';
import { repeatable, voidVote, voteOpened } from './disruptions.js';
import { candidatesOf, optionsOf } from './elections.js';
import { reject } from './reject.js';
import { VOTERS } from './roles.js';
import { aggregateSecret, openSecret } from './secret.js';

export function voteOpen(ctx: Context, e: Envelope, _cert: CertBody, p: Payload<'vote.open'>): void {
  const s = ctx.s;
  const doc = docOf(e);
  if (s.session !== 'open') reject('vote.open: the session is not open');
  // A members' device sees both documents, the public only its own: judge a public entry by public state.
  const visible: Doc[] = doc === 'public' ? ['public'] : ['public', 'members'];
  const repeated = p.repeats === undefined ? null : repeatable(ctx, doc, p.repeats); // DIS-2: it may still run
  for (const d of visible) {
    const open = ctx.open[d];
    if (open && open !== repeated) reject(`vote.open: vote '${open.vote.id}' is still open`);
    if (ctx.votes.has(`${d} ${p.vote}`)) reject(`vote.open: vote id '${p.vote}' already used`);
  }
  if (p.item !== null && !agendaItem(ctx, p.item, doc))
    reject(doc === 'public' ? `vote.open: no public agenda item '${p.item}' (a vote on a non-public item belongs in the members document)` : `vote.open: no agenda item '${p.item}'`);
  const kind = p.kind ?? 'decision';
  const { candidates, round } = candidatesOf(ctx, doc, p);
  if (p.mode === 'secret') openSecret(ctx, p.key);
  else if (p.key !== undefined) reject('vote.open: only a secret vote names a key');
  if (p.publicResult === false && (p.mode !== 'secret' || doc !== 'members'))
    reject('vote.open: a result kept from the public needs a secret vote in the members document');
  const vote: Vote = {
    id: p.vote,
    item: p.item,
    title: p.title,
    mode: p.mode,
    kind,
    rule: p.rule ?? 'simple',
    doc,
    round,
    runoffOf: p.runoffOf ?? null,
    candidates,
    options: optionsOf({ kind, candidates }),
    key: p.mode === 'secret' ? p.key! : null,
    publicResult: p.publicResult ?? true,
    status: 'open',
    openedAt: e.hlc.wall,
    closedAt: null,
    ballots: [],
    received: 0,
    tally: { yes: 0, no: 0, abstain: 0 },
    counts: null,
    source: 'digital',
    postal: null,
    aggregate: null,
    partials: [],
    decryption: 'none',
    result: null,
    outcome: null,
    lot: null,
    elected: null,
    runoff: null,
    entitlement: null,
    canAddCandidate: false,
    byFaction: null,
    repeats: p.repeats ?? null,
    void: null,
    impairments: [],
    impaired: false,
  };
  const index: VoteIndex = { vote, voters: new Set(), pending: [], secret: new Map(), partials: [], aggregate: null };
  if (repeated) voidVote(ctx, repeated, e, p.vote);
  voteOpened(ctx, vote);
  s.votes.push(vote);
  ctx.votes.set(`${doc} ${p.vote}`, index);
  ctx.open[doc] = index;
}

/**
 * A person's standing for a vote (VOTE-15): a voting member of the body, without a conflict for the vote's
 * item, not yet holding a place among `voters`, present.
 */
export function standing(ctx: Context, person: string, v: Vote, voters: ReadonlySet<string> = NONE): Entitlement {
  if (!ctx.persons.get(person)?.voting) return 'no-vote';
  if (hasConflict(ctx, person, v.item)) return 'conflicted';
  if (voters.has(person)) return 'voted';
  return ctx.s.attendance[person]?.present ? 'entitled' : 'absent';
}
const NONE: ReadonlySet<string> = new Set();

/** Whether the author may vote now: the person's standing, and a voter's role on the device certificate. */
const entitled = (ctx: Context, cert: CertBody, v: Vote): boolean => ctx.may(cert, VOTERS) && standing(ctx, cert.person, v) === 'entitled';

/** Places the ballot: duplicate, late, not entitled, or pending until the close decides. */
function place(ctx: Context, index: VoteIndex, cert: CertBody, ballot: { person: string; choice: string | null; entry: string; at: number; recordedBy?: string }): boolean {
  const v = index.vote;
  // One ballot per person and vote: the first in fold order holds the place, even if it turns out late.
  if (index.voters.has(cert.person)) {
    v.ballots.push({ ...ballot, status: 'duplicate' });
    return false;
  }
  if (v.status === 'closed') {
    index.voters.add(cert.person);
    v.ballots.push({ ...ballot, status: 'late' });
    return false;
  }
  if (!entitled(ctx, cert, v)) {
    v.ballots.push({ ...ballot, status: 'not-entitled' });
    return false;
  }
  index.voters.add(cert.person);
  index.pending.push(ballot.entry);
  v.ballots.push({ ...ballot, status: 'pending' });
  v.received++;
  return true;
}

export function voteCast(ctx: Context, e: Envelope, cert: CertBody, p: Payload<'vote.cast'>): void {
  const index = ctx.vote(e, p.vote, 'vote.cast');
  const v = index.vote;
  if (v.mode === 'secret') reject(`vote.cast: '${v.id}' is secret; only encrypted ballots count`);
  if (!v.options.includes(p.choice)) reject(`vote.cast: '${p.choice}' is not an option of '${v.id}'`);
  place(ctx, index, cert, { person: cert.person, choice: p.choice, entry: e.id, at: e.hlc.wall });
}

/**
 * VOTE-7: the chair records the ballot of a voting member checked in on site who has no device. The ballot
 * takes the member's one place like their own would and is marked with who recorded it.
 */
export function voteOnsite(ctx: Context, e: Envelope, cert: CertBody, p: Payload<'vote.onsite'>): void {
  const index = ctx.vote(e, p.vote, 'vote.onsite');
  const v = index.vote;
  if (v.mode === 'secret') reject(`vote.onsite: '${v.id}' is secret; a member on site without a device votes by paper ballot`);
  if (!v.options.includes(p.choice)) reject(`vote.onsite: '${p.choice}' is not an option of '${v.id}'`);
  if (ctx.s.attendance[p.person]?.place !== 'onsite') reject(`vote.onsite: '${p.person}' is not checked in on site`);
  const voter: CertBody = { ...cert, person: p.person, roles: ['member'] };
  place(ctx, index, voter, { person: p.person, choice: p.choice, entry: e.id, at: e.hlc.wall, recordedBy: cert.person });
}

export function voteBallot(ctx: Context, e: Envelope, cert: CertBody, p: Payload<'vote.ballot'>): void {
  const index = ctx.vote(e, p.vote, 'vote.ballot');
  const v = index.vote;
  if (v.mode !== 'secret') reject(`vote.ballot: '${v.id}' is not secret`);
  const ballot = { person: cert.person, choice: null, entry: e.id, at: e.hlc.wall };
  const key = ctx.keys.get(v.key!)!;
  const options = v.options.length - 1; // abstain is no ciphertext
  if (!secret.ballotValid(e.id, ctx.meetingRef, v.id, key.keys!.joint, e.author, options, p)) {
    v.ballots.push({ ...ballot, status: 'invalid' });
    return;
  }
  if (place(ctx, index, cert, ballot)) index.secret.set(e.id, p);
}

export function voteClose(ctx: Context, e: Envelope, _cert: CertBody, p: Payload<'vote.close'>): void {
  const index = ctx.vote(e, p.vote, 'vote.close');
  const v = index.vote;
  if (v.status !== 'open') reject(`vote.close: vote '${v.id}' is not open`);
  const past = causalPast(ctx, e, new Set(index.pending));
  const ballots: string[] = [];
  for (const b of v.ballots) {
    if (b.status !== 'pending') continue;
    b.status = past.has(b.entry) ? 'counted' : 'late';
    if (b.status === 'counted') ballots.push(b.choice ?? b.entry);
  }
  index.pending = [];
  v.status = 'closed';
  v.closedAt = e.hlc.wall;
  ctx.open[v.doc] = null;
  if (v.postal) return;
  if (v.mode === 'secret') return aggregateSecret(ctx, index);
  const counts = Object.fromEntries(v.options.map((o) => [o, 0]));
  for (const c of ballots) counts[c]!++;
  counted(ctx, v, counts);
}

export function votePostal(ctx: Context, e: Envelope, _cert: CertBody, p: Payload<'vote.postal'>): void {
  const index = ctx.vote(e, p.vote, 'vote.postal');
  const v = index.vote;
  if (v.counts) reject(`vote.postal: '${v.id}' is already counted`);
  if (v.postal) reject(`vote.postal: '${v.id}' is already a postal ballot`);
  v.postal = { reason: p.reason, at: e.hlc.wall, entry: e.id };
  v.source = 'postal';
  v.decryption = 'none';
  if (v.status === 'open') {
    v.status = 'closed';
    v.closedAt = e.hlc.wall;
    ctx.open[v.doc] = null;
  }
  for (const b of v.ballots) if (b.status === 'pending') b.status = 'late';
  index.pending = [];
}

export function voteResult(ctx: Context, e: Envelope, _cert: CertBody, p: Payload<'vote.result'>): void {
  const v = ctx.vote(e, p.vote, 'vote.result').vote;
  if (!v.postal) reject(`vote.result: '${v.id}' is not a postal ballot`);
  if (v.counts) reject(`vote.result: the result of '${v.id}' is already entered`);
  const unknown = Object.keys(p.counts).filter((o) => !v.options.includes(o));
  if (unknown.length > 0) reject(`vote.result: not options of '${v.id}': ${unknown.join(', ')}`);
  // VOTE-5: no more postal ballots than members entitled to vote on this item (voting, not conflicted).
  const entitledCount = ctx.s.persons.filter((x) => standing(ctx, x.id, v) !== 'no-vote' && standing(ctx, x.id, v) !== 'conflicted').length;
  const total = Object.values(p.counts).reduce((a, b) => a + b, 0);
  if (total > entitledCount) reject(`vote.result: ${total} ballots exceed the ${entitledCount} members entitled to vote on '${v.id}'`);
  counted(ctx, v, Object.fromEntries(v.options.map((o) => [o, p.counts[o] ?? 0])));
}

/**
 * Which of `wanted` lie in the causal past of `from` (reachable through prev and deps). An entry
 * folded before the earliest wanted one cannot have it in its past (the fold order extends
 * causality), so the walk stops there.
 */
function causalPast(ctx: Context, from: Envelope, wanted: Set<string>): Set<string> {
  const found = new Set<string>();
  if (wanted.size === 0) return found;
  let floor = Infinity;
  for (const id of wanted) floor = Math.min(floor, ctx.folded.get(id)!.at);
  const seen = new Set<string>([from.id]);
  const stack = [from];
  while (stack.length > 0 && found.size < wanted.size) {
    for (const p of preds(stack.pop()!)) {
      const next = ctx.folded.get(p);
      if (seen.has(p) || !next || next.at < floor) continue;
      seen.add(p);
      if (wanted.has(p)) found.add(p);
      stack.push(next.e);
    }
  }
  return found;
}
