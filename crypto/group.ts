/**
 * The prime-order group ristretto255 (RFC 9496) via @noble/curves, with the encodings the secret-ballot
 * protocol uses (docs/SECRET-BALLOTS.md): points as 32 canonical bytes, scalars as 32 bytes little-endian
 * below the group order, and a Fiat-Shamir hash over length-prefixed parts.
 *
 * Every proof is checked as a list of linear equations `Σ scalar·point = 0`; `holdsEach` checks them one by
 * one, `holdsAll` checks many at once with random weights in one multi-scalar multiplication (a batch that
 * holds for random weights holds equation by equation, except with probability about 2^-128).
 */
import { ristretto255 } from '@noble/curves/ed25519.js';
import { pippenger } from '@noble/curves/abstract/curve.js';
import { sha512 } from '@noble/hashes/sha2.js';
import { type Bytes, concat, fromHex, randomBytes, toHex, utf8 } from './bytes.js';

export const Point = ristretto255.Point;
export type Point = InstanceType<typeof Point>;
export const G = Point.BASE;
export const ORDER = Point.Fn.ORDER;
export const GROUP_NAME = 'ristretto255';

export class GroupError extends Error {
  override name = 'GroupError';
}

export const mod = (a: bigint): bigint => {
  const r = a % ORDER;
  return r < 0n ? r + ORDER : r;
};

/** Inverse modulo the (prime) group order, by Fermat. */
export function inv(a: bigint): bigint {
  if (mod(a) === 0n) throw new GroupError('no inverse of 0');
  let result = 1n;
  let base = mod(a);
  let e = ORDER - 2n;
  while (e > 0n) {
    if (e & 1n) result = (result * base) % ORDER;
    base = (base * base) % ORDER;
    e >>= 1n;
  }
  return result;
}

/** A uniformly random non-zero scalar (64 random bytes reduced: bias below 2^-250). */
export function randomScalar(): bigint {
  for (;;) {
    const s = mod(bytesToBigLE(randomBytes(64)));
    if (s !== 0n) return s;
  }
}

function bytesToBigLE(b: Bytes): bigint {
  let x = 0n;
  for (let i = b.length - 1; i >= 0; i--) x = (x << 8n) | BigInt(b[i]!);
  return x;
}

/** Encodings already known (decoded from them, or encoded once): encoding costs an inversion and a square root. */
const encoded = new WeakMap<Point, Bytes>();
export function pointBytes(p: Point): Bytes {
  let b = encoded.get(p);
  if (!b) encoded.set(p, (b = p.toBytes()));
  return b;
}

export const scalarBytes = (s: bigint): Bytes => Point.Fn.toBytes(mod(s));
export const scalarHex = (s: bigint): string => toHex(scalarBytes(s));
export const pointHex = (p: Point): string => toHex(pointBytes(p));

/** Decodes a canonical scalar; throws GroupError naming `what` otherwise. */
export function scalarFromHex(hex: string, what: string): bigint {
  try {
    return Point.Fn.fromBytes(fromHex(hex, 32, what));
  } catch {
    throw new GroupError(`${what}: not a canonical scalar`);
  }
}

/** Decodes and checks a point (canonical ristretto255 encoding; the identity is refused where it is no valid key). */
export function pointFromHex(hex: string, what: string, allowIdentity = true): Point {
  let p: Point;
  try {
    const bytes = fromHex(hex, 32, what);
    p = Point.fromBytes(bytes);
    encoded.set(p, bytes);
  } catch {
    throw new GroupError(`${what}: not a valid ristretto255 point`);
  }
  if (!allowIdentity && p.is0()) throw new GroupError(`${what}: the identity is not allowed here`);
  return p;
}

/** Fiat-Shamir: SHA-512 over the domain and every part, each with a 4-byte length prefix, reduced mod the order. */
export function challenge(domain: string, parts: (Bytes | string | Point)[]): bigint {
  const chunks: Bytes[] = [];
  for (const part of [domain, GROUP_NAME, ...parts]) {
    const b = typeof part === 'string' ? utf8(part) : part instanceof Uint8Array ? part : pointBytes(part);
    const len = new Uint8Array(4);
    new DataView(len.buffer).setUint32(0, b.length);
    chunks.push(len, b);
  }
  return mod(bytesToBigLE(sha512(concat(...chunks))));
}

/** Σ scalar·point = 0. */
export type Equation = [bigint, Point][];

const mul = (p: Point, s: bigint): Point => {
  const m = mod(s);
  return m === 0n ? Point.ZERO : p.multiplyUnsafe(m);
};

/** Checks each equation on its own: the plain way, and the baseline the batch is measured against. */
export function holdsEach(equations: Equation[]): boolean {
  for (const eq of equations) {
    let sum = Point.ZERO;
    for (const [s, p] of eq) sum = sum.add(mul(p, s));
    if (!sum.is0()) return false;
  }
  return true;
}

/** Checks all equations at once: random 128-bit weights, equal points merged, one multi-scalar multiplication. */
export function holdsAll(equations: Equation[]): boolean {
  if (equations.length === 0) return true;
  const merged = new Map<Point, bigint>();
  for (const eq of equations) {
    const w = bytesToBigLE(randomBytes(16)) | 1n;
    for (const [s, p] of eq) merged.set(p, mod((merged.get(p) ?? 0n) + w * s));
  }
  const points: Point[] = [];
  const scalars: bigint[] = [];
  for (const [p, s] of merged) {
    if (s === 0n || p.is0()) continue;
    points.push(p);
    scalars.push(s);
  }
  if (points.length === 0) return true;
  return pippenger(Point, points, scalars).is0();
}

/** m such that m·G = p, for 0 ≤ m ≤ max (counts of ballots are small). */
export function smallLog(p: Point, max: number): number | null {
  let acc = Point.ZERO;
  for (let m = 0; m <= max; m++) {
    if (acc.equals(p)) return m;
    acc = acc.add(G);
  }
  return null;
}
