/** The session rules of core/fold.ts on real signed entries: attendance, quorum, votes, roles, determinism. */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { toHex } from '../../crypto/bytes.js';
import * as envelope from '../../crypto/envelope.js';
import type { Replica } from '../../core/replica.js';
import { stateHash } from '../../core/state.js';
import { smallCouncil, sync } from '../helpers/replicas.js';

/** A council of 5 voting members (chair, m1..m4) and one advisory member, all connected to the chair. */
async function meeting() {
  const c = await smallCouncil({ members: 5 });
  const chair = await c.join('chair');
  const people = Object.fromEntries(await Promise.all(['m1', 'm2', 'm3', 'm4', 'adv'].map(async (p) => [p, await c.join(p)] as const))) as Record<string, Replica>;
  const pub = await c.join(null);
  const everyone = [chair, ...Object.values(people)];
  /** An honest relay round: everyone gets everything. */
  const exchange = async () => {
    for (const a of everyone) for (const b of everyone) if (a !== b) await sync(a, b);
    await sync(chair, pub);
  };
  const checkIn = async (...ps: string[]) => {
    for (const p of ps) {
      await people[p]!.create('attendance.in', { person: p, place: 'remote' });
      c.time.advance(1000);
    }
    await exchange();
  };
  return { c, chair, people, pub, exchange, checkIn };
}

describe('attendance and quorum', () => {
  it('MIN-1 attendance changes are timestamped and quorum is re-checked on every change', async () => {
    const { c, chair, checkIn, people, exchange } = await meeting();
    const t0 = c.time.now();
    await chair.create('attendance.in', { person: 'chair', place: 'onsite' });
    c.time.advance(1000);
    await checkIn('m1');
    expect(chair.state.quorum).toEqual({ statutory: 5, present: 2, needed: 3, quorate: false });
    await checkIn('m2');
    expect(chair.state.quorum.quorate).toBe(true);
    await checkIn('adv'); // advisory members do not count for quorum
    expect(chair.state.quorum.present).toBe(3);
    await people['m2']!.create('attendance.out', { person: 'm2' });
    await exchange();
    expect(chair.state.quorum).toMatchObject({ present: 2, quorate: false });
    expect(chair.state.attendanceLog.map((a) => [a.person, a.present, a.at - t0])).toEqual([
      ['chair', true, 0],
      ['m1', true, 1000],
      ['m2', true, 2000],
      ['adv', true, 3000],
      ['m2', false, 4000],
    ]);
    expect(chair.state.quorumLog.map((q) => [q.present, q.quorate])).toEqual([
      [0, false],
      [1, false],
      [2, false],
      [3, true],
      [2, false],
    ]);
    for (const a of chair.state.attendanceLog) expect(chair.log.get(a.entry)).toBeDefined();
  });

  it('MIN-1 the chair records on-site attendance for a member; a member cannot check in someone else', async () => {
    const { chair, people, exchange } = await meeting();
    await chair.create('attendance.in', { person: 'm3', place: 'onsite' });
    await people['m1']!.create('attendance.in', { person: 'm4', place: 'remote' });
    await exchange();
    expect(chair.state.attendance['m3']).toMatchObject({ present: true, place: 'onsite' });
    expect(chair.state.attendance['m4']).toBeUndefined();
    expect(chair.state.rejected.map((r) => r.reason)).toEqual(['role: only the member or the chair may record attendance']);
  });
});

