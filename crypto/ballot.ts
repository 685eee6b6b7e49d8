/**
 * Secret ballots (docs/SECRET-BALLOTS.md): exponential ElGamal over ristretto255 under the trustees' joint
 * key Y. A ballot is one ciphertext per option (candidates and "No", or Yes and No) encrypting 0 or 1, with
 * a disjunctive Chaum-Pedersen proof per ciphertext that it encrypts 0 or 1, and one for the sum of all
 * ciphertexts (at most one mark; none is an abstention). Ballots are added up homomorphically; only the
 * sum is ever decrypted.
 *
 * Every Fiat-Shamir challenge covers the whole statement (Bernhard/Pereira/Warinschi 2012): group, meeting,
 * vote, joint key, voter's device key, which proof, every ciphertext of the ballot and the commitments.
 */
import type { Bytes } from './bytes.js';
import {
  type Equation,
  G,
  GroupError,
  Point,
  challenge,
  holdsAll,
  mod,
  pointFromHex,
  pointHex,
  randomScalar,
  scalarFromHex,
  scalarHex,
} from './group.js';

export interface Ciphertext {
  a: string; // r·G
  b: string; // m·G + r·Y
}

/** Proof that (a, b) encrypts 0 or 1: commitments of both branches, challenge c0 (c1 = c - c0), responses. */
export interface ZeroOneProof {
  a0: string;
  b0: string;
  a1: string;
  b1: string;
  c0: string;
  z0: string;
  z1: string;
}

export interface BallotData {
  cts: Ciphertext[];
  proofs: ZeroOneProof[];
  sum: ZeroOneProof;
}

/** What a ballot's proofs are bound to. */
export interface BallotContext {
  meeting: string; // tenant/meeting
  vote: string;
  key: Point; // joint public key Y
  voter: Bytes; // the device key that signs the ballot
}

interface Cipher {
  a: Point;
  b: Point;
}

const DOMAIN = 'ratsraum/ballot-proof/v1';

function statement(ctx: BallotContext, which: string, cts: Cipher[]): (string | Bytes | Point)[] {
  const parts: (string | Bytes | Point)[] = [ctx.meeting, ctx.vote, ctx.key, ctx.voter, which, String(cts.length)];
  for (const c of cts) parts.push(c.a, c.b);
  return parts;
}

/** Encrypts `choice` (index into the options, or null for an abstention) and proves the ballot valid. */
export function encryptBallot(ctx: BallotContext, options: number, choice: number | null): BallotData {
  if (!Number.isInteger(options) || options < 1) throw new GroupError('ballot: needs at least one option');
  if (choice !== null && !(Number.isInteger(choice) && choice >= 0 && choice < options)) throw new GroupError('ballot: choice out of range');
  const Y = ctx.key;
  const rs: bigint[] = [];
  const cts: Cipher[] = [];
  for (let i = 0; i < options; i++) {
    const r = randomScalar();
    rs.push(r);
    const a = G.multiply(r);
    const b = Y.multiply(r);
    cts.push({ a, b: i === choice ? b.add(G) : b });
  }
  const proofs = cts.map((c, i) => proveZeroOne(ctx, `option ${i}`, cts, c, rs[i]!, i === choice ? 1 : 0));
  const sum = sumOf(cts);
  const rSum = mod(rs.reduce((s, r) => s + r, 0n));
  return {
    cts: cts.map((c) => ({ a: pointHex(c.a), b: pointHex(c.b) })),
    proofs,
    sum: proveZeroOne(ctx, 'sum', cts, sum, rSum, choice === null ? 0 : 1),
  };
}

export function sumOf(cts: Cipher[]): Cipher {
  let a = Point.ZERO;
  let b = Point.ZERO;
  for (const c of cts) {
    a = a.add(c.a);
    b = b.add(c.b);
  }
  return { a, b };
}

