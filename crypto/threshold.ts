/**
 * Threshold keys for secret ballots (docs/SECRET-BALLOTS.md): a distributed key generation among the n
 * trustees of a meeting (joint Feldman / Pedersen DKG with proofs of knowledge against rogue keys), and
 * partial decryptions with Chaum-Pedersen proofs, any t of which decrypt a tally.
 *
 * Trustee i (1-based) draws all its secrets from one random seed that never leaves its device: an
 * encryption key e_i and a polynomial f_i of degree t-1. It publishes E_i = e_i·G, the commitments
 * C_ik = a_ik·G and a Schnorr proof of knowledge of a_i0, then sends trustee j the share f_i(j),
 * encrypted with the Diffie-Hellman key e_i·E_j. Trustee j's key share is x_j = Σ_i f_i(j); everyone can
 * compute its verification key X_j = Σ_i Σ_k j^k·C_ik and the joint key Y = Σ_i C_i0.
 */
import { sha512 } from '@noble/hashes/sha2.js';
import { type Bytes, concat, fromHex, toHex, utf8 } from './bytes.js';
import {
  type Equation,
  G,
  GroupError,
  Point,
  challenge,
  holdsAll,
  inv,
  mod,
  pointFromHex,
  pointHex,
  randomScalar,
  scalarBytes,
  scalarFromHex,
  scalarHex,
  smallLog,
} from './group.js';

/** What a key is bound to: tenant/meeting and the key id the chair gave it. */
export interface KeyContext {
  meeting: string;
  key: string;
}

export interface DealerCommit {
  enc: string; // E_i
  commitments: string[]; // C_i0 … C_i,t-1
  pok: { t: string; z: string }; // Schnorr proof of knowledge of a_i0
}

export interface EncryptedShare {
  to: number;
  ct: string; // f_i(to) XOR pad, 32 bytes hex
}

const secretOf = (seed: Bytes, ...label: string[]): bigint => {
  const s = challenge('ratsraum/dkg-secret/v1', [seed, ...label]);
  return s === 0n ? 1n : s;
};

const coefficients = (seed: Bytes, t: number): bigint[] => Array.from({ length: t }, (_, k) => secretOf(seed, 'coef', String(k)));

function evalPoly(coef: bigint[], x: number): bigint {
  let acc = 0n;
  for (let k = coef.length - 1; k >= 0; k--) acc = mod(acc * BigInt(x) + coef[k]!);
  return acc;
}

const POK = 'ratsraum/dkg-pok/v1';

export function dealerCommit(ctx: KeyContext, index: number, seed: Bytes, t: number): DealerCommit {
  const coef = coefficients(seed, t);
  const C = coef.map((a) => G.multiply(a));
  const w = randomScalar();
  const T = G.multiply(w);
  const c = challenge(POK, [ctx.meeting, ctx.key, String(index), C[0]!, T]);
  return {
    enc: pointHex(G.multiply(secretOf(seed, 'enc'))),
    commitments: C.map(pointHex),
    pok: { t: pointHex(T), z: scalarHex(mod(w + c * coef[0]!)) },
  };
}

export interface DecodedCommit {
  enc: Point;
  commitments: Point[];
}

/** Decodes a dealer's commit and checks its proof of knowledge; throws GroupError with the reason. */
export function checkDealerCommit(ctx: KeyContext, index: number, t: number, d: DealerCommit): DecodedCommit {
  if (d.commitments.length !== t) throw new GroupError(`dealer ${index}: ${t} commitments expected, got ${d.commitments.length}`);
  const enc = pointFromHex(d.enc, `dealer ${index} encryption key`, false);
  const commitments = d.commitments.map((h, k) => pointFromHex(h, `dealer ${index} commitment ${k}`, k !== 0));
  const T = pointFromHex(d.pok.t, `dealer ${index} proof`);
  const z = scalarFromHex(d.pok.z, `dealer ${index} proof`);
  const c = challenge(POK, [ctx.meeting, ctx.key, String(index), commitments[0]!, T]);
  if (!G.multiply(z).equals(T.add(commitments[0]!.multiply(c)))) throw new GroupError(`dealer ${index}: proof of knowledge does not hold`);
  return { enc, commitments };
}

function pad(ctx: KeyContext, from: number, to: number, dh: Point): Bytes {
  return sha512(concat(utf8(`ratsraum/dkg-share/v1\n${ctx.meeting}\n${ctx.key}\n${from}\n${to}\n`), dh.toBytes())).slice(0, 32);
}

const xor = (a: Bytes, b: Bytes): Bytes => a.map((x, i) => x ^ b[i]!);

/** Dealer i's encrypted shares for every other trustee (their encryption keys by index). */
export function dealShares(ctx: KeyContext, index: number, seed: Bytes, t: number, encKeys: Map<number, Point>): EncryptedShare[] {
  const coef = coefficients(seed, t);
  const e = secretOf(seed, 'enc');
  const out: EncryptedShare[] = [];
  for (const [to, E] of [...encKeys].sort(([a], [b]) => a - b)) {
    if (to === index) continue;
    out.push({ to, ct: toHex(xor(scalarBytes(evalPoly(coef, to)), pad(ctx, index, to, E.multiply(e)))) });
  }
  return out;
}

/** Σ_k j^k·C_k: what f(j)·G must equal. */
function commitmentAt(commitments: Point[], j: number): Point {
  let acc = Point.ZERO;
  for (let k = commitments.length - 1; k >= 0; k--) acc = acc.multiplyUnsafe(BigInt(j)).add(commitments[k]!);
  return acc;
}

