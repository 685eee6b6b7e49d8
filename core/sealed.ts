/**
 * Sealed entries (docs/PROTOCOL.md, "Sealed content"): in a meeting whose setup says `sealed`, the payload of
 * every members'-document entry except `keys.wrap` is encrypted under a content key, the meeting key or a
 * non-public item's key. The envelope stays in clear (author, seq, prev, deps, clock, kind) and its signature
 * covers the ciphertext, so a record verifies without any key. Payload bytes:
 *
 *   0x01 || key id (16) || nonce (24) || XChaCha20-Poly1305(content key, nonce, AAD, plaintext) with tag (16)
 *
 * AAD binds the ciphertext to its place: the same bytes in another author's or another kind's entry do not open.
 * A wrap's context (`wrapContext`) binds a wrapped key to its key id and recipient device in the same way.
 */
import { fromHex, fromUtf8, type Bytes, toHex } from '../crypto/bytes.js';
import { Encoder } from '../crypto/codec.js';
import type { Envelope, Unsigned } from '../crypto/envelope.js';
import * as seal from '../crypto/seal.js';

export const FORMAT = 0x01;
export const AAD_DOMAIN = 'ratsraum/sealed/v1';
export const WRAP_DOMAIN = 'ratsraum/wrap-context/v1';
/** The one members' kind that is never sealed: it carries the keys. */
export const WRAP_KIND = 'keys.wrap';
const HEADER = 1 + 16;

/** Whether an entry must be sealed where it stands: a members' entry of a sealed meeting, the wraps aside. */
export const mustSeal = (sealedMeeting: boolean, doc: string, kind: string): boolean => sealedMeeting && doc === 'members' && kind !== WRAP_KIND;

type Place = Pick<Unsigned, 'tenant' | 'meeting' | 'doc' | 'author' | 'seq' | 'kind'>;

export function aad(u: Place, key: string): Bytes {
  return new Encoder().string(AAD_DOMAIN).string(u.tenant).string(u.meeting).string(u.doc).fixed(u.author).varuint(u.seq).string(u.kind).fixed(fromHex(key, 16, 'key id')).finish();
}

export function wrapContext(tenant: string, meeting: string, key: string, toDevice: string): Bytes {
  return new Encoder().string(WRAP_DOMAIN).string(tenant).string(meeting).fixed(fromHex(key, 16, 'key id')).fixed(fromHex(toDevice, 32, 'device')).finish();
}

const OPENED = new WeakMap<Envelope, string>();

/**
 * The envelope as a key holder reads it: the same id, hash and wire (what is stored, sent and verified), the
 * plaintext as its payload. Everything that reads payloads (fold, minutes, audits) reads this one.
 */
export function opened(e: Envelope, plaintext: Bytes, key: string): Envelope {
  const o = { ...e, payload: plaintext };
  OPENED.set(o, key);
  return o;
}

/** The key an opened envelope was sealed under; undefined for one as it came off the wire. */
export const openedKey = (e: Envelope): string | undefined => OPENED.get(e);

/** Whether an envelope is a meeting.setup that seals the meeting's members' document (the fold decides whether it counts). */
export function setupSeals(e: Pick<Envelope, 'kind' | 'payload'>): boolean {
  if (e.kind !== 'meeting.setup') return false;
  try {
    return (JSON.parse(fromUtf8(e.payload)) as { meeting?: { sealed?: unknown } }).meeting?.sealed === true;
  } catch {
    return false;
  }
}

/** The key id a sealed payload names, or undefined when the bytes are no sealed payload. */
export function keyOf(payload: Bytes): string | undefined {
  if (payload.length < HEADER + seal.NONCE + seal.TAG || payload[0] !== FORMAT) return undefined;
  return toHex(payload.subarray(1, HEADER));
}

export function sealPayload(u: Place, key: Bytes, plaintext: Bytes, nonce?: Bytes): Bytes {
  const id = seal.keyId(key);
  const body = seal.seal(key, plaintext, aad(u, id), nonce);
  const out = new Uint8Array(HEADER + body.length);
  out[0] = FORMAT;
  out.set(fromHex(id, 16), 1);
  out.set(body, HEADER);
  return out;
}

/** The plaintext of a sealed entry under `key` (whose id the payload names), or undefined. */
export function openPayload(e: Envelope, key: Bytes): Bytes | undefined {
  if (OPENED.has(e)) return OPENED.get(e) === seal.keyId(key) ? e.payload : undefined;
  const id = keyOf(e.payload);
  if (id === undefined || id !== seal.keyId(key)) return undefined;
  return seal.open(key, e.payload.subarray(HEADER), aad(e, id));
}
