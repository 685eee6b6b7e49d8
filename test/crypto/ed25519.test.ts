/** Ed25519 against RFC 8032 section 7.1, on both backends, which must give the same bytes. */
import { afterAll, describe, expect, it } from 'vitest';
import { fromHex, toHex, utf8 } from '../../crypto/bytes.js';
import { hasWebCrypto, publicKeyOf, signerFromSeed, useBackend, verify } from '../../crypto/ed25519.js';
import rfc from '../vectors/ed25519/rfc8032.json';

afterAll(() => useBackend('auto'));

describe('Ed25519 (RFC 8032 7.1)', async () => {
  const backends = (await hasWebCrypto()) ? (['noble', 'webcrypto'] as const) : (['noble'] as const);
  for (const backend of backends)
    for (const t of rfc.vectors) {
      it(`SEC-1 ${backend}: ${t.name} signs and verifies as the RFC says`, async () => {
        useBackend(backend);
        const seed = fromHex(t.secretKey);
        expect(toHex(publicKeyOf(seed))).toBe(t.publicKey);
        const signer = await signerFromSeed(seed);
        const sig = await signer.sign(fromHex(t.message));
        expect(toHex(sig)).toBe(t.signature);
        expect(await verify(sig, fromHex(t.message), fromHex(t.publicKey))).toBe(true);
        const tampered = sig.slice();
        tampered[0]! ^= 1;
        expect(await verify(tampered, fromHex(t.message), fromHex(t.publicKey))).toBe(false);
        expect(await verify(sig, utf8('other'), fromHex(t.publicKey))).toBe(false);
      });
    }

  it('returns false instead of throwing on malformed input', async () => {
    expect(await verify(new Uint8Array(3), new Uint8Array(0), new Uint8Array(32))).toBe(false);
    expect(await verify(new Uint8Array(64), new Uint8Array(0), new Uint8Array(31))).toBe(false);
    expect(await verify(new Uint8Array(64).fill(255), new Uint8Array(0), new Uint8Array(32).fill(255))).toBe(false);
  });
});
