/**
 * Derived state (core/rules/derived.ts, core/rules/participants.ts): what the views render instead of
 * recomputing a rule, folded from signed entries and checked against what the fold then does with them.
 */
import { describe, expect, it } from 'vitest';
import { issue, revoke } from '../../crypto/cert.js';
import { fold } from '../../core/fold.js';
import { access, badge } from '../../core/rules/participants.js';
import { council, Story, T0, topoSort } from '../helpers/envelopes.js';

const run = (s: Story) => fold(topoSort(s.all), s.c.directory);

describe('derived state', () => {
  it('VOTE-15 (fold as a registry) each person’s standing in the open vote is what the fold then does with their ballot', async () => {
    const s = new Story(await council());
    await s.opened(['chair', 'm1', 'm2', 'adv']); // m3, m4 absent
    await s.add('m2', 'conflict.declare', { person: 'm2', item: 'i2' });
    await s.add('chair', 'vote.open', { vote: 'v1', item: 'i2', title: 'Radweg', mode: 'open' });
    await s.add('m1', 'vote.cast', { vote: 'v1', choice: 'yes' });
    const before = run(s).votes[0]!;
    expect(before.entitlement).toEqual({ chair: 'entitled', m1: 'voted', m2: 'conflicted', m3: 'absent', m4: 'absent', adv: 'no-vote' });
    // Every device signs a ballot anyway: the standing the view showed is the fold's verdict.
    for (const p of ['chair', 'm1', 'm2', 'm3', 'adv']) await s.add(p, 'vote.cast', { vote: 'v1', choice: 'no' });
    const v = run(s).votes[0]!;
    expect(v.ballots.slice(1).map((b) => [b.person, b.status])).toEqual([
      ['chair', 'pending'],
      ['m1', 'duplicate'],
      ['m2', 'not-entitled'],
      ['m3', 'not-entitled'],
      ['adv', 'not-entitled'],
    ]);
    expect(v.entitlement).toMatchObject({ chair: 'voted', m1: 'voted' });
    await s.add('chair', 'vote.close', { vote: 'v1' });
    expect(run(s).votes[0]!.entitlement).toBeNull();
  });

  it('VOTE-9 (fold as a registry) a candidate can be added exactly while the fold would accept one', async () => {
    const s = new Story(await council());
    await s.opened();
    const candidates = [
      { id: 'a', name: 'Anna' },
      { id: 'b', name: 'Ben' },
    ];
    await s.add('chair', 'vote.open', { vote: 'w1', item: null, title: 'Wahl', mode: 'open', kind: 'election', candidates });
    expect(run(s).votes[0]!.canAddCandidate).toBe(true);
    await s.add('chair', 'vote.candidate', { vote: 'w1', candidate: { id: 'c', name: 'Cem' } });
    await s.add('m1', 'vote.cast', { vote: 'w1', choice: 'a' });
    let st = run(s);
    expect(st.votes[0]!.canAddCandidate).toBe(false);
    expect(st.rejected).toEqual([]);
    await s.add('chair', 'vote.candidate', { vote: 'w1', candidate: { id: 'd', name: 'Dora' } });
    st = run(s);
    expect(st.rejected.map((r) => r.reason)).toEqual(["vote.candidate: ballots have been cast in 'w1'"]);
    await s.add('chair', 'vote.close', { vote: 'w1' });
    await s.add('chair', 'vote.open', { vote: 'd2', item: null, title: 'Beschluss', mode: 'open' });
    st = run(s);
    expect(st.votes.map((v) => [v.id, v.canAddCandidate])).toEqual([
      ['w1', false],
      ['d2', false],
    ]);
  });

  it('VOTE-11 (fold as a registry) an open decision’s counted ballots by faction, a late ballot left out', async () => {
    const s = new Story(await council());
    await s.opened(['chair', 'm1', 'm2', 'm3', 'm4']);
    await s.add('chair', 'vote.open', { vote: 'v1', item: null, title: 'Radweg', mode: 'roll-call' });
    const ballots = [
      await s.add('chair', 'vote.cast', { vote: 'v1', choice: 'yes' }),
      await s.add('m1', 'vote.cast', { vote: 'v1', choice: 'no' }),
      await s.add('m2', 'vote.cast', { vote: 'v1', choice: 'yes' }),
      await s.add('m3', 'vote.cast', { vote: 'v1', choice: 'abstain' }),
    ];
    // m4's ballot is not in the causal past of the close: late on every device, in no faction's row.
    await s.add('m4', 'vote.cast', { vote: 'v1', choice: 'no' }, { deps: ballots });
    expect(run(s).votes[0]!.byFaction).toBeNull(); // open: no result yet
    await s.add('chair', 'vote.close', { vote: 'v1' }, { deps: ballots });
    const v = run(s).votes[0]!;
    expect(v.ballots.find((b) => b.person === 'm4')!.status).toBe('late');
    expect(v.byFaction).toEqual([
      { faction: 'f1', yes: 1, no: 1, abstain: 1 },
      { faction: 'f2', yes: 1, no: 0, abstain: 0 },
    ]);
  });

  it('VID-3 (fold as a registry) attendance by faction: every listed faction, then members without one (an unlisted faction too), with who is present', async () => {
    const c = await council();
    c.setupPayload.persons = c.setupPayload.persons.map((p) => (p.id === 'm4' ? { ...p, faction: 'fx' } : p));
    const s = new Story(c);
    await s.opened(['chair', 'm2', 'm4', 'adv']);
    await s.add('m2', 'attendance.out', { person: 'm2' });
    expect(run(s).attendanceByFaction).toEqual([
      { faction: 'f1', persons: ['chair', 'm1', 'm3'], present: 1 },
      { faction: 'f2', persons: ['m2'], present: 0 },
      { faction: null, persons: ['m4', 'adv'], present: 2 },
    ]);
  });

  it('LEG-2 (fold as a registry) before opening: who has not acknowledged both texts, who is not enrolled for this body, who is not connected', async () => {
    const c = await council();
    const s = new Story(c);
    await s.setup();
    await s.add('m1', 'handbook.ack', { kind: 'security', version: 'a'.repeat(64) }, { doc: 'members' });
    await s.add('m1', 'handbook.ack', { kind: 'privacy', version: 'b'.repeat(64) }, { doc: 'members' });
    await s.add('m2', 'handbook.ack', { kind: 'security', version: 'a'.repeat(64) }, { doc: 'members' });
    const st = run(s);
    expect(st.notAcknowledged).toEqual(['chair', 'm2', 'm3', 'm4', 'adv']);
    const m3 = await revoke(c.devices['m3']!.cert, T0, c.admin);
    const m4 = await issue({ ...c.devices['m4']!.cert.body, bodies: ['ausschuss'], issued: T0 }, c.admin);
    // Every version the directory holds: m3's revocation after its first version, m4's re-issue for another body.
    const versions = [...Object.values(c.devices).filter((d) => d.cert).map((d) => d.cert), m3, m4];
    expect(access(st, versions, ['chair', 'm1'])).toEqual({ notEnrolled: ['m3', 'm4'], notConnected: ['m2', 'adv'] });
  });

  it('SEC-4 (fold as a registry) the role badge counts roles only for the bodies the certificate names', async () => {
    const c = await council();
    const s = new Story(c);
    await s.setup();
    const st = run(s);
    const of = (p: string) => badge(st, c.devices[p]!.cert.body);
    expect(['chair', 'm1', 'adv', 'admin', 'clerk', 'otherChair'].map(of)).toEqual(['chair', 'member', 'advisory', 'admin', 'member', 'public']);
    expect(badge(st, undefined)).toBe('public');
    expect(badge(st, (await revoke(c.devices['chair']!.cert, T0, c.admin)).body)).toBe('public');
  });
});
