/**
 * Steps of bench/secret.ts, shared by Node and Chromium: a 5-candidate secret election (5 candidates and
 * No: 6 ciphertexts per ballot) under a 2-of-3 trustee key; encrypting one ballot; verifying and tallying
 * N ballots plus the 3 partial decryptions one proof at a time (the baseline) or batched.
 */
import { type BallotData, ballotEquations, encryptBallot, sumOf } from '../crypto/ballot.js';
import { randomBytes } from '../crypto/bytes.js';
import { type Equation, G, holdsAll, holdsEach, pointFromHex, pointHex } from '../crypto/group.js';
import { checkDealerCommit, combine, dealerCommit, dealShares, jointKey, keyShare, type Partial, partialDecrypt, partialEquations, verificationKey } from '../crypto/threshold.js';

export const OPTIONS = 6;
const MEETING = 'bench/m';

export interface Election {
  key: string; // joint key hex
  verification: string[]; // X_j hex
  voters: string[]; // hex of 32-byte voter keys
  ballots: BallotData[];
  partials: Partial[];
}

export function makeKey() {
  const seeds = [1, 2, 3].map(() => randomBytes(32));
  const kc = { meeting: MEETING, key: 'k' };
  const dealers = seeds.map((s, i) => checkDealerCommit(kc, i + 1, 2, dealerCommit(kc, i + 1, s, 2)));
  const enc = new Map(dealers.map((d, i) => [i + 1, d.enc] as const));
  const deals = seeds.map((s, i) => dealShares(kc, i + 1, s, 2, enc));
  const shares = seeds.map((s, i) =>
    keyShare(kc, i + 1, s, 2, deals.flatMap((d, k) => d.filter((x) => x.to === i + 1).map((x) => ({ from: k + 1, dealer: dealers[k]!, ct: x.ct })))),
  );
  return { Y: jointKey(dealers), shares, verification: [1, 2, 3].map((j) => pointHex(verificationKey(dealers, j))) };
}

const hex = (b: Uint8Array) => Array.from(b, (x) => x.toString(16).padStart(2, '0')).join('');
const unhex = (h: string) => Uint8Array.from(h.match(/../g)!.map((x) => parseInt(x, 16)));

/** Median time of encrypting and proving one ballot, in ms. */
export function encryptOne(Y: ReturnType<typeof makeKey>['Y'], runs: number): number {
  const voter = randomBytes(32);
  const times: number[] = [];
  for (let i = 0; i < runs; i++) {
    const t = performance.now();
    encryptBallot({ meeting: MEETING, vote: 'w', key: Y, voter }, OPTIONS, i % (OPTIONS + 1) === OPTIONS ? null : i % (OPTIONS + 1));
    times.push(performance.now() - t);
  }
  return times.sort((a, b) => a - b)[Math.floor(runs / 2)]!;
}

/** Median time of one base-point multiplication: the unit the encryption is compared with. */
export function scalarMulMs(runs: number): number {
  const times: number[] = [];
  for (let i = 0; i < runs; i++) {
    const s = BigInt(`0x${hex(randomBytes(31))}`);
    const t = performance.now();
    G.multiply(s);
    times.push(performance.now() - t);
  }
  return times.sort((a, b) => a - b)[Math.floor(runs / 2)]!;
}

export function makeElection(n: number): Election {
  const k = makeKey();
  const voters = Array.from({ length: n }, () => randomBytes(32));
  const ballots = voters.map((v, i) => encryptBallot({ meeting: MEETING, vote: 'w', key: k.Y, voter: v }, OPTIONS, i % 7 === 6 ? null : i % 6));
  const sums = Array.from({ length: OPTIONS }, (_, o) => sumOf(ballots.map((b) => ({ a: pointFromHex(b.cts[o]!.a, 'a'), b: pointFromHex(b.cts[o]!.b, 'b') }))));
  const partials = [1, 2, 3].map((j) => partialDecrypt({ meeting: MEETING, vote: 'w', trustee: j }, k.shares[j - 1]!, sums.map((s) => s.a)));
  return { key: pointHex(k.Y), verification: k.verification, voters: voters.map(hex), ballots, partials };
}

/** Checks the proofs of a slice of ballots and returns their sum per option (hex), or null if a proof fails. */
export function checkBallots(e: Pick<Election, 'key' | 'voters' | 'ballots'>, from: number, to: number, batch: boolean): { a: string[]; b: string[] } | null {
  const Y = pointFromHex(e.key, 'key').precompute(8);
  const eqs: Equation[] = [];
  const cts: ReturnType<typeof ballotEquations>['cts'][] = [];
  for (let i = from; i < to; i++) {
    const r = ballotEquations({ meeting: MEETING, vote: 'w', key: Y, voter: unhex(e.voters[i]!) }, OPTIONS, e.ballots[i]!);
    if (!batch && !holdsEach(r.equations)) return null;
    eqs.push(...r.equations);
    cts.push(r.cts);
  }
  if (batch && !holdsAll(eqs)) return null;
  const sums = Array.from({ length: OPTIONS }, (_, o) => sumOf(cts.map((c) => c[o]!)));
  return { a: sums.map((s) => pointHex(s.a)), b: sums.map((s) => pointHex(s.b)) };
}

/** Adds slice sums, checks the 3 partial decryptions and decrypts: the counts per option. */
export function finishTally(e: Pick<Election, 'verification' | 'partials' | 'ballots'>, slices: { a: string[]; b: string[] }[], batch: boolean): number[] {
  const sums = Array.from({ length: OPTIONS }, (_, o) =>
    sumOf(slices.map((s) => ({ a: pointFromHex(s.a[o]!, 'a'), b: pointFromHex(s.b[o]!, 'b') }))),
  );
  const aggregates = sums.map((s) => s.a);
  const used = new Map<number, ReturnType<typeof pointFromHex>[]>();
  const eqs: Equation[] = [];
  e.partials.forEach((p, i) => {
    const r = partialEquations({ meeting: MEETING, vote: 'w', trustee: i + 1 }, pointFromHex(e.verification[i]!, 'X'), aggregates, p);
    if (!batch && !holdsEach(r.equations)) throw new Error(`partial ${i + 1} does not verify`);
    eqs.push(...r.equations);
    if (used.size < 2) used.set(i + 1, r.shares);
  });
  if (batch && !holdsAll(eqs)) throw new Error('partials do not verify');
  const counts = combine(used, sums, e.ballots.length);
  if (counts.some((c) => c === null)) throw new Error('decryption failed');
  return counts as number[];
}

export function verifyAndTally(e: Election, batch: boolean): number[] {
  const slice = checkBallots(e, 0, e.ballots.length, batch);
  if (!slice) throw new Error('a ballot does not verify');
  return finishTally(e, [slice], batch);
}
