/**
 * End-to-end encryption of members' content (docs/PROTOCOL.md, "Sealed content"): content keys (random
 * 32 bytes) are wrapped for a device's X25519 key (RFC 7748) with a key derived by HKDF-SHA256 (RFC 5869),
 * and content is sealed under a content key with XChaCha20-Poly1305 (draft-irtf-cfrg-xchacha-03). Pure
 * functions over bytes; randomness is passed in where a test needs fixed bytes. Decryption that fails
 * (wrong key, changed byte) returns undefined, never throws.
 */
import { xchacha20poly1305 } from '@noble/ciphers/chacha.js';
import { x25519 } from '@noble/curves/ed25519.js';
import { hkdf } from '@noble/hashes/hkdf.js';
import { sha256 } from '@noble/hashes/sha2.js';
import { abytes, type Bytes, concat, equal, randomBytes, toHex, utf8 } from './bytes.js';

export const WRAP_INFO = 'ratsraum/wrap/v1';
export const KEY_ID_TAG = 'ratsraum/key-id/v1';
export const NONCE = 24;
export const TAG = 16;

/** A device's X25519 key pair (its public half is the certificate's `dh`). */
export interface DhKey {
  secretKey: Bytes;
  publicKey: Bytes;
}

export function dhFromSecret(secretKey: Bytes): DhKey {
  abytes(secretKey, 32, 'secretKey');
  return { secretKey: secretKey.slice(), publicKey: x25519.getPublicKey(secretKey) };
}

export const generateDh = (): DhKey => dhFromSecret(randomBytes(32));

export const DH_FROM_SEED_INFO = 'ratsraum/dh-from-seed/v1';

/**
 * The X25519 key of a device whose Ed25519 seed travels in a link (the demo's pre-provisioned devices):
 * HKDF-SHA256(ikm = seed, no salt, info = DH_FROM_SEED_INFO, 32 bytes). Enrolled devices generate their own.
 */
export const dhFromSeed = (seed: Bytes): DhKey => dhFromSecret(hkdf(sha256, abytes(seed, 32, 'seed'), undefined, utf8(DH_FROM_SEED_INFO), 32));

/** A new content key (meeting or item key). */
export const generateKey = (): Bytes => randomBytes(32);

/** The id of a content key: 16 bytes of SHA-256 over a tag and the key, so an unwrapped key proves its id. */
export const keyId = (key: Bytes): string => toHex(sha256(concat(utf8(KEY_ID_TAG), abytes(key, 32, 'key'))).subarray(0, 16));

/** A wrapped content key: the ephemeral X25519 public key and the 48 bytes of ciphertext with tag. */
export interface Wrapped {
  epk: Bytes;
  ct: Bytes;
}

/** HKDF-SHA256(ikm = X25519 shared secret, salt = epk || recipient, info = WRAP_INFO || 0 || context) -> key 32 || nonce 24. */
function kek(shared: Bytes, epk: Bytes, recipient: Bytes, context: Bytes): { key: Bytes; nonce: Bytes } {
  const okm = hkdf(sha256, shared, concat(epk, recipient), concat(utf8(WRAP_INFO), new Uint8Array([0]), context), 32 + NONCE);
  return { key: okm.subarray(0, 32), nonce: okm.subarray(32) };
}

/** Diffie-Hellman that refuses a small-order peer key (RFC 7748 § 6.1: an all-zero shared secret). */
function shared(secretKey: Bytes, publicKey: Bytes): Bytes | undefined {
  try {
    const s = x25519.getSharedSecret(secretKey, publicKey);
    return equal(s, new Uint8Array(32)) ? undefined : s;
  } catch {
    return undefined;
  }
}

/**
 * Wraps `key` for the device whose X25519 public key is `recipient`. `context` binds the wrap to where it
 * stands (key id and recipient device, docs/PROTOCOL.md): the same bytes in another place do not open.
 */
export function wrap(key: Bytes, recipient: Bytes, context: Bytes, ephemeralSecret: Bytes = randomBytes(32)): Wrapped {
  abytes(key, 32, 'key');
  abytes(recipient, 32, 'recipient');
  const epk = x25519.getPublicKey(abytes(ephemeralSecret, 32, 'ephemeralSecret'));
  const s = shared(ephemeralSecret, recipient);
  if (!s) throw new RangeError('recipient: small-order X25519 key');
  const k = kek(s, epk, recipient, context);
  return { epk, ct: xchacha20poly1305(k.key, k.nonce).encrypt(key) };
}

/** The content key of a wrap for `me`, or undefined when it is not for this key or was changed. */
export function unwrap(w: Wrapped, me: DhKey, context: Bytes): Bytes | undefined {
  if (w.epk?.length !== 32 || w.ct?.length !== 32 + TAG) return undefined;
  const s = shared(me.secretKey, w.epk);
  if (!s) return undefined;
  const k = kek(s, w.epk, me.publicKey, context);
  try {
    return xchacha20poly1305(k.key, k.nonce).decrypt(w.ct);
  } catch {
    return undefined;
  }
}

/** nonce (24) || XChaCha20-Poly1305(key, nonce, aad, plaintext) with its 16-byte tag. */
export function seal(key: Bytes, plaintext: Bytes, aad: Bytes, nonce: Bytes = randomBytes(NONCE)): Bytes {
  abytes(key, 32, 'key');
  abytes(nonce, NONCE, 'nonce');
  return concat(nonce, xchacha20poly1305(key, nonce, aad).encrypt(abytes(plaintext, undefined, 'plaintext')));
}

/** The plaintext of `sealed`, or undefined for a wrong key, other AAD or any changed byte. */
export function open(key: Bytes, sealed: Bytes, aad: Bytes): Bytes | undefined {
  if (sealed.length < NONCE + TAG) return undefined;
  try {
    return xchacha20poly1305(key, sealed.subarray(0, NONCE), aad).decrypt(sealed.subarray(NONCE));
  } catch {
    return undefined;
  }
}
