/**
 * Disruptions of picture or sound (DigiSiVO § 10; DIS-1..4). A member objects (rügt) with a signed
 * `disruption.report`, or the chair enters one received by the second channel; while one is open the session
 * is interrupted: the fold refuses every procedural step (`PROCEDURAL`) until the chair classifies it
 * (`disruption.resolve`: fixed, irrelevant, or the member's own responsibility). Drops come from signed
 * `quality.report` entries (`lost`, then any other mark), never from arrival times: a drop nobody reports within
 * the body's window (`disruption.rules`, judged by the signed clocks of later entries) or after which the member
 * takes part without objecting is irrelevant (§ 10 Abs. 4). Votes that ran while a member dropped or objected
 * are impaired (in fold order, a topological order of the log) and, once fixed, repeated as a new vote
 * (`vote.open` with `repeats`); the impaired one stays in the record, void (§ 10 Abs. 2).
 */
import type { CertBody } from '../../crypto/cert.js';
import type { Envelope } from '../../crypto/envelope.js';
import type { DomainKind, Payload } from '../entries.js';
import type { Context, Doc, VoteIndex } from '../fold.js';
import type { Disruption, DisruptionState, Drop, Vote } from '../state.js';
import { reject } from './reject.js';
import { CLERK } from './roles.js';

/** Minutes to report a drop when the body set none (§ 10 Abs. 4: "innerhalb einer angemessenen Zeit"). */
export const DEFAULT_REPORT_MINUTES = 10;

/** Steps of the session the fold refuses while a disruption is open (§ 10 Abs. 1: "darf nicht fortgesetzt werden"). */
export const PROCEDURAL: ReadonlySet<string> = new Set<DomainKind>([
  'item.current',
  'vote.open',
  'vote.candidate',
  'vote.cast',
  'vote.ballot',
  'vote.onsite',
  'vote.close',
  'vote.postal',
  'vote.result',
  'lot.open',
  'floor.give',
  'session.close',
]);

/** Kinds by which a member takes part in debate or vote (DIS-4). */
const PARTICIPATION: ReadonlySet<string> = new Set(['vote.cast', 'vote.ballot', 'floor.ask']);

/**
 * DIS-3, DIS-4: the `disruption.rules` the administration's device signs into a meeting from the tenant
 * settings (relay/settings.ts: `hotline_phone`, `hotline_email`, `disruption_report_minutes`).
 */
export function rulesFromSettings(values: Record<string, string | undefined>): Payload<'disruption.rules'> {
  const minutes = Number(values.disruption_report_minutes);
  const reportMinutes = Number.isInteger(minutes) && minutes >= 1 && minutes <= 1440 ? minutes : DEFAULT_REPORT_MINUTES;
  const phone = values.hotline_phone?.trim().slice(0, 100);
  const email = values.hotline_email?.trim().slice(0, 200);
  return { reportMinutes, ...(phone ? { phone } : {}), ...(email ? { email } : {}) };
}

export const emptyDisruption = (): DisruptionState => ({
  rules: { reportMinutes: DEFAULT_REPORT_MINUTES, phone: null, email: null, entry: null },
  interrupted: null,
  disruptions: [],
  drops: [],
  quality: {},
});

const find = (ctx: Context, id: string, kind: string): Disruption => ctx.s.disruption.disruptions.find((d) => d.id === id) ?? reject(`${kind}: no disruption '${id}'`);
const person = (ctx: Context, id: string, kind: string) => ctx.persons.get(id) ?? reject(`${kind}: '${id}' is not a member of this body`);
const openVotes = (ctx: Context): VoteIndex[] => (['public', 'members'] as Doc[]).map((d) => ctx.open[d]).filter((x): x is VoteIndex => x !== null);

function setInterrupted(ctx: Context): void {
  ctx.s.disruption.interrupted = ctx.s.disruption.disruptions.find((d) => d.status === 'open')?.id ?? null;
}

/**
 * Before an entry's rule: time passes by the entry's signed clock (drops past their window without a report
 * become irrelevant), and a procedural step is refused while the session is interrupted.
 */
