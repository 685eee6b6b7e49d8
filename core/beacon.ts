/**
 * Beacons (docs/PROTOCOL.md, "Beacons"): a device's signed statement of the frontier it holds. They let
 * every reader notice what a relay withholds: a peer claims entries we never received, or nobody else
 * acknowledges our own entries.
 */
import { fromHex, utf8 } from '../crypto/bytes.js';
import { canonicalJson } from '../crypto/canonical.js';
import { type Signer, verify } from '../crypto/ed25519.js';
import { toHex } from '../crypto/bytes.js';
import type { Frontier, SignedBeacon } from './wire.js';

export const DOMAIN = 'ratsraum/beacon/v1\n';

type Unsigned = Omit<SignedBeacon, 'sig'>;
const input = (b: Unsigned): Uint8Array => utf8(DOMAIN + canonicalJson(b));

export async function make(tenant: string, meeting: string, signer: Signer, frontier: Frontier, at: number): Promise<SignedBeacon> {
  const b: Unsigned = { tenant, meeting, author: toHex(signer.publicKey), at, frontier: frontier as SignedBeacon['frontier'] };
  return { ...b, sig: toHex(await signer.sign(input(b))) };
}

export async function check(b: SignedBeacon): Promise<boolean> {
  try {
    const { sig, ...rest } = b;
    return await verify(fromHex(sig, 64), input(rest), fromHex(rest.author, 32));
  } catch {
    return false;
  }
}
