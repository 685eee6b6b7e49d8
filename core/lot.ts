/**
 * A verifiable lot (GO NRW § 50 Abs. 2 and 3: ties decided by lot) that no single party can steer:
 * commit-then-reveal. Each drawer (chair, tellers) first commits to a secret random value, the commitments
 * are recorded, then everyone reveals. The seed hashes all reveals with the election id, so it is fixed
 * only once the last drawer has revealed and nobody can choose it; anyone can recompute the draw.
 *
 *   commitment = SHA-256("ratsraum/lot-commit/v1\n" || election || "\n" || drawer || "\n" || reveal)
 *   seed       = SHA-256("ratsraum/lot-seed/v1\n" || election || for each drawer sorted: "\n" drawer "=" hex(reveal))
 *   stream     = SHA-256(seed || u32be(counter)), counter = 0, 1, …
 * The draw orders the candidates (sorted by id) with Fisher-Yates from the stream, drawing integers by
 * rejection sampling so every order is equally likely.
 */
import { concat, fromHex, toHex, utf8 } from '../crypto/bytes.js';
import { sha256 } from '../crypto/hash.js';

export const commitment = (election: string, drawer: string, reveal: Uint8Array): string =>
  toHex(sha256(concat(utf8(`ratsraum/lot-commit/v1\n${election}\n${drawer}\n`), reveal)));

export interface Reveal {
  drawer: string;
  reveal: string; // hex of 32 random bytes
}

/** Checks every reveal against its commitment; the reasons of failure, empty when all match. */
export function checkReveals(election: string, commitments: Record<string, string>, reveals: Reveal[]): string[] {
  const problems: string[] = [];
  const byDrawer = new Map(reveals.map((r) => [r.drawer, r]));
  for (const [drawer, c] of Object.entries(commitments)) {
    const r = byDrawer.get(drawer);
    if (!r) problems.push(`${drawer} has not revealed`);
    else if (!/^[0-9a-f]{64}$/.test(r.reveal) || commitment(election, drawer, fromHex(r.reveal)) !== c) problems.push(`${drawer}'s reveal does not match the commitment`);
  }
  for (const r of reveals) if (!Object.hasOwn(commitments, r.drawer)) problems.push(`${r.drawer} revealed without a commitment`);
  return problems;
}

export function seed(election: string, reveals: Reveal[]): Uint8Array {
  const parts = [...reveals].sort((a, b) => (a.drawer < b.drawer ? -1 : 1)).map((r) => `\n${r.drawer}=${r.reveal}`);
  return sha256(utf8(`ratsraum/lot-seed/v1\n${election}${parts.join('')}`));
}

/** A deterministic stream of uniform integers from a seed. */
function stream(seedBytes: Uint8Array) {
  let counter = 0;
  let pool: number[] = [];
  const nextU32 = () => {
    if (pool.length === 0) {
      const block = sha256(concat(seedBytes, new Uint8Array([counter >>> 24, (counter >>> 16) & 255, (counter >>> 8) & 255, counter & 255])));
      counter++;
      pool = Array.from({ length: 8 }, (_, i) => ((block[i * 4]! << 24) | (block[i * 4 + 1]! << 16) | (block[i * 4 + 2]! << 8) | block[i * 4 + 3]!) >>> 0);
    }
    return pool.shift()!;
  };
  /** Uniform in [0, n). */
  return (n: number): number => {
    const limit = Math.floor(0x1_0000_0000 / n) * n;
    for (;;) {
      const x = nextU32();
      if (x < limit) return x % n;
    }
  };
}

/** All candidates in drawn order; the first k are the ones the lot picks. */
export function draw(seedBytes: Uint8Array, candidates: string[]): string[] {
  const order = [...new Set(candidates)].sort();
  const uniform = stream(seedBytes);
  for (let i = order.length - 1; i > 0; i--) {
    const j = uniform(i + 1);
    [order[i], order[j]] = [order[j]!, order[i]!];
  }
  return order;
}
