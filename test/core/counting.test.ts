/** Counting rules of GO NRW § 50: qualified majorities, elections of persons, seat allocation, the lot. */
import { execFileSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { randomBytes, toHex } from '../../crypto/bytes.js';
import { firstRound, runoff } from '../../core/election.js';
import { checkReveals, commitment, draw, seed } from '../../core/lot.js';
import { decide } from '../../core/majority.js';
import { allocate } from '../../core/seats.js';
import { smallCouncil } from '../helpers/replicas.js';

describe('decisions', () => {
  it('VOTE-12 qualified majorities: two thirds of votes cast, majority and two thirds of the statutory members', () => {
    expect(decide('simple', { yes: 5, no: 5, abstain: 3 }, 15)).toBe('rejected');
    expect(decide('two-thirds-cast', { yes: 10, no: 5, abstain: 9 }, 30)).toBe('accepted'); // exactly 2/3, abstentions ignored
    expect(decide('two-thirds-cast', { yes: 9, no: 5, abstain: 0 }, 30)).toBe('rejected');
    expect(decide('two-thirds-cast', { yes: 0, no: 0, abstain: 4 }, 30)).toBe('rejected');
    expect(decide('majority-statutory', { yes: 8, no: 0, abstain: 0 }, 15)).toBe('accepted');
    expect(decide('majority-statutory', { yes: 7, no: 0, abstain: 0 }, 15)).toBe('rejected'); // majority of cast, not of members
    expect(decide('two-thirds-statutory', { yes: 10, no: 0, abstain: 0 }, 15)).toBe('accepted');
    expect(decide('two-thirds-statutory', { yes: 9, no: 0, abstain: 0 }, 15)).toBe('rejected');
  });

  it('VOTE-12 the rule the chair selected is applied by the fold on every device', async () => {
    const c = await smallCouncil({ members: 5 });
    const chair = await c.join('chair');
    await chair.create('attendance.in', { person: 'chair', place: 'onsite' });
    await chair.create('attendance.in', { person: 'm1', place: 'onsite' });
    await chair.create('attendance.in', { person: 'm2', place: 'onsite' });
    await chair.create('session.open', {});
    await chair.create('vote.open', { vote: 'v1', item: null, title: 'Satzung', mode: 'roll-call', rule: 'majority-statutory' });
    await chair.create('vote.cast', { vote: 'v1', choice: 'yes' });
    await chair.create('vote.close', { vote: 'v1' });
    const v = chair.state.votes[0]!;
    expect(v).toMatchObject({ rule: 'majority-statutory', tally: { yes: 1, no: 0, abstain: 0 }, result: 'rejected' });
    const other = await c.join('m3');
    await other.receive(chair.envelopes().map((e) => e.wire));
    expect(other.state.votes[0]).toEqual(v);
  });
});

describe('elections of persons (GO NRW § 50 Abs. 2)', () => {
  const tally = (candidates: Record<string, number>, no = 0, abstain = 0) => ({ candidates, no, abstain, invalid: 0 });

  it('VOTE-13 elected is who has more than half of the valid votes; No votes are valid, abstentions are not', () => {
    expect(firstRound(tally({ A: 8, B: 7 }))).toEqual({ kind: 'elected', candidate: 'A' });
    expect(firstRound(tally({ A: 8, B: 6 }, 2))).toMatchObject({ kind: 'runoff' }); // 8 of 16 valid is not more than half
    expect(firstRound(tally({ A: 8, B: 6 }, 1, 9))).toEqual({ kind: 'elected', candidate: 'A' }); // abstentions do not count
    expect(firstRound(tally({ A: 5 }, 5))).toEqual({ kind: 'not-elected', reason: 'no-majority' });
    expect(firstRound(tally({ A: 0 }, 0, 7))).toEqual({ kind: 'not-elected', reason: 'no-valid-votes' });
  });

  it('VOTE-13 otherwise a run-off between the two highest; most votes wins there; a tie goes to the lot', () => {
    expect(firstRound(tally({ A: 6, B: 5, C: 4 }))).toEqual({ kind: 'runoff', candidates: ['A', 'B'] });
    expect(firstRound(tally({ A: 5, B: 5, C: 4 }))).toEqual({ kind: 'runoff', candidates: ['A', 'B'] });
    // A tie for second place: the body's setting decides; by default a lot picks who enters the run-off.
    expect(firstRound(tally({ A: 6, B: 4, C: 4 }))).toEqual({ kind: 'lot', among: ['B', 'C'], places: 1, then: 'runoff', fixed: ['A'] });
    expect(firstRound(tally({ A: 6, B: 4, C: 4 }), { runoffTie: 'all' })).toEqual({ kind: 'runoff', candidates: ['A', 'B', 'C'] });
    expect(runoff(tally({ A: 7, B: 8 }))).toEqual({ kind: 'elected', candidate: 'B' });
    expect(runoff(tally({ A: 7, B: 7 }))).toEqual({ kind: 'lot', among: ['A', 'B'], places: 1, then: 'elected', fixed: [] });
  });

  it('VOTE-13 the lot is commit-then-reveal: no drawer can steer it, anyone can recompute it, a changed reveal is caught', () => {
    const election = 'wahl-2026-12-stellv-bm';
    const reveals = ['chair', 'teller1', 'teller2'].map((drawer) => ({ drawer, reveal: toHex(randomBytes(32)) }));
    const commitments = Object.fromEntries(reveals.map((r) => [r.drawer, commitment(election, r.drawer, Uint8Array.from(Buffer.from(r.reveal, 'hex')))]));
    expect(checkReveals(election, commitments, reveals)).toEqual([]);
    const s = seed(election, reveals);
    const order = draw(s, ['B', 'A']);
    expect(draw(seed(election, [...reveals].reverse()), ['A', 'B'])).toEqual(order); // recomputable, order-independent
    const cheat = reveals.map((r, i) => (i === 2 ? { ...r, reveal: toHex(randomBytes(32)) } : r));
    expect(checkReveals(election, commitments, cheat)).toEqual(["teller2's reveal does not match the commitment"]);
    expect(checkReveals(election, commitments, reveals.slice(0, 2))).toEqual(['teller2 has not revealed']);
    expect(toHex(seed('another-election', reveals))).not.toBe(toHex(s)); // bound to the election id
  });

  it('VOTE-13 the draw is fair: each of three candidates comes first about a third of the time', () => {
    const first: Record<string, number> = { A: 0, B: 0, C: 0 };
    for (let i = 0; i < 3000; i++) first[draw(seed(`e${i}`, [{ drawer: 'x', reveal: '00'.repeat(32) }]), ['A', 'B', 'C'])[0]!]!++;
    for (const n of Object.values(first)) expect(Math.abs(n - 1000)).toBeLessThan(120); // > 5 sigma would be needed to fail by chance
  });
});

describe('seat allocation (GO NRW § 50 Abs. 3)', () => {
  const votes = { A: 12, B: 7, C: 3 };

  it('VOTE-14 d\'Hondt, Sainte-Laguë/Schepers and Hare/Niemeyer allocate as computed by hand', () => {
    expect(allocate('dhondt', 5, votes)).toEqual({ method: 'dhondt', seats: 5, allocation: { A: 3, B: 2, C: 0 }, tie: null });
    expect(allocate('sainte-lague', 5, votes).allocation).toEqual({ A: 3, B: 1, C: 1 });
    expect(allocate('hare-niemeyer', 5, votes).allocation).toEqual({ A: 3, B: 1, C: 1 });
    // A larger committee: Sainte-Laguë 15 seats for 41/29/17/13 votes (quotients checked by hand).
    expect(allocate('sainte-lague', 15, { CDU: 41, SPD: 29, GRUENE: 17, FDP: 13 }).allocation).toEqual({ CDU: 6, SPD: 4, GRUENE: 3, FDP: 2 });
    expect(allocate('dhondt', 0, votes).allocation).toEqual({ A: 0, B: 0, C: 0 });
  });

  it('VOTE-14 a tie for the last seat is named, never decided silently, and the verifiable lot decides it', () => {
    expect(allocate('dhondt', 1, { A: 10, B: 10 })).toEqual({ method: 'dhondt', seats: 1, allocation: { A: 0, B: 0 }, tie: { seats: 1, among: ['A', 'B'] } });
    expect(allocate('sainte-lague', 2, { A: 3, B: 1 }).tie).toEqual({ seats: 1, among: ['A', 'B'] });
    expect(allocate('hare-niemeyer', 1, { A: 5, B: 5, C: 0 }).tie).toEqual({ seats: 1, among: ['A', 'B'] });
    const out = (lot?: string) =>
      execFileSync(process.execPath, ['--import', 'tsx', 'relay/cli.ts', 'seats', '--method', 'dhondt', '--seats', '3', '--votes', 'A=10,B=10,C=1', ...(lot ? ['--lot', lot] : [])], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
    expect(JSON.parse(out())).toEqual({ A: 1, B: 1, C: 0 });
    const s = toHex(seed('ausschuss-2026', [{ drawer: 'chair', reveal: 'ab'.repeat(32) }]));
    const decided = JSON.parse(out(s));
    expect(decided.A + decided.B).toBe(3);
    expect(JSON.parse(out(s))).toEqual(decided);
  });
});
