/**
 * Ed25519 (RFC 8032) device keys. WebCrypto where the platform has Ed25519 (keys can then be
 * non-extractable), @noble/ed25519 otherwise. Signing is deterministic, so both give the same bytes.
 *
 * Verification follows one rule on every backend, checked here before either backend runs
 * (DESIGN.md "Identity and trust"; docs/PROTOCOL.md "Ed25519"):
 * - A and R are canonical encodings (y < p, no sign bit on x = 0), A decodes to a curve point;
 * - neither A nor R is one of the 8 points of small order;
 * - S < L;
 * - the cofactorless equation [S]B = R + [k]A holds (RFC 8032 5.1.7), k = SHA-512(R || A || M) mod L.
 * The backends differ exactly outside that rule: Node's and Chromium's WebCrypto accept small-order
 * keys and R (and a non-canonical small-order key), and noble's strict mode checks the cofactored equation [8][S]B = [8]R + [8][k]A, so it
 * accepts mixed-order A or R that the cofactorless one refuses. Hence the noble backend runs the
 * cofactorless equation on noble's point arithmetic instead of `ed.verify`.
 */
import * as ed from '@noble/ed25519';
import { sha512 } from '@noble/hashes/sha2.js';
import { abytes, type Bytes, concat, equal, fromHex, randomBytes, toHex } from './bytes.js';

ed.hashes.sha512 = sha512;

export type Backend = 'webcrypto' | 'noble';

export interface Signer {
  readonly publicKey: Bytes;
  sign(message: Bytes): Promise<Bytes>;
}

// RFC 8410: PKCS#8 wrapping of a raw 32-byte Ed25519 seed.
const PKCS8_PREFIX = fromHex('302e020100300506032b657004220420');
const ALG = { name: 'Ed25519' } as const;
const subtle = (): SubtleCrypto | undefined => globalThis.crypto?.subtle;

let webcryptoProbe: Promise<boolean> | undefined;
/** True when this platform's WebCrypto implements Ed25519. */
export function hasWebCrypto(): Promise<boolean> {
  webcryptoProbe ??= (async () => {
    try {
      const s = subtle();
      if (!s) return false;
      const k = await s.importKey('raw', ed.getPublicKey(new Uint8Array(32)) as BufferSource, ALG, false, ['verify']);
      return k.type === 'public';
    } catch {
      return false;
    }
  })();
  return webcryptoProbe;
}

let preferred: Backend | 'auto' = 'auto';
/** Force a backend (benchmarks and tests); 'auto' picks WebCrypto when available. */
export function useBackend(b: Backend | 'auto'): void {
  preferred = b;
}
async function backend(): Promise<Backend> {
  if (preferred !== 'auto') return preferred;
  return (await hasWebCrypto()) ? 'webcrypto' : 'noble';
}

export const generateSeed = (): Bytes => randomBytes(32);
export const publicKeyOf = (seed: Bytes): Bytes => ed.getPublicKey(abytes(seed, 32, 'seed'));

/** A signer from a 32-byte seed (demo devices, tenant admin key, tests). */
export async function signerFromSeed(seed: Bytes): Promise<Signer> {
  abytes(seed, 32, 'seed');
  const publicKey = ed.getPublicKey(seed);
  if ((await backend()) === 'webcrypto') {
    const key = await subtle()!.importKey('pkcs8', concat(PKCS8_PREFIX, seed) as BufferSource, ALG, false, ['sign']);
    return { publicKey, sign: async (m) => new Uint8Array(await subtle()!.sign(ALG, key, m as BufferSource)) };
  }
  return { publicKey, sign: async (m) => ed.sign(m, seed) };
}

/**
 * Import a seed as a non-extractable WebCrypto private key (to keep in IndexedDB instead of the seed);
 * undefined where the platform has no WebCrypto Ed25519.
 */
export async function importNonExtractable(seed: Bytes): Promise<{ privateKey: CryptoKey; publicKey: Bytes } | undefined> {
  if (!(await hasWebCrypto())) return undefined;
  const privateKey = await subtle()!.importKey('pkcs8', concat(PKCS8_PREFIX, abytes(seed, 32, 'seed')) as BufferSource, ALG, false, ['sign']);
  return { privateKey, publicKey: ed.getPublicKey(seed) };
}

export function signerFromPrivateKey(privateKey: CryptoKey, publicKey: Bytes): Signer {
  return { publicKey, sign: async (m) => new Uint8Array(await subtle()!.sign(ALG, privateKey, m as BufferSource)) };
}

// RFC 8032 5.1: the field prime and the order of the base point.
const P = 2n ** 255n - 19n;
const L = 2n ** 252n + 27742317777372353535851937790883648493n;

