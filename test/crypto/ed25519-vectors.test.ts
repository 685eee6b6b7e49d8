/**
 * One Ed25519 rule on every backend (finding 6): Wycheproof and "Taming the many EdDSAs" vectors
 * (test/vectors/ed25519/, verdicts by class in cases.ts) through WebCrypto and noble.
 */
import { ed25519 as curves } from '@noble/curves/ed25519.js';
import { afterAll, describe, expect, it } from 'vitest';
import { fromHex, toHex } from '../../crypto/bytes.js';
import { checkPublicKey, hasWebCrypto, isSmallOrder, SMALL_ORDER, useBackend, verify } from '../../crypto/ed25519.js';
import { CASES } from '../vectors/ed25519/cases.js';

afterAll(() => useBackend('auto'));

async function verdicts(backend: 'webcrypto' | 'noble'): Promise<boolean[]> {
  useBackend(backend);
  const out: boolean[] = [];
  for (const c of CASES) {
    let sig: Uint8Array;
    try {
      sig = fromHex(c.signature);
    } catch {
      sig = new Uint8Array(0); // odd-length hex in a truncated-signature vector
    }
    out.push(await verify(sig, fromHex(c.message), fromHex(c.publicKey)));
  }
  return out;
}

describe('Ed25519: one rule on every backend', () => {
  it('SEC-1 (finding 6) WebCrypto and noble give the same verdict on every Wycheproof and speccheck vector, the verdict of our rule', async () => {
    expect(await hasWebCrypto()).toBe(true);
    expect(CASES.length).toBe(151 + 12);
    const expected = CASES.map((c) => `${c.valid ? 'accept' : 'refuse'} ${c.name}`);
    for (const backend of ['webcrypto', 'noble'] as const) {
      const got = await verdicts(backend);
      expect(CASES.map((c, i) => `${got[i] ? 'accept' : 'refuse'} ${c.name}`), backend).toEqual(expected);
    }
  });

  it('SEC-1 (finding 6) the identity as public key "signs" every message with R = identity, S = 0 on no backend', async () => {
    const IDENTITY = '01' + '00'.repeat(31);
    const identity = fromHex(IDENTITY);
    const forged = fromHex(IDENTITY + '00'.repeat(32)); // [0]B = R + [k]A holds for every k
    for (const backend of ['webcrypto', 'noble'] as const) {
      useBackend(backend);
      for (const m of ['', '00', 'deadbeef', 'ff'.repeat(40)]) expect(await verify(forged, fromHex(m), identity), `${backend} ${m}`).toBe(false);
    }
  });

  it('SEC-1 (finding 6) the small-order list is exactly the 8 torsion points; checkPublicKey refuses them, their non-canonical forms and non-points', () => {
    const torsion = curves.Point.fromHex(SMALL_ORDER[4]!);
    const multiples = Array.from({ length: 8 }, (_, i) => toHex(torsion.multiplyUnsafe(BigInt(i)).toBytes()));
    expect([...multiples].sort()).toEqual([...SMALL_ORDER].sort());
    for (const hex of SMALL_ORDER) {
      expect(isSmallOrder(fromHex(hex))).toBe(true);
      expect(checkPublicKey(fromHex(hex))).toBe('small-order point');
    }
    // y + p for y = 1, and the sign bit on x = 0, are non-canonical encodings.
    const identityPlusP = fromHex('eeffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f');
    expect(isSmallOrder(identityPlusP)).toBe(true);
    expect(checkPublicKey(identityPlusP)).toBe('non-canonical encoding');
    expect(checkPublicKey(fromHex('0100000000000000000000000000000000000000000000000000000000000080'))).toBe('non-canonical encoding');
    expect(checkPublicKey(fromHex('02' + '00'.repeat(31)))).toBe('not a curve point');
    expect(checkPublicKey(new Uint8Array(31))).toBe('not 32 bytes');
    const honest = curves.getPublicKey(new Uint8Array(32).fill(7));
    expect(isSmallOrder(honest)).toBe(false);
    expect(checkPublicKey(honest)).toBeUndefined();
  });
});