export function beforeEntry(ctx: Context, e: Envelope, kind: string): void {
  const ds = ctx.s.disruption;
  const window = ds.rules.reportMinutes * 60_000;
  for (const d of ds.drops) if (d.status === 'unreported' && e.hlc.wall > d.from + window) Object.assign(d, { status: 'irrelevant', reason: 'no-report-in-time' });
  if (ds.interrupted !== null && PROCEDURAL.has(kind)) reject(`${kind}: the session is interrupted by disruption '${ds.interrupted}' until the chair resolves it`);
}

/** After an applied entry: a member who takes part after a restored drop without objecting makes it irrelevant. */
export function afterEntry(ctx: Context, e: Envelope, cert: CertBody, kind: string, payload: unknown): void {
  let who: string | undefined;
  if (PARTICIPATION.has(kind)) who = cert.person;
  else if (kind === 'floor.give') who = (payload as Payload<'floor.give'>).person;
  if (!who) return;
  for (const d of ctx.s.disruption.drops) if (d.person === who && d.status === 'unreported' && d.to !== null) Object.assign(d, { status: 'irrelevant', reason: 'participated', participation: e.id });
}

export function disruptionRules(ctx: Context, e: Envelope, _c: CertBody, p: Payload<'disruption.rules'>): void {
  ctx.s.disruption.rules = { reportMinutes: p.reportMinutes, phone: p.phone ?? null, email: p.email ?? null, entry: e.id };
}

export function qualityReport(ctx: Context, e: Envelope, cert: CertBody, p: Payload<'quality.report'>): void {
  person(ctx, p.person, 'quality.report');
  const ds = ctx.s.disruption;
  const was = ds.quality[p.person]?.quality;
  ds.quality[p.person] = { quality: p.quality, at: e.hlc.wall, entry: e.id, by: cert.person };
  if (was === p.quality) return;
  const running = ds.drops.findLast((d) => d.person === p.person && d.to === null);
  if (p.quality === 'lost') {
    if (running) return;
    const drop: Drop = { entry: e.id, person: p.person, from: e.hlc.wall, to: null, restoredBy: null, status: 'unreported', reason: null, disruption: null, participation: null };
    ds.drops.push(drop);
    if (ctx.persons.get(p.person)?.voting) for (const { vote } of openVotes(ctx)) impair(vote, p.person, e.id, null);
  } else if (running) Object.assign(running, { to: e.hlc.wall, restoredBy: e.id });
}

export function disruptionReport(ctx: Context, e: Envelope, cert: CertBody, p: Payload<'disruption.report'>): void {
  const s = ctx.s;
  person(ctx, p.person, 'disruption.report');
  if (s.session !== 'open') reject('disruption.report: the session is not open');
  if (s.disruption.disruptions.some((d) => d.id === p.id)) reject(`disruption.report: id '${p.id}' already used`);
  const own = cert.person === p.person && p.channel === undefined;
  if (!own && !ctx.may(cert, CLERK)) reject('disruption.report: only the member objects in the app; the chair enters reports of the second channel');
  if (!own && p.channel === undefined) reject('disruption.report: a report entered for a member names the channel it came by');
  const drop = s.disruption.drops.findLast((d) => d.person === p.person && d.status === 'unreported') ?? null;
  if (drop) Object.assign(drop, { status: 'reported', disruption: p.id });
  s.disruption.disruptions.push({
    id: p.id,
    person: p.person,
    media: p.media,
    channel: p.channel ?? 'app',
    note: p.note ?? null,
    by: cert.person,
    at: e.hlc.wall,
    entry: e.id,
    drop: drop?.entry ?? null,
    fixes: [],
    status: 'open',
    resolution: null,
    presumedOwn: false,
    votes: [],
    repeatedBy: [],
  });
  for (const { vote } of openVotes(ctx)) impair(vote, p.person, drop?.entry ?? null, p.id);
  setInterrupted(ctx);
}

export function disruptionFix(ctx: Context, e: Envelope, cert: CertBody, p: Payload<'disruption.fix'>): void {
  const d = find(ctx, p.id, 'disruption.fix');
  if (d.status !== 'open') reject(`disruption.fix: disruption '${p.id}' is already resolved`);
  d.fixes.push({ note: p.note, at: e.hlc.wall, entry: e.id, by: cert.person });
}

