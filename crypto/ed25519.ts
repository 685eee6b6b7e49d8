/**
 * Ed25519 (RFC 8032) device keys. WebCrypto where the platform has Ed25519 (keys can then be
 * non-extractable), @noble/ed25519 otherwise; both give the same bytes, since Ed25519 signing is
 * deterministic and both verify by RFC 8032 rules (noble with zip215: false).
 */
import * as ed from '@noble/ed25519';
import { sha512 } from '@noble/hashes/sha2.js';
import { abytes, type Bytes, concat, fromHex, randomBytes, toHex } from './bytes.js';

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

/** Verify an Ed25519 signature. Untrusted input that fails returns false, never throws. */
export async function verify(signature: Bytes, message: Bytes, publicKey: Bytes): Promise<boolean> {
  if (!(signature instanceof Uint8Array) || signature.length !== 64) return false;
  if (!(publicKey instanceof Uint8Array) || publicKey.length !== 32) return false;
  try {
    if ((await backend()) === 'webcrypto')
      return await subtle()!.verify(ALG, await importPublic(publicKey), signature as BufferSource, message as BufferSource);
    return ed.verify(signature, message, publicKey, { zip215: false });
  } catch {
    return false;
  }
}
