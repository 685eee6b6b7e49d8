/** The signatures of the minutes: applied `minutes.sign` entries of the log, with whether they sign a given hash. */
import { toHex } from '../../crypto/bytes.js';
import type { Envelope } from '../../crypto/envelope.js';
import type { SessionState } from '../state.js';
import { payloadOf, SIGN_KIND } from './log.js';

export interface MinutesSignature {
  entry: string; // envelope id
  device: string; // hex of the signing device key
  person: string; // the person the device's certificate names
  at: number; // hlc wall ms
  hash: string; // the minutesHash it signs
}

/** `personOf`: the person of a device (the record's certificates). Entries the fold rejected are no signatures. */
export function signaturesOf(ordered: readonly Envelope[], state: SessionState, personOf: (device: string) => string | undefined): MinutesSignature[] {
  const rejected = new Set(state.rejected.map((r) => r.entry));
  return ordered.flatMap((e) => {
    const hash = e.kind === SIGN_KIND && !rejected.has(e.id) ? payloadOf(e)?.hash : undefined;
    if (typeof hash !== 'string') return [];
    const device = toHex(e.author);
    return [{ entry: e.id, device, person: personOf(device) ?? '?', at: e.hlc.wall, hash }];
  });
}
