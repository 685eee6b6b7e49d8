/**
 * core/incremental.ts: the fold a replica keeps between changes must equal the full fold (core/fold.ts) of the
 * same log at every step, whatever order and batches the entries of a whole session arrive in. The session is
 * test/helpers/minutes-session.ts (votes open, roll-call and secret, an election with run-off and lot, a
 * non-public part, Yjs agenda and minutes draft), played on real replicas.
 */
import fc from 'fast-check';
import { beforeAll, describe, expect, it } from 'vitest';
import { toHex } from '../../crypto/bytes.js';
import type { Envelope } from '../../crypto/envelope.js';
import { fold } from '../../core/fold.js';
import { copyKeeping } from '../../core/copy-keeping.js';
import { Folder } from '../../core/incremental.js';
import { Replica } from '../../core/replica.js';
import { stateHash } from '../../core/state.js';
import { MEETING, minutesSession, TENANT } from '../helpers/minutes-session.js';

type Session = Awaited<ReturnType<typeof minutesSession>>;
const REF = `${TENANT}/${MEETING}`;

let s: Session;
beforeAll(async () => {
  s = await minutesSession();
}, 120_000);

async function device(members: boolean): Promise<Replica> {
  const r = new Replica({ tenant: TENANT, meeting: MEETING, tenantKey: s.admin.publicKey, docs: members ? ['public', 'members'] : ['public'], now: s.time.now });
  await r.addCerts(s.certs);
  return r;
}

/** The replica's kept state against a fresh full fold of exactly what its log orders now. */
function expectFullFold(r: Replica): string {
  const kept = stateHash(r.state);
  const full = fold(r.log.ordered(), r.directory, REF, r.keyring);
  expect(kept).toBe(stateHash(full));
  expect(r.state).toStrictEqual(full); // not only what the hash covers: every field, undefined ones too
  return kept;
}

/** Per-author chains (doc, author) in seq order, merged by the random picks: each chain in order, the rest interleaved. */
function interleave(envs: Envelope[], picks: number[]): Envelope[] {
  const chains = new Map<string, Envelope[]>();
  for (const e of envs) {
    const key = `${e.doc} ${toHex(e.author)}`;
    chains.set(key, [...(chains.get(key) ?? []), e]);
  }
  for (const c of chains.values()) c.sort((a, b) => a.seq - b.seq);
  const queues = [...chains.values()];
  const out: Envelope[] = [];
  for (let i = 0; queues.length > 0; i++) {
    const q = (picks[i % picks.length] ?? 0) % queues.length;
    out.push(queues[q]!.shift()!);
    if (queues[q]!.length === 0) queues.splice(q, 1);
  }
  return out;
}