export function disruptionResolve(ctx: Context, e: Envelope, cert: CertBody, p: Payload<'disruption.resolve'>): void {
  const d = find(ctx, p.id, 'disruption.resolve');
  if (d.status !== 'open') reject(`disruption.resolve: disruption '${p.id}' is already resolved`);
  d.status = p.outcome;
  d.resolution = { reason: p.reason, at: e.hlc.wall, entry: e.id, by: cert.person };
  setInterrupted(ctx);
}

function impair(v: Vote, person: string, drop: string | null, disruption: string | null): void {
  const same = v.impairments.find((i) => i.person === person && ((drop !== null && i.drop === drop) || (drop === null && i.disruption === null && disruption !== null)));
  if (same) same.disruption ??= disruption;
  else v.impairments.push({ person, drop, disruption });
}

/** A vote opens: members whose drop is still running impair it from the start. */
export function voteOpened(ctx: Context, v: Vote): void {
  for (const d of ctx.s.disruption.drops) if (d.to === null && d.status !== 'irrelevant' && ctx.persons.get(d.person)?.voting) impair(v, d.person, d.entry, null);
}

/** The disruption behind an impairment: the one reported while the vote ran, or the one that named the drop. */
function causeOf(ctx: Context, i: Vote['impairments'][number]): Disruption | undefined {
  const id = i.disruption ?? ctx.s.disruption.drops.find((d) => d.entry === i.drop)?.disruption;
  return id ? ctx.s.disruption.disruptions.find((d) => d.id === id) : undefined;
}

/** § 10 Abs. 2: impaired by a disruption that stood in the way of the session (open, or fixed), not by an irrelevant one or the member's own. */
export function isImpaired(ctx: Context, v: Vote): boolean {
  return v.impairments.some((i) => {
    const d = causeOf(ctx, i);
    return d !== undefined && (d.status === 'open' || d.status === 'fixed');
  });
}

/** The vote a `vote.open` with `repeats` repeats, checked before anything changes: impaired and not yet void. */
export function repeatable(ctx: Context, doc: Doc, id: string): VoteIndex {
  const index = ctx.votes.get(`${doc} ${id}`) ?? reject(`vote.open: no vote '${id}' to repeat in the ${doc} document`);
  if (index.vote.void) reject(`vote.open: vote '${id}' is already repeated by '${index.vote.void.by}'`);
  if (!isImpaired(ctx, index.vote)) reject(`vote.open: vote '${id}' was not impaired by a disruption; it cannot be repeated`);
  return index;
}

/** The repeated vote stays in the record, void; if it still ran, it ends without a count. */
export function voidVote(ctx: Context, index: VoteIndex, e: Envelope, by: string): void {
  const v = index.vote;
  v.void = { by, at: e.hlc.wall, entry: e.id };
  if (v.status === 'open') {
    v.status = 'closed';
    v.closedAt = e.hlc.wall;
    index.pending = [];
    if (ctx.open[v.doc] === index) ctx.open[v.doc] = null;
  }
}

/** Derived at the end of the fold: impaired votes, each disruption's votes and repeats, and the presumption of own responsibility. */
export function deriveDisruptions(ctx: Context): void {
  const s = ctx.s;
  const pos = (entry: string) => ctx.folded.get(entry)?.at ?? -1;
  for (const { vote } of ctx.votes.values()) vote.impaired = isImpaired(ctx, vote);
  for (const d of s.disruption.disruptions) {
    const votes = [...ctx.votes.values()].map((x) => x.vote).filter((v) => v.impairments.some((i) => causeOf(ctx, i) === d));
    d.votes = votes.map((v) => v.id);
    d.repeatedBy = votes.filter((v) => v.void).map((v) => ({ vote: v.id, by: v.void!.by }));
    const q = s.disruption.quality[d.person];
    const fix = d.fixes.at(-1);
    const failed = fix !== undefined && q !== undefined && (q.quality === 'lost' || q.quality === 'poor') && pos(q.entry) > pos(fix.entry);
    const others = Object.entries(s.disruption.quality).filter(([p]) => p !== d.person && s.attendance[p]?.present);
    d.presumedOwn = d.status === 'open' && failed && others.length > 0 && others.every(([, x]) => x.quality === 'good' || x.quality === 'fair');
  }
}