function proveZeroOne(ctx: BallotContext, which: string, cts: Cipher[], c: Cipher, r: bigint, m: 0 | 1): ZeroOneProof {
  const Y = ctx.key;
  const other = (1 - m) as 0 | 1;
  // Simulated branch for the value we did not encrypt.
  const cSim = randomScalar();
  const zSim = randomScalar();
  const bShift = (v: 0 | 1) => (v === 1 ? c.b.subtract(G) : c.b);
  const aSim = G.multiply(zSim).subtract(c.a.multiply(cSim));
  const bSim = Y.multiply(zSim).subtract(bShift(other).multiply(cSim));
  // Real branch.
  const w = randomScalar();
  const aReal = G.multiply(w);
  const bReal = Y.multiply(w);
  const [a0, b0, a1, b1] = m === 0 ? [aReal, bReal, aSim, bSim] : [aSim, bSim, aReal, bReal];
  const e = challenge(DOMAIN, [...statement(ctx, which, cts), c.a, c.b, a0, b0, a1, b1]);
  const cReal = mod(e - cSim);
  const zReal = mod(w + cReal * r);
  const [c0, z0, z1] = m === 0 ? [cReal, zReal, zSim] : [cSim, zSim, zReal];
  return { a0: pointHex(a0), b0: pointHex(b0), a1: pointHex(a1), b1: pointHex(b1), c0: scalarHex(c0), z0: scalarHex(z0), z1: scalarHex(z1) };
}

/** Decoded ballot ciphertexts, or GroupError naming the bad field. */
export function decodeCiphertexts(cts: Ciphertext[]): Cipher[] {
  return cts.map((c, i) => ({ a: pointFromHex(c.a, `ciphertext ${i} a`), b: pointFromHex(c.b, `ciphertext ${i} b`) }));
}

/**
 * The equations that hold exactly when every proof of the ballot is valid (the challenges are checked here,
 * the group equations by the caller, one by one or batched). Throws GroupError on a malformed ballot.
 */
export function ballotEquations(ctx: BallotContext, options: number, data: BallotData): { cts: Cipher[]; equations: Equation[] } {
  if (data.cts.length !== options || data.proofs.length !== options)
    throw new GroupError(`ballot: ${options} ciphertexts and proofs expected, got ${data.cts.length} and ${data.proofs.length}`);
  const cts = decodeCiphertexts(data.cts);
  const equations: Equation[] = [];
  cts.forEach((c, i) => equations.push(...zeroOneEquations(ctx, `option ${i}`, cts, c, data.proofs[i]!)));
  equations.push(...zeroOneEquations(ctx, 'sum', cts, sumOf(cts), data.sum));
  return { cts, equations };
}

function zeroOneEquations(ctx: BallotContext, which: string, cts: Cipher[], c: Cipher, p: ZeroOneProof): Equation[] {
  const Y = ctx.key;
  const a0 = pointFromHex(p.a0, `${which} proof a0`);
  const b0 = pointFromHex(p.b0, `${which} proof b0`);
  const a1 = pointFromHex(p.a1, `${which} proof a1`);
  const b1 = pointFromHex(p.b1, `${which} proof b1`);
  const c0 = scalarFromHex(p.c0, `${which} proof c0`);
  const z0 = scalarFromHex(p.z0, `${which} proof z0`);
  const z1 = scalarFromHex(p.z1, `${which} proof z1`);
  const e = challenge(DOMAIN, [...statement(ctx, which, cts), c.a, c.b, a0, b0, a1, b1]);
  const c1 = mod(e - c0);
  // z0·G = a0 + c0·a;  z0·Y = b0 + c0·b;  z1·G = a1 + c1·a;  z1·Y = b1 + c1·(b - G)
  return [
    [[z0, G], [-1n, a0], [-c0, c.a]],
    [[z0, Y], [-1n, b0], [-c0, c.b]],
    [[z1, G], [-1n, a1], [-c1, c.a]],
    [[z1, Y], [-1n, b1], [-c1, c.b], [c1, G]],
  ];
}

/** Whether the ballot's proofs hold (one batch per ballot). */
export function verifyBallot(ctx: BallotContext, options: number, data: BallotData): boolean {
  try {
    return holdsAll(ballotEquations(ctx, options, data).equations);
  } catch (e) {
    if (e instanceof GroupError) return false;
    throw e;
  }
}