describe('votes', () => {
  async function openVote(mode: 'open' | 'roll-call' = 'open') {
    const m = await meeting();
    await m.chair.create('attendance.in', { person: 'chair', place: 'onsite' });
    await m.checkIn('m1', 'm2', 'm3', 'adv');
    await m.chair.create('session.open', {});
    await m.chair.create('vote.open', { vote: 'v1', item: 'i2', title: 'Radweg', mode });
    await m.exchange();
    return m;
  }

  it('VOTE-1 open and roll-call votes: every voter\'s choice is visible to chair, members and public', async () => {
    for (const mode of ['open', 'roll-call'] as const) {
      const { chair, people, pub, exchange } = await openVote(mode);
      await people['m1']!.create('vote.cast', { vote: 'v1', choice: 'yes' });
      await people['m2']!.create('vote.cast', { vote: 'v1', choice: 'no' });
      await exchange();
      await chair.create('vote.close', { vote: 'v1' });
      await exchange();
      for (const r of [chair, people['m3']!, pub]) {
        const v = r.state.votes[0]!;
        expect(v.ballots.map((b) => [b.person, b.choice, b.status]).sort()).toEqual([
          ['m1', 'yes', 'counted'],
          ['m2', 'no', 'counted'],
        ]);
      }
    }
  });

  it('VOTE-2 the chair holds a tamper-evident record of how each member voted', async () => {
    const { chair, people, exchange, c } = await openVote();
    await people['m1']!.create('vote.cast', { vote: 'v1', choice: 'abstain' });
    await exchange();
    const b = chair.state.votes[0]!.ballots[0]!;
    const e = chair.log.get(b.entry)!;
    // The ballot is an envelope signed by m1's device; any change to it breaks the signature.
    expect(toHex(e.author)).toBe(toHex(c.devices['m1']!.signer.publicKey));
    expect(await envelope.verifySignature(e)).toBe(true);
    const forged = envelope.decode(e.wire);
    forged.payload = new TextEncoder().encode('{"choice":"yes","vote":"v1"}');
    expect(await envelope.verifySignature({ ...forged, wire: new Uint8Array([...envelope.signingInput(forged), ...e.sig]) })).toBe(false);
  });

  it('VOTE-8 every vote records whether it is open or roll-call, and every device sees the same mode', async () => {
    const { chair, people, pub } = await openVote('roll-call');
    for (const r of [chair, people['m1']!, pub]) expect(r.state.votes[0]).toMatchObject({ mode: 'roll-call', status: 'open', doc: 'public' });
  });

  it('VOTE-12 majority of votes cast decides; abstentions do not count; a tie is a rejection', async () => {
    const cases: [string[], 'accepted' | 'rejected'][] = [
      [['yes', 'no', 'abstain', 'abstain'], 'rejected'], // 1:1 tie
      [['yes', 'abstain', 'abstain', 'abstain'], 'accepted'], // 1:0, abstentions do not count
      [['yes', 'yes', 'no', 'no'], 'rejected'],
      [['yes', 'yes', 'no', 'abstain'], 'accepted'],
      [['abstain', 'abstain', 'abstain', 'abstain'], 'rejected'], // 0:0 is a tie
    ];
    for (const [choices, result] of cases) {
      const { chair, people, exchange } = await openVote();
      const voters = [chair, people['m1']!, people['m2']!, people['m3']!];
      for (const [i, choice] of choices.entries()) await voters[i]!.create('vote.cast', { vote: 'v1', choice: choice as 'yes' });
      await exchange();
      await chair.create('vote.close', { vote: 'v1' });
      const v = chair.state.votes[0]!;
      expect(v.result, choices.join(',')).toBe(result);
      expect(v.tally.yes + v.tally.no + v.tally.abstain).toBe(4);
    }
  });

  it('VOTE-15 advisory and absent members are not entitled; a second ballot is a duplicate and changes nothing', async () => {
    const { chair, people, exchange } = await openVote();
    await people['adv']!.create('vote.cast', { vote: 'v1', choice: 'yes' });
    await people['m4']!.create('vote.cast', { vote: 'v1', choice: 'yes' }); // m4 never checked in
    await people['m1']!.create('vote.cast', { vote: 'v1', choice: 'no' });
    await people['m1']!.create('vote.cast', { vote: 'v1', choice: 'yes' });
    await exchange();
    await chair.create('vote.close', { vote: 'v1' });
    const v = chair.state.votes[0]!;
    expect(v.ballots.map((b) => [b.person, b.choice, b.status]).sort()).toEqual([
      ['adv', 'yes', 'not-entitled'],
      ['m1', 'no', 'counted'],
      ['m1', 'yes', 'duplicate'],
      ['m4', 'yes', 'not-entitled'],
    ]);
    expect(v.tally).toEqual({ yes: 0, no: 1, abstain: 0 });
  });

  it('VOTE-15 a ballot outside the close\'s causal past is late on every device, whatever the arrival order', async () => {
    const { c, chair, people, exchange } = await openVote();
    await people['m1']!.create('vote.cast', { vote: 'v1', choice: 'yes' });
    await sync(people['m1']!, chair);
    // m2 votes offline; its ballot carries an earlier clock than the close but the chair never saw it.
    await people['m2']!.create('vote.cast', { vote: 'v1', choice: 'no' });
    c.time.advance(5000);
    await chair.create('vote.close', { vote: 'v1' });
    await exchange();
    const statuses = (r: Replica) => r.state.votes[0]!.ballots.map((b) => [b.person, b.status]).sort();
    for (const r of [chair, people['m1']!, people['m2']!, people['m3']!])
      expect(statuses(r)).toEqual([
        ['m1', 'counted'],
        ['m2', 'late'],
      ]);
    expect(chair.state.votes[0]!.result).toBe('accepted');
    // A ballot sent after the close is late too.
    await people['m3']!.create('vote.cast', { vote: 'v1', choice: 'no' });
    await exchange();
    expect(statuses(chair)).toContainEqual(['m3', 'late']);
  });

  it('rejects chair actions by members, a second open vote, and a public vote on a non-public item', async () => {
    const { chair, people, exchange } = await openVote();
    await people['m1']!.create('vote.close', { vote: 'v1' });
    await people['adv']!.create('session.close', {});
    await chair.create('vote.open', { vote: 'v2', item: null, title: 'Zweite', mode: 'open' });
    await exchange();
    const reasons = chair.state.rejected.map((r) => r.reason);
    expect(reasons).toContain('role: only the chair or deputy may close a vote');
    expect(reasons).toContain('role: only the chair or deputy may close the session');
    expect(reasons).toContain("vote.open: vote 'v1' is still open");
    await chair.create('vote.close', { vote: 'v1' });
    await chair.create('vote.open', { vote: 'v3', item: 'i3', title: 'Grundstück', mode: 'open' }, 'public');
    expect(chair.state.rejected.at(-1)!.reason).toBe("vote.open: no public agenda item 'i3' (a vote on a non-public item belongs in the members document)");
    expect(chair.state.votes.map((v) => v.id)).toEqual(['v1']);
  });
});

