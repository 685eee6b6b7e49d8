/**
 * Signed envelopes (docs/PROTOCOL.md, "Envelope"). Every change to a meeting is one envelope:
 * {tenant, meeting, doc, author, seq, prev, deps, hlc, kind, payload, sig}. The signature covers the
 * canonical binary encoding of all other fields behind a domain tag; the envelope id is SHA-256 of the
 * whole wire encoding (signed fields followed by the 64-byte signature).
 */
import { abytes, type Bytes, compare, concat, toHex } from './bytes.js';
import { Decoder, DecodeError, Encoder } from './codec.js';
import { type Signer, verify } from './ed25519.js';
import { sha256 } from './hash.js';

export const DOMAIN = 'ratsraum/envelope/v1';
export const ZERO_HASH: Bytes = new Uint8Array(32);

export const LIMITS = {
  wire: 256 * 1024,
  payload: 192 * 1024,
  deps: 1024,
  name: 128, // tenant, meeting, doc
  kind: 64,
} as const;

/** Hybrid logical clock: wall time in ms, counter for events within the same ms. */
export interface Hlc {
  wall: number;
  counter: number;
}

export interface Unsigned {
  tenant: string;
  meeting: string;
  doc: string;
  author: Bytes; // Ed25519 device public key, 32 bytes
  seq: number; // 1-based count of the author's envelopes in this doc
  prev: Bytes; // id of the author's previous envelope in this doc, ZERO_HASH for seq 1
  deps: Bytes[]; // ids of the heads the author had seen, strictly ascending
  hlc: Hlc;
  kind: string;
  payload: Bytes;
}

export interface Envelope extends Unsigned {
  sig: Bytes;
  wire: Bytes;
  hash: Bytes;
  id: string; // hex of hash
}

function writeSigned(e: Encoder, u: Unsigned): Encoder {
  return e
    .string(DOMAIN)
    .string(u.tenant)
    .string(u.meeting)
    .string(u.doc)
    .fixed(u.author)
    .varuint(u.seq)
    .fixed(u.prev)
    .varuint(u.deps.length)
    .fixed(concat(...u.deps))
    .varuint(u.hlc.wall)
    .varuint(u.hlc.counter)
    .string(u.kind)
    .bytes(u.payload);
}

/** Throws TypeError/RangeError when a locally built envelope breaks the grammar or a limit. */
export function check(u: Unsigned): void {
  for (const [name, v] of [['tenant', u.tenant], ['meeting', u.meeting], ['doc', u.doc]] as const)
    if (typeof v !== 'string' || v.length === 0 || v.length > LIMITS.name) throw new RangeError(`${name}: 1..${LIMITS.name} chars`);
  if (typeof u.kind !== 'string' || u.kind.length === 0 || u.kind.length > LIMITS.kind) throw new RangeError(`kind: 1..${LIMITS.kind} chars`);
  abytes(u.author, 32, 'author');
  abytes(u.prev, 32, 'prev');
  abytes(u.payload, undefined, 'payload');
  if (u.payload.length > LIMITS.payload) throw new RangeError(`payload: over ${LIMITS.payload} bytes`);
  if (!Number.isSafeInteger(u.seq) || u.seq < 1) throw new RangeError('seq: must be >= 1');
  if ((u.seq === 1) !== (compare(u.prev, ZERO_HASH) === 0)) throw new RangeError('prev: zero exactly when seq is 1');
  if (u.deps.length > LIMITS.deps) throw new RangeError(`deps: at most ${LIMITS.deps}`);
  u.deps.forEach((d, i) => {
    abytes(d, 32, `deps[${i}]`);
    if (i > 0 && compare(u.deps[i - 1]!, d) >= 0) throw new RangeError('deps: must be strictly ascending');
  });
  for (const [name, v] of [['hlc.wall', u.hlc.wall], ['hlc.counter', u.hlc.counter]] as const)
    if (!Number.isSafeInteger(v) || v < 0) throw new RangeError(`${name}: unsigned integer`);
}

export const signingInput = (u: Unsigned): Bytes => writeSigned(new Encoder(), u).finish();

export async function sign(u: Unsigned, signer: Signer): Promise<Envelope> {
  check(u);
  if (compare(u.author, signer.publicKey) !== 0) throw new RangeError('author: must be the signer public key');
  const input = signingInput(u);
  const sig = await signer.sign(input);
  const wire = concat(input, sig);
  const hash = sha256(wire);
  return { ...u, deps: [...u.deps], sig, wire, hash, id: toHex(hash) };
}

/** Decode wire bytes; throws DecodeError with a reason for anything malformed or over a limit. */
export function decode(wire: Bytes): Envelope {
  if (!(wire instanceof Uint8Array)) throw new DecodeError('envelope: expected bytes');
  if (wire.length > LIMITS.wire) throw new DecodeError(`envelope: over ${LIMITS.wire} bytes`);
  wire = wire.slice(); // one copy that the envelope owns; every field below is a view into it
  const d = new Decoder(wire);
  if (d.string(LIMITS.name) !== DOMAIN) throw new DecodeError('envelope: unknown domain tag');
  const tenant = d.string(LIMITS.name);
  const meeting = d.string(LIMITS.name);
  const doc = d.string(LIMITS.name);
  const author = d.fixed(32);
  const seq = d.varuint();
  const prev = d.fixed(32);
  const n = d.varuint();
  if (n > LIMITS.deps) throw new DecodeError(`envelope: more than ${LIMITS.deps} deps`);
  const deps = Array.from({ length: n }, () => d.fixed(32));
  const hlc = { wall: d.varuint(), counter: d.varuint() };
  const kind = d.string(LIMITS.kind);
  const payload = d.bytes(LIMITS.payload);
  const sig = d.fixed(64);
  if (!d.done) throw new DecodeError('envelope: trailing bytes');
  const u: Unsigned = { tenant, meeting, doc, author, seq, prev, deps, hlc, kind, payload };
  try {
    check(u);
  } catch (e) {
    throw new DecodeError(`envelope: ${(e as Error).message}`);
  }
  const hash = sha256(wire);
  return { ...u, sig, wire, hash, id: toHex(hash) };
}

/** Check the author's signature over the envelope. */
export function verifySignature(env: Envelope): Promise<boolean> {
  return verify(env.sig, env.wire.subarray(0, env.wire.length - 64), env.author);
}