describe('incremental fold', () => {
  it('SEC-1 random interleavings and deliveries of a whole session: the kept fold equals the full fold at every step', async () => {
    const totals = { full: 0, extended: 0, steps: 0 };
    const seed = Number(process.env.FC_SEED ?? 20261201);
    console.log(`incremental fold property: fast-check seed ${seed}`);
    await fc.assert(
      fc.asyncProperty(
        fc.boolean(), // a member's device or the public
        fc.constantFrom('interleave', 'shuffle'),
        fc.array(fc.nat(1000), { minLength: 1, maxLength: 200 }),
        fc.array(fc.integer({ min: 1, max: 14 }), { minLength: 1, maxLength: 12 }),
        async (members, how, picks, batches) => {
          const envs = s.chair.envelopes().filter((e) => members || e.doc === 'public');
          const order = how === 'interleave' ? interleave(envs, picks) : envs.map((e, i) => ({ e, k: picks[i % picks.length]! * 1000 + i })).sort((a, b) => a.k - b.k).map((x) => x.e);
          const r = await device(members);
          let hash = '';
          for (let at = 0, b = 0; at < order.length; b++) {
            const n = batches[b % batches.length]!;
            await r.receive(order.slice(at, at + n).map((e) => e.wire));
            at += n;
            hash = expectFullFold(r);
            totals.steps++;
          }
          expect(r.log.size).toBe(envs.length);
          expect(hash).toBe(stateHash((members ? s.chair : s.pub).state));
          totals.full += r.foldCounts.full;
          totals.extended += r.foldCounts.extended;
        },
      ),
      { seed, numRuns: 8 },
    );
    console.log(`incremental fold property: ${totals.steps} steps, ${totals.extended} folds on top of the kept state, ${totals.full} from the start`);
    expect(totals.extended).toBeGreaterThan(0); // both ways were taken, so both were compared with the full fold
    expect(totals.full).toBeGreaterThan(8);
  }, 120_000);

  it("SEC-1 an offline member's ballot that lands inside the order folds anew from the start, to the full fold's state", async () => {
    const envs = s.chair.envelopes();
    const m1 = toHex(s.signers['m1']!.publicKey);
    const ballot = envs.find((e) => e.kind === 'vote.cast' && toHex(e.author) === m1)!; // m1 cast first, before m2 to m5
    const r = await device(true);
    const later = envs.filter((e) => toHex(e.author) === m1 && e.seq >= ballot.seq);
    await r.receive(envs.filter((e) => !later.includes(e)).map((e) => e.wire));
    expect(r.log.ordered().some((e) => e.kind === 'vote.cast' && e.hlc.wall > ballot.hlc.wall)).toBe(true); // the others' ballots are applied
    expectFullFold(r);
    await r.receive([]); // nothing new: the kept state stands
    const before = { ...r.foldCounts };
    await r.receive(later.map((e) => e.wire));
    expectFullFold(r);
    expect(r.foldCounts.full).toBe(before.full + 1);
    expect(stateHash(r.state)).toBe(stateHash(s.chair.state));
    // A new entry after everything extends the kept order: applied on top, nothing refolded.
    const clerk = new Replica({ tenant: TENANT, meeting: MEETING, tenantKey: s.admin.publicKey, docs: ['public', 'members'], signer: s.signers['clerk'], now: s.time.now });
    await clerk.addCerts(s.certs);
    await clerk.receive(envs.map((e) => e.wire));
    s.time.advance(1000);
    const note = await clerk.create('attendance.in', { person: 'clerk', place: 'remote' });
    const counts = { ...r.foldCounts };
    await r.receive([note.wire]);
    expectFullFold(r);
    expect(r.foldCounts).toMatchObject({ full: counts.full, extended: counts.extended + 1, applied: counts.applied + 1 });
  }, 60_000);

  it('SEC-1 the state handed out after a change equals the kept state, shares nothing with it, and keeps the parts of the last one that did not change', () => {
    const value = fc.oneof(fc.jsonValue(), fc.constantFrom(-0, undefined, Number.NaN));
    const objectsOf = (x: unknown, out = new Set<object>()): Set<object> => {
      if (x !== null && typeof x === 'object') {
        out.add(x);
        for (const v of Object.values(x)) objectsOf(v, out);
      }
      return out;
    };
    fc.assert(
      fc.property(value, value, (prev, live) => {
        const before = structuredClone(prev);
        const out = copyKeeping(prev, live);
        expect(out).toStrictEqual(structuredClone(live));
        const liveObjects = objectsOf(live);
        for (const o of objectsOf(out)) expect(liveObjects.has(o)).toBe(false);
        expect(prev).toStrictEqual(before); // the last one handed out is never changed
      }),
      { numRuns: 500 },
    );
    // Found by the property above: a key named __proto__ (a payload may name a person so) stays an own key.
    const proto = JSON.parse('{"attendance":{"__proto__":{"present":true}}}') as Record<string, unknown>;
    expect(copyKeeping({}, proto)).toStrictEqual(structuredClone(proto));
    expect(copyKeeping(structuredClone(proto), proto)).toStrictEqual(structuredClone(proto));
    const live = { session: 'open', votes: [0, 1, 2].map((i) => ({ id: `v${i}`, ballots: [{ person: 'm1', choice: 'yes' }] })) };
    const first = copyKeeping(undefined, live);
    live.votes[1]!.ballots.push({ person: 'm2', choice: 'no' });
    const second = copyKeeping(first, live);
    expect(second).toStrictEqual(live);
    expect(second.votes[0]).toBe(first.votes[0]);
    expect(second.votes[2]).toBe(first.votes[2]);
    expect(second.votes[1]).not.toBe(first.votes[1]);
    expect(first.votes[1]!.ballots).toHaveLength(1);
    (second.votes[0] as { id: string }).id = 'changed by a reader';
    expect(copyKeeping(second, live).votes[0]!.id).toBe('v0'); // a reader's change to what it was handed does not stick
  });

  it('SEC-1 every fold hands out a new state object, also one equal to the last: a reader tells a fold from a beacon by identity', async () => {
    const r = await device(true);
    await r.receive(s.chair.envelopes().map((e) => e.wire));
    const folder = new Folder();
    const ordered = r.log.ordered();
    const first = folder.fold(ordered, r.directory, REF, r.keyring, 'a', 1);
    const again = folder.fold(ordered, r.directory, REF, r.keyring, 'b', 1); // another basis: folded anew, to the same state
    expect(again).not.toBe(first);
    expect(again).toStrictEqual(first);
    expect(again.votes).toBe(first.votes); // the unchanged parts are handed out again
  });
});
