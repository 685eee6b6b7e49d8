/** SEC-2, DS-1: a member acknowledges the security handbook or the privacy information, by the text's hash. */
import type { CertBody } from '../../crypto/cert.js';
import type { Envelope } from '../../crypto/envelope.js';
import type { Payload } from '../entries.js';
import type { Context } from '../fold.js';
import { reject } from './reject.js';

export function handbookAck(ctx: Context, e: Envelope, cert: CertBody, p: Payload<'handbook.ack'>): void {
  const s = ctx.s;
  if (!ctx.persons.has(cert.person)) reject(`handbook.ack: '${cert.person}' is not a member of this body`);
  if (s.acknowledgements.some((a) => a.person === cert.person && a.kind === p.kind && a.version === p.version)) return;
  s.acknowledgements.push({ person: cert.person, kind: p.kind, version: p.version, at: e.hlc.wall, entry: e.id });
}
