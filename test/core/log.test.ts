/** The verified log: deterministic order whatever the arrival order, frontier and send order. */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { canonicalJson } from '../../crypto/canonical.js';
import { toHex, utf8 } from '../../crypto/bytes.js';
import { signerFromSeed } from '../../crypto/ed25519.js';
import * as envelope from '../../crypto/envelope.js';
import type { Envelope } from '../../crypto/envelope.js';
import { Log } from '../../core/log.js';
import { seededRandom } from '../helpers/random.js';


/** Three authors writing concurrently, each entry depending on a random earlier entry. */
async function randomDag(seed: number, n: number): Promise<Envelope[]> {
  const rng = seededRandom(seed);
  const signers = await Promise.all([1, 2, 3].map((i) => signerFromSeed(new Uint8Array(32).fill(i))));
  const last = new Map<number, Envelope>();
  const all: Envelope[] = [];
  for (let i = 0; i < n; i++) {
    const a = rng.int(0, 2);
    const prev = last.get(a);
    const dep = all.length > 0 && rng.int(0, 1) === 1 ? all[rng.int(0, all.length - 1)] : undefined;
    const deps = dep && dep !== prev ? [dep.hash] : [];
    const e = await envelope.sign(
      {
        tenant: 't', meeting: 'm', doc: 'public', author: signers[a]!.publicKey, seq: (prev?.seq ?? 0) + 1,
        prev: prev?.hash ?? envelope.ZERO_HASH, deps, hlc: { wall: 1000 + rng.int(0, 5), counter: 0 },
        kind: 'session.open', payload: utf8(canonicalJson({})),
      },
      signers[a]!,
    );
    last.set(a, e);
    all.push(e);
  }
  return all;
}

describe('Log', () => {
  it('orders every arrival permutation (with duplicates) identically and causally', async () => {
    const dag = await randomDag(7, 40);
    const reference = new Log();
    dag.forEach((e) => reference.add(e));
    const want = reference.ordered().map((e) => e.id);
    expect(want).toHaveLength(40);
    const position = new Map(want.map((id, i) => [id, i]));
    for (const e of dag) {
      if (e.seq > 1) expect(position.get(e.id)!).toBeGreaterThan(position.get(toHex(e.prev))!);
      for (const d of e.deps) expect(position.get(e.id)!).toBeGreaterThan(position.get(toHex(d))!);
    }
    fc.assert(
      fc.property(fc.shuffledSubarray(dag, { minLength: dag.length, maxLength: dag.length }), fc.array(fc.nat(39), { maxLength: 10 }), (order, dups) => {
        const log = new Log();
        for (const e of [...order, ...dups.map((i) => dag[i]!)]) log.add(e);
        expect(log.ordered().map((e) => e.id)).toEqual(want);
      }),
      { seed: 20261123, numRuns: 100 },
    );
  });

  it('frontier and missingFor give exactly what the other side lacks, predecessors first', async () => {
    const dag = await randomDag(11, 30);
    const full = new Log();
    dag.forEach((e) => full.add(e));
    const half = new Log();
    full.ordered().slice(0, 12).forEach((e) => half.add(e));
    const missing = full.missingFor(half.frontier());
    expect(missing.length).toBe(30 - half.size);
    missing.forEach((e) => half.add(e));
    expect(half.ordered().map((e) => e.id)).toEqual(full.ordered().map((e) => e.id));
    expect(half.integrity()).toEqual({ forks: [], gaps: [], danglingDeps: [] });
  });
});
