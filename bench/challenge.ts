/** The answer of a bench client to a relay's `challenge`: a device's signed login, or the public's (auth null). */
import { toHex } from '../crypto/bytes.js';
import type { Signer } from '../crypto/ed25519.js';
import { encodeControl, loginInput } from '../core/wire.js';

export async function answerChallenge(auth: Signer | null, tenant: string, meeting: string, c: { nonce: string; relay: string }): Promise<Uint8Array> {
  if (!auth) return encodeControl({ t: 'public', tenant, meeting });
  return encodeControl({ t: 'login', tenant, meeting, device: toHex(auth.publicKey), sig: toHex(await auth.sign(loginInput(c.nonce, tenant, meeting, c.relay))) });
}
