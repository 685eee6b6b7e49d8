/**
 * The secret-ballot checks the fold needs (docs/SECRET-BALLOTS.md), memoised by content: the fold runs
 * again on every change, but a ballot's proof is checked once per device. Every result is a pure function
 * of its memo key, so caching cannot make two devices disagree.
 */
import { type BallotData, ballotEquations, decodeCiphertexts, sumOf } from '../crypto/ballot.js';
import { type Point as PointT, GroupError, holdsAll, pointFromHex, pointHex } from '../crypto/group.js';
import { type DealerCommit, type DecodedCommit, type Partial, checkDealerCommit, combine, jointKey, partialEquations, verificationKey } from '../crypto/threshold.js';

const LIMIT = 50_000;
const memo = new Map<string, unknown>();
function cached<T>(key: string, compute: () => T): T {
  if (memo.has(key)) return memo.get(key) as T;
  const value = compute();
  if (memo.size >= LIMIT) memo.clear();
  memo.set(key, value);
  return value;
}

const points = new Map<string, PointT>();
/** Decoded points of joint and verification keys, precomputed for fast multiplication. */
export function keyPoint(hex: string): PointT {
  let p = points.get(hex);
  if (!p) {
    p = pointFromHex(hex, 'key').precompute(8);
    if (points.size > 1000) points.clear();
    points.set(hex, p);
  }
  return p;
}

/** A dealer's commit decoded and its proof checked; a reason in English when it fails. */
export function dealer(entry: string, meeting: string, key: string, index: number, t: number, d: DealerCommit): DecodedCommit | string {
  return cached(`dealer ${entry} ${index} ${t}`, () => {
    try {
      return checkDealerCommit({ meeting, key }, index, t, d);
    } catch (e) {
      if (e instanceof GroupError) return e.message;
      throw e;
    }
  });
}

export interface Keys {
  joint: string;
  verification: string[]; // X_j by index - 1
}

export function keysOf(id: string, dealers: DecodedCommit[], n: number): Keys {
  return cached(`keys ${id} ${dealers.map((d) => pointHex(d.commitments[0]!)).join(',')}`, () => ({
    joint: pointHex(jointKey(dealers)),
    verification: Array.from({ length: n }, (_, j) => pointHex(verificationKey(dealers, j + 1))),
  }));
}

export function ballotValid(entry: string, meeting: string, vote: string, joint: string, voter: Uint8Array, options: number, data: BallotData): boolean {
  return cached(`ballot ${entry} ${joint} ${options}`, () => {
    try {
      return holdsAll(ballotEquations({ meeting, vote, key: keyPoint(joint), voter }, options, data).equations);
    } catch (e) {
      if (e instanceof GroupError) return false;
      throw e;
    }
  });
}

export interface Aggregate {
  a: string[];
  b: string[];
}

/** The homomorphic sum per option of the counted ballots. */
export function aggregate(ballots: { entry: string; cts: BallotData['cts'] }[], options: number): Aggregate {
  return cached(`aggregate ${ballots.map((b) => b.entry).join(',')} ${options}`, () => {
    const sums = Array.from({ length: options }, (_, o) => sumOf(ballots.map((b) => decodeCiphertexts([b.cts[o]!])[0]!)));
    return { a: sums.map((s) => pointHex(s.a)), b: sums.map((s) => pointHex(s.b)) };
  });
}

export function partialValid(entry: string, meeting: string, vote: string, trustee: number, X: string, agg: Aggregate, p: Partial): boolean {
  return cached(`partial ${entry} ${X} ${agg.a.join('')}`, () => {
    try {
      return holdsAll(partialEquations({ meeting, vote, trustee }, keyPoint(X), agg.a.map((h) => pointFromHex(h, 'aggregate')), p).equations);
    } catch (e) {
      if (e instanceof GroupError) return false;
      throw e;
    }
  });
}

/** Counts per option from t valid partial decryptions, or null if one is out of range. */
export function decrypt(agg: Aggregate, partials: { index: number; entry: string; shares: string[] }[], max: number): number[] | null {
  return cached(`decrypt ${agg.a.join('')} ${partials.map((p) => p.entry).join(',')} ${max}`, () => {
    const byIndex = new Map(partials.map((p) => [p.index, p.shares.map((h) => pointFromHex(h, 'share'))]));
    const aggregates = agg.a.map((a, o) => ({ a: pointFromHex(a, 'aggregate'), b: pointFromHex(agg.b[o]!, 'aggregate') }));
    const counts = combine(byIndex, aggregates, max);
    return counts.every((c) => c !== null) ? (counts as number[]) : null;
  });
}