describe('determinism', () => {
  it('VOTE-15 any arrival order and any duplication of the same entries gives the identical state hash', async () => {
    const { c, chair, people, exchange } = await meeting();
    await chair.create('attendance.in', { person: 'chair', place: 'onsite' });
    for (const p of ['m1', 'm2', 'm3']) await people[p]!.create('attendance.in', { person: p, place: 'remote' });
    await exchange();
    await chair.create('session.open', {});
    await chair.create('vote.open', { vote: 'v1', item: 'i1', title: 'Eins', mode: 'roll-call' });
    await exchange();
    await people['m1']!.create('vote.cast', { vote: 'v1', choice: 'yes' });
    await people['m2']!.create('vote.cast', { vote: 'v1', choice: 'no' });
    await sync(people['m1']!, chair);
    await people['m3']!.create('vote.cast', { vote: 'v1', choice: 'yes' }); // concurrent with the close
    await chair.create('vote.close', { vote: 'v1' });
    await people['m2']!.create('attendance.out', { person: 'm2' });
    await exchange();
    const reference = stateHash(chair.state);
    const wires = chair.envelopes().map((e) => e.wire);
    expect(wires.length).toBeGreaterThan(10);
    const seed = Number(process.env.FC_SEED ?? 20261123);
    console.log(`determinism property: fast-check seed ${seed}`);
    await fc.assert(
      fc.asyncProperty(fc.shuffledSubarray(wires, { minLength: wires.length, maxLength: wires.length }), fc.array(fc.nat(wires.length - 1), { maxLength: 8 }), fc.nat(4), async (order, dups, chunks) => {
        const r = await c.replica('m4');
        const all = [...order, ...dups.map((i) => wires[i]!)];
        const size = Math.ceil(all.length / (chunks + 1));
        for (let i = 0; i < all.length; i += size) await r.receive(all.slice(i, i + size));
        expect(stateHash(r.state)).toBe(reference);
      }),
      { seed, numRuns: 60 },
    );
  });
});
