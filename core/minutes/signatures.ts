/** The signatures of the minutes: applied `minutes.sign` entries of the log. */
import { toHex } from '../../crypto/bytes.js';
import type { Envelope } from '../../crypto/envelope.js';
import type { SessionState } from '../state.js';
import { payloadOf, SIGN_KIND } from './log.js';

export interface MinutesSignature {
  entry: string; // envelope id
  device: string; // hex of the signing device key
  person: string; // the person of the device's certificate
  name: string; // that person's name in the certificate
  at: number; // hlc wall ms
  hash: string; // the minutesHash it signs
}

/** Entries the fold rejected (a signer without the role, say) are no signatures. */
export function signaturesOf(ordered: readonly Envelope[], state: SessionState, certs: { get(device: string): { person: string; name: string } | undefined }): MinutesSignature[] {
  const rejected = new Set(state.rejected.map((r) => r.entry));
  return ordered.flatMap((e) => {
    const hash = e.kind === SIGN_KIND && !rejected.has(e.id) ? payloadOf(e)?.hash : undefined;
    if (typeof hash !== 'string') return [];
    const device = toHex(e.author);
    const cert = certs.get(device);
    return [{ entry: e.id, device, person: cert?.person ?? '?', name: cert?.name ?? '?', at: e.hlc.wall, hash }];
  });
}