/** Trustee j decrypts and checks the share dealer i sent it; throws GroupError if it does not match the commitments. */
export function openShare(ctx: KeyContext, from: number, dealer: DecodedCommit, to: number, mySeed: Bytes, ct: string): bigint {
  const dh = dealer.enc.multiply(secretOf(mySeed, 'enc'));
  const bytes = xor(fromHex(ct, 32, `share ${from}→${to}`), pad(ctx, from, to, dh));
  let s: bigint;
  try {
    s = Point.Fn.fromBytes(bytes);
  } catch {
    throw new GroupError(`share from dealer ${from} is not a scalar`);
  }
  const got = s === 0n ? Point.ZERO : G.multiply(s);
  if (!got.equals(commitmentAt(dealer.commitments, to))) throw new GroupError(`share from dealer ${from} does not match its commitments`);
  return s;
}

/** Trustee j's key share x_j from its own polynomial and the shares the others dealt it. */
export function keyShare(ctx: KeyContext, me: number, mySeed: Bytes, t: number, received: { from: number; dealer: DecodedCommit; ct: string }[]): bigint {
  let x = evalPoly(coefficients(mySeed, t), me);
  for (const r of received) x = mod(x + openShare(ctx, r.from, r.dealer, me, mySeed, r.ct));
  return x;
}

export const jointKey = (dealers: DecodedCommit[]): Point => dealers.reduce((acc, d) => acc.add(d.commitments[0]!), Point.ZERO);

export const verificationKey = (dealers: DecodedCommit[], j: number): Point =>
  dealers.reduce((acc, d) => acc.add(commitmentAt(d.commitments, j)), Point.ZERO);

// ---- partial decryption -------------------------------------------------------------------------

export interface Partial {
  shares: string[]; // D_o = x_j·A_o per option
  proofs: { u: string; v: string; z: string }[];
}

export interface DecryptContext {
  meeting: string;
  vote: string;
  trustee: number;
}

const PARTIAL = 'ratsraum/partial-decryption/v1';

export function partialDecrypt(ctx: DecryptContext, x: bigint, aggregates: Point[]): Partial {
  const X = G.multiply(x);
  const shares: string[] = [];
  const proofs: Partial['proofs'] = [];
  for (const A of aggregates) {
    const D = A.is0() ? Point.ZERO : A.multiply(x);
    const w = randomScalar();
    const u = G.multiply(w);
    const v = A.is0() ? Point.ZERO : A.multiply(w);
    const c = challenge(PARTIAL, [ctx.meeting, ctx.vote, String(ctx.trustee), X, A, D, u, v]);
    shares.push(pointHex(D));
    proofs.push({ u: pointHex(u), v: pointHex(v), z: scalarHex(mod(w + c * x)) });
  }
  return { shares, proofs };
}

/** Equations that hold exactly when the partial decryption is correct for verification key X. */
export function partialEquations(ctx: DecryptContext, X: Point, aggregates: Point[], p: Partial): { shares: Point[]; equations: Equation[] } {
  if (p.shares.length !== aggregates.length || p.proofs.length !== aggregates.length)
    throw new GroupError(`trustee ${ctx.trustee}: ${aggregates.length} partial decryptions expected`);
  const shares: Point[] = [];
  const equations: Equation[] = [];
  aggregates.forEach((A, o) => {
    const D = pointFromHex(p.shares[o]!, `trustee ${ctx.trustee} share ${o}`);
    const u = pointFromHex(p.proofs[o]!.u, `trustee ${ctx.trustee} proof ${o}`);
    const v = pointFromHex(p.proofs[o]!.v, `trustee ${ctx.trustee} proof ${o}`);
    const z = scalarFromHex(p.proofs[o]!.z, `trustee ${ctx.trustee} proof ${o}`);
    const c = challenge(PARTIAL, [ctx.meeting, ctx.vote, String(ctx.trustee), X, A, D, u, v]);
    shares.push(D);
    // z·G = u + c·X;  z·A = v + c·D
    equations.push([[z, G], [-1n, u], [-c, X]], [[z, A], [-1n, v], [-c, D]]);
  });
  return { shares, equations };
}

export function verifyPartial(ctx: DecryptContext, X: Point, aggregates: Point[], p: Partial): boolean {
  try {
    return holdsAll(partialEquations(ctx, X, aggregates, p).equations);
  } catch (e) {
    if (e instanceof GroupError) return false;
    throw e;
  }
}

/** Lagrange coefficient at 0 of trustee j within the set. */
function lagrange(j: number, set: number[]): bigint {
  let num = 1n;
  let den = 1n;
  for (const k of set) {
    if (k === j) continue;
    num = mod(num * BigInt(k));
    den = mod(den * BigInt(k - j));
  }
  return mod(num * inv(den));
}

/**
 * Combines t valid partial decryptions (by trustee index) of the aggregates (a_o, b_o) into the counts
 * m_o with m_o·G = b_o - x·a_o. Null where a count is not in 0..max (never for honest ballots).
 */
export function combine(partials: Map<number, Point[]>, aggregates: { a: Point; b: Point }[], max: number): (number | null)[] {
  const set = [...partials.keys()];
  const lambdas = new Map(set.map((j) => [j, lagrange(j, set)]));
  return aggregates.map((agg, o) => {
    let xa = Point.ZERO;
    for (const [j, shares] of partials) {
      const D = shares[o]!;
      if (!D.is0()) xa = xa.add(D.multiply(lambdas.get(j)!));
    }
    return smallLog(agg.b.subtract(xa), max);
  });
}
