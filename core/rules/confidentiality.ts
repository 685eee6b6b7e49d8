/**
 * The duty of confidentiality before a non-public part (DigiSiVO § 3 Abs. 2; PUB-6). The chair reminds
 * everyone (`confidentiality.remind`), each remote member confirms on their own device that no third party
 * can see or hear (`confidentiality.confirm`), and the chair may record who did not (`confidentiality.missing`).
 * A non-public part cannot start while a remote member present has done neither; when the part ends, the
 * next one needs its own confirmations. All of it lives in the public document, so the public's fold (and the
 * relay's) judges the non-public marker exactly as the members' does.
 */
import type { CertBody } from '../../crypto/cert.js';
import type { Envelope } from '../../crypto/envelope.js';
import type { Payload } from '../entries.js';
import type { Context } from '../fold.js';
import type { PersonId, SessionState } from '../state.js';
import { reject } from './reject.js';

const reminded = (ctx: Context, kind: string) => ctx.s.confidentiality.remindedAt !== null || reject(`${kind}: the chair has not reminded of the duty of confidentiality`);
const answered = (s: SessionState, person: string) => s.confidentiality.confirmed.some((x) => x.person === person) || s.confidentiality.missing.some((x) => x.person === person);

export function confidentialityRemind(ctx: Context, e: Envelope): void {
  if (ctx.s.session !== 'open') reject('confidentiality.remind: the session is not open');
  ctx.s.confidentiality.remindedAt ??= e.hlc.wall;
}

export function confidentialityConfirm(ctx: Context, e: Envelope, _c: CertBody, p: Payload<'confidentiality.confirm'>): void {
  if (!ctx.persons.has(p.person)) reject(`confidentiality.confirm: '${p.person}' is not a member of this body`);
  reminded(ctx, 'confidentiality.confirm');
  const c = ctx.s.confidentiality;
  if (c.confirmed.some((x) => x.person === p.person)) return;
  c.missing = c.missing.filter((x) => x.person !== p.person); // confirmed after all
  c.confirmed.push({ person: p.person, at: e.hlc.wall, entry: e.id });
}

export function confidentialityMissing(ctx: Context, e: Envelope, _c: CertBody, p: Payload<'confidentiality.missing'>): void {
  for (const x of p.persons) if (!ctx.persons.has(x)) reject(`confidentiality.missing: '${x}' is not a member of this body`);
  reminded(ctx, 'confidentiality.missing');
  for (const person of p.persons) if (!answered(ctx.s, person)) ctx.s.confidentiality.missing.push({ person, at: e.hlc.wall, entry: e.id });
}

/** Remote members present who have neither confirmed nor been recorded as not confirming. */
export function confidentialityPending(s: SessionState): PersonId[] {
  return s.persons.filter((p) => s.attendance[p.id]?.present && s.attendance[p.id]?.place === 'remote' && !answered(s, p.id)).map((p) => p.id);
}

/** Called by item.current before it changes anything: refuses the start of a non-public part while someone is pending; a part's end resets the round. */
export function confidentialityGate(ctx: Context, nonPublicPart: boolean): void {
  const s = ctx.s;
  if (nonPublicPart && !s.nonPublicPart) {
    const open = confidentialityPending(s);
    if (open.length > 0) reject(`item.current: remote members have not confirmed confidentiality: ${open.map((x) => `'${x}'`).join(', ')}`);
  }
  if (!nonPublicPart && s.nonPublicPart) s.confidentiality = { remindedAt: null, confirmed: [], missing: [], pending: [] };
}