/** The canonical encodings of the 8 points of small order (the torsion subgroup). */
export const SMALL_ORDER: readonly string[] = [
  '0100000000000000000000000000000000000000000000000000000000000000', // identity, order 1
  'ecffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f', // (0, -1), order 2
  '0000000000000000000000000000000000000000000000000000000000000000', // order 4
  '0000000000000000000000000000000000000000000000000000000000000080', // order 4
  'c7176a703d4dd84fba3c0b760d10670f2a2053fa2c39ccc64ec7fd7792ac037a', // order 8
  'c7176a703d4dd84fba3c0b760d10670f2a2053fa2c39ccc64ec7fd7792ac03fa', // order 8
  '26e8958fc2b227b045c3f489f2ef98f0d5dfac05d3c63339b13802886d53fc05', // order 8
  '26e8958fc2b227b045c3f489f2ef98f0d5dfac05d3c63339b13802886d53fc85', // order 8
];
const smallOrder = new Set(SMALL_ORDER);

const littleEndian = (b: Bytes): bigint => {
  let n = 0n;
  for (let i = b.length - 1; i >= 0; i--) n = (n << 8n) | BigInt(b[i]!);
  return n;
};

/** RFC 8032 5.1.3 decoding would accept y >= p and a sign bit on x = 0 (y = ±1): both are non-canonical. */
function canonical(point: Bytes): boolean {
  const sign = point[31]! >> 7;
  const y = littleEndian(point) & (2n ** 255n - 1n);
  return y < P && !(sign === 1 && (y === 1n || y === P - 1n));
}

/** Whether a 32-byte string encodes a point of small order, canonically or not (such keys are refused). */
export function isSmallOrder(point: Bytes): boolean {
  abytes(point, 32, 'point');
  try {
    return ed.Point.fromBytes(point, true).isSmallOrder();
  } catch {
    return false;
  }
}

const checkedKeys = new Map<string, ed.Point | null>();
function publicPoint(publicKey: Bytes): ed.Point | null {
  const id = toHex(publicKey);
  let a = checkedKeys.get(id);
  if (a === undefined) {
    a = null;
    if (canonical(publicKey) && !smallOrder.has(id))
      try {
        a = ed.Point.fromBytes(publicKey, false);
      } catch {}
    if (checkedKeys.size > 10_000) checkedKeys.clear();
    checkedKeys.set(id, a);
  }
  return a;
}

/**
 * Why a public key is refused by the rule (non-canonical, not a curve point, small order), or
 * undefined when it is acceptable. Enrolment and certificates use this.
 */
export function checkPublicKey(publicKey: Bytes): string | undefined {
  if (!(publicKey instanceof Uint8Array) || publicKey.length !== 32) return 'not 32 bytes';
  if (!canonical(publicKey)) return 'non-canonical encoding';
  if (smallOrder.has(toHex(publicKey))) return 'small-order point';
  return publicPoint(publicKey) ? undefined : 'not a curve point';
}

/** RFC 8032 5.1.7 without the cofactor: encode([S]B - [k]A) must be R's bytes (R is canonical). */
function nobleVerify(r: Bytes, s: bigint, message: Bytes, publicKey: Bytes, a: ed.Point): boolean {
  const k = littleEndian(sha512(concat(r, publicKey, message))) % L;
  return equal(ed.Point.BASE.multiply(s, false).subtract(a.multiply(k, false)).toBytes(), r);
}

const importedKeys = new Map<string, Promise<CryptoKey>>();
function importPublic(publicKey: Bytes): Promise<CryptoKey> {
  const id = toHex(publicKey);
  let key = importedKeys.get(id);
  if (!key) {
    if (importedKeys.size > 10_000) importedKeys.clear();
    key = subtle()!.importKey('raw', publicKey as BufferSource, ALG, false, ['verify']);
    importedKeys.set(id, key);
  }
  return key;
}

/** Verify an Ed25519 signature by the rule above. Untrusted input that fails returns false, never throws. */
export async function verify(signature: Bytes, message: Bytes, publicKey: Bytes): Promise<boolean> {
  if (!(signature instanceof Uint8Array) || signature.length !== 64) return false;
  if (!(publicKey instanceof Uint8Array) || publicKey.length !== 32) return false;
  if (!(message instanceof Uint8Array)) return false;
  const a = publicPoint(publicKey);
  const r = signature.subarray(0, 32);
  const s = littleEndian(signature.subarray(32));
  if (!a || !canonical(r) || smallOrder.has(toHex(r)) || s >= L) return false;
  try {
    if ((await backend()) === 'webcrypto')
      return await subtle()!.verify(ALG, await importPublic(publicKey), signature as BufferSource, message as BufferSource);
    return nobleVerify(r, s, message, publicKey, a);
  } catch {
    return false;
  }
}
