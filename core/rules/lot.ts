/** A lot (GO NRW § 50 Abs. 2, core/lot.ts): the chair names the drawers; each commits, then reveals; the seed draws the order. */
import { toHex } from '../../crypto/bytes.js';
import type { CertBody } from '../../crypto/cert.js';
import type { Envelope } from '../../crypto/envelope.js';
import type { Payload } from '../entries.js';
import type { Context } from '../fold.js';
import { checkReveals, draw, seed } from '../lot.js';
import type { LotState, Vote } from '../state.js';
import { reject } from './reject.js';

export function lotOpen(ctx: Context, e: Envelope, _cert: CertBody, p: Payload<'lot.open'>): void {
  const v = ctx.vote(e, p.vote, 'lot.open').vote;
  const outcome = v.outcome?.kind === 'lot' ? v.outcome : reject(`lot.open: '${v.id}' needs no lot`);
  if (v.lot) reject(`lot.open: the lot of '${v.id}' is already called`);
  const drawers = [...new Set(p.drawers)];
  if (drawers.some((d) => !ctx.persons.has(d))) reject('lot.open: every drawer must be a person of this body');
  v.lot = { drawers, among: outcome.among, commits: {}, reveals: {}, order: null, seed: null };
}

/** The lot of the vote an entry names, and the drawer who made it. */
function drawer(ctx: Context, e: Envelope, cert: CertBody, vote: string): { v: Vote; lot: LotState; me: string } {
  const v = ctx.vote(e, vote, e.kind).vote;
  const lot = v.lot ?? reject(`${e.kind}: no lot called for '${v.id}'`);
  const me = cert.person;
  if (!lot.drawers.includes(me)) reject(`${e.kind}: '${me}' is not a drawer of this lot`);
  return { v, lot, me };
}

export function lotCommit(ctx: Context, e: Envelope, cert: CertBody, p: Payload<'lot.commit'>): void {
  const { lot, me } = drawer(ctx, e, cert, p.vote);
  if (lot.commits[me]) reject(`lot.commit: '${me}' has already committed`);
  if (Object.keys(lot.reveals).length > 0) reject('lot.commit: reveals have begun');
  lot.commits[me] = p.commitment;
}

export function lotReveal(ctx: Context, e: Envelope, cert: CertBody, p: Payload<'lot.reveal'>): void {
  const { v, lot, me } = drawer(ctx, e, cert, p.vote);
  if (Object.keys(lot.commits).length < lot.drawers.length) reject('lot.reveal: not every drawer has committed yet');
  if (lot.reveals[me]) reject(`lot.reveal: '${me}' has already revealed`);
  const problems = checkReveals(v.id, { [me]: lot.commits[me]! }, [{ drawer: me, reveal: p.reveal }]);
  if (problems.length > 0) reject(`lot.reveal: ${problems.join('; ')}`);
  lot.reveals[me] = p.reveal;
  if (Object.keys(lot.reveals).length < lot.drawers.length) return;
  const seedBytes = seed(v.id, Object.entries(lot.reveals).map(([d, reveal]) => ({ drawer: d, reveal })));
  lot.seed = toHex(seedBytes);
  lot.order = draw(seedBytes, lot.among);
  const o = v.outcome as Extract<NonNullable<Vote['outcome']>, { kind: 'lot' }>;
  if (o.then === 'elected') v.elected = lot.order[0]!;
  else v.runoff = [...o.fixed, ...lot.order.slice(0, o.places)];
}
