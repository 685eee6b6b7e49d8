/**
 * Seat allocation for proportional elections of committee seats by list (GO NRW § 50 Abs. 3):
 * Sainte-Laguë/Schepers, Hare/Niemeyer and d'Hondt. Exact integer arithmetic (no floating point): a tie
 * for the last seats is never broken silently; it is returned, to be decided by a verifiable lot.
 */

export const METHODS = ['sainte-lague', 'hare-niemeyer', 'dhondt'] as const;
export type Method = (typeof METHODS)[number];

export interface Allocation {
  method: Method;
  seats: number;
  /** Seats decided by the count, one key per list. */
  allocation: Record<string, number>;
  /** Seats the count cannot decide: `seats` of them go by lot to lists in `among`. */
  tie: { seats: number; among: string[] } | null;
}

/** A quotient num/den compared exactly; BigInt keeps large vote counts exact. */
interface Quotient {
  list: string;
  num: bigint;
  den: bigint;
}
const cmp = (a: Quotient, b: Quotient): number => {
  const l = a.num * b.den;
  const r = b.num * a.den;
  return l > r ? 1 : l < r ? -1 : 0;
};

/** Highest-quotient methods: the seats go to the `seats` largest votes/divisor(k) over all lists and k. */
function highestQuotients(votes: Record<string, number>, seats: number, divisor: (k: number) => [bigint, bigint]): Omit<Allocation, 'method'> {
  const quotients: Quotient[] = [];
  for (const [list, v] of Object.entries(votes))
    for (let k = 0; k < seats; k++) {
      const [n, d] = divisor(k); // divisor n/d, so the quotient is v*d/n
      quotients.push({ list, num: BigInt(v) * d, den: n });
    }
  quotients.sort((a, b) => cmp(b, a) || (a.list < b.list ? -1 : 1));
  return split(quotients, seats, Object.keys(votes));
}

/** Give the first `seats` entries of a descending ranking; entries tied with the last seat form the tie. */
function split(ranking: Quotient[], seats: number, lists: string[]): Omit<Allocation, 'method'> {
  const allocation = Object.fromEntries(lists.map((l) => [l, 0]));
  if (seats === 0 || ranking.length === 0) return { seats, allocation, tie: null };
  const last = ranking[Math.min(seats, ranking.length) - 1]!;
  const above = ranking.filter((q) => cmp(q, last) > 0);
  const tied = ranking.filter((q) => cmp(q, last) === 0);
  for (const q of above) allocation[q.list]!++;
  const open = Math.min(seats, ranking.length) - above.length;
  if (tied.length === open) {
    for (const q of tied) allocation[q.list]!++;
    return { seats, allocation, tie: null };
  }
  return { seats, allocation, tie: { seats: open, among: [...new Set(tied.map((q) => q.list))].sort() } };
}

export function allocate(method: Method, seats: number, votes: Record<string, number>): Allocation {
  if (!Number.isSafeInteger(seats) || seats < 0 || seats > 1000) throw new RangeError('seats: a whole number from 0 to 1000');
  for (const [list, v] of Object.entries(votes))
    if (!Number.isSafeInteger(v) || v < 0) throw new RangeError(`votes of ${list}: a whole number >= 0`);
  const lists = Object.keys(votes).filter((l) => votes[l]! > 0);
  const withVotes = Object.fromEntries(lists.map((l) => [l, votes[l]!]));
  let r: Omit<Allocation, 'method'>;
  if (method === 'dhondt') r = highestQuotients(withVotes, seats, (k) => [BigInt(k + 1), 1n]);
  else if (method === 'sainte-lague') r = highestQuotients(withVotes, seats, (k) => [BigInt(2 * k + 1), 2n]); // 0.5, 1.5, 2.5 …
  else r = hareNiemeyer(withVotes, seats);
  for (const l of Object.keys(votes)) r.allocation[l] ??= 0;
  return { method, ...r };
}

/** Hare/Niemeyer: whole parts of votes*seats/total, remaining seats by the largest remainders. */
function hareNiemeyer(votes: Record<string, number>, seats: number): Omit<Allocation, 'method'> {
  const lists = Object.keys(votes);
  const total = BigInt(lists.reduce((s, l) => s + votes[l]!, 0));
  if (total === 0n) return { seats, allocation: Object.fromEntries(lists.map((l) => [l, 0])), tie: null };
  const allocation: Record<string, number> = {};
  const remainders: Quotient[] = [];
  let given = 0;
  for (const l of lists) {
    const share = BigInt(votes[l]!) * BigInt(seats);
    allocation[l] = Number(share / total);
    given += allocation[l]!;
    remainders.push({ list: l, num: share % total, den: total });
  }
  remainders.sort((a, b) => cmp(b, a) || (a.list < b.list ? -1 : 1));
  const rest = split(remainders, seats - given, lists);
  for (const l of lists) allocation[l]! += rest.allocation[l]!;
  return { seats, allocation, tie: rest.tie };
}

/** Parses "A=12,B=7,C=3" (list names may contain spaces, not '=' or ','). */
export function parseVotes(s: string): Record<string, number> {
  const out: Record<string, number> = {};
  for (const part of s.split(',')) {
    const m = /^\s*([^=,]+?)\s*=\s*(\d+)\s*$/.exec(part);
    if (!m) throw new RangeError(`cannot read '${part.trim()}': expected LIST=VOTES`);
    if (Object.hasOwn(out, m[1]!)) throw new RangeError(`list '${m[1]}' given twice`);
    out[m[1]!] = Number(m[2]);
  }
  return out;
}
