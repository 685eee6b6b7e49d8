/**
 * Every Ed25519 verify vector of this folder as one list, each with the verdict of our rule
 * (docs/PROTOCOL.md "Ed25519": RFC 8032 cofactorless, canonical A and R, neither of small order, S < L).
 *
 * Verdict by class:
 * - Wycheproof (C2SP/wycheproof `ed25519_test.json`): our verdict is Wycheproof's own `result` on all
 *   151 (it has no `acceptable` cases). Its small-order R cases (tcId 10-19, 60) are invalid there too.
 * - "Taming the many EdDSAs" (speccheck `cases.json`, table in `speccheck-table.md`): only case 3 verifies.
 *   Cases 0, 1 (small-order A), 2 (small-order R: pure RFC 8032 accepts it, we refuse it as libsodium does,
 *   since an honest signer never makes one), 4, 5 (only the cofactored equation holds), 6, 7 (S >= L),
 *   8, 9 (non-canonical R), 10, 11 (non-canonical, small-order A) are refused.
 */
import speccheck from './speccheck-cases.json';
import wycheproof from './wycheproof-ed25519_test.json';

export interface VerifyCase {
  name: string;
  message: string;
  signature: string;
  publicKey: string;
  /** The verdict of our rule. */
  valid: boolean;
}

const SPECCHECK_CLASS = [
  'small-order A and R, S = 0',
  'small-order A',
  'small-order R, mixed-order A',
  'mixed-order A and R, cofactorless equation holds',
  'mixed-order A and R, only the cofactored equation holds',
  'mixed-order A, only the cofactored equation holds (8h pre-reduced)',
  'S > L',
  'S >> L',
  'non-canonical R, reduced for the hash',
  'non-canonical R, not reduced for the hash',
  'non-canonical small-order A, reduced for the hash',
  'non-canonical small-order A, not reduced for the hash',
];

export const CASES: VerifyCase[] = [
  ...speccheck.map((c, i) => ({
    name: `speccheck ${i}: ${SPECCHECK_CLASS[i]}`,
    message: c.message,
    signature: c.signature,
    publicKey: c.pub_key,
    valid: i === 3,
  })),
  ...wycheproof.testGroups.flatMap((g) =>
    g.tests.map((t) => ({
      name: `wycheproof ${t.tcId} [${t.flags.join(',')}] ${t.comment}`,
      message: t.msg,
      signature: t.sig,
      publicKey: g.publicKey.pk,
      valid: t.result === 'valid',
    })),
  ),
];
