/** `cert.note`: a certificate version recorded in the log. The replica has added it to the directory already. */
import type { CertBody } from '../../crypto/cert.js';
import type { Envelope } from '../../crypto/envelope.js';
import type { Payload } from '../entries.js';
import type { Context } from '../fold.js';
import { reject } from './reject.js';

export function certNote(ctx: Context, _e: Envelope, _cert: CertBody, p: Payload<'cert.note'>): void {
  const body = p.cert.body as Partial<CertBody>;
  if (typeof body.device !== 'string' || !ctx.holdsCert(p.cert.sig)) reject('cert.note: not a certificate of this tenant');
}
