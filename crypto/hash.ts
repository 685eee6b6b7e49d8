/** SHA-256 (FIPS 180-4) via noble-hashes: synchronous, same bytes in every runtime. */
import { sha256 as nobleSha256 } from '@noble/hashes/sha2.js';
import { type Bytes, toHex, utf8 } from './bytes.js';

export const sha256 = (data: Bytes): Bytes => nobleSha256(data);

/** Fingerprint of a public key as people compare it: 32 hex digits in groups of four. */
export function fingerprint(publicKey: Bytes): string {
  return toHex(sha256(publicKey)).slice(0, 32).match(/.{4}/g)!.join(' ');
}

export const hashString = (s: string): string => toHex(sha256(utf8(s)));
