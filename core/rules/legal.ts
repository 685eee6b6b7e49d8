/** LEG-1: the council decisions (§ 47a GO NRW) and the Hauptsatzung clause (§ 58a) a meeting's form rests on. */
import type { CertBody } from '../../crypto/cert.js';
import type { Envelope } from '../../crypto/envelope.js';
import type { Payload } from '../entries.js';
import type { Context } from '../fold.js';
import { reject } from './reject.js';

export function legalDecision(ctx: Context, _e: Envelope, _cert: CertBody, p: Payload<'legal.decision'>): void {
  const s = ctx.s;
  if (s.legal.decisions.some((d) => d.id === p.id)) reject(`legal.decision: '${p.id}' already recorded`);
  s.legal = { ...s.legal, decisions: [...s.legal.decisions, { ...p }] };
}

export function legalClause(ctx: Context, _e: Envelope, _cert: CertBody, p: Payload<'legal.clause'>): void {
  ctx.s.legal = { ...ctx.s.legal, hauptsatzung: { ...p } };
}
