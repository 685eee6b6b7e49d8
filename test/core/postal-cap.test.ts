/** VOTE-5: a postal result is judged against the members entitled to vote, in the fold every device runs. */
import { describe, expect, it } from 'vitest';
import { smallCouncil, sync } from '../helpers/replicas.js';

async function postalVote() {
  const c = await smallCouncil({ members: 5 });
  const chair = await c.join('chair');
  const pub = await c.join(null);
  const m1 = await c.join('m1');
  await chair.create('session.open', {});
  await m1.create('attendance.in', { person: 'm1', place: 'remote' });
  await sync(m1, chair);
  await m1.create('conflict.declare', { person: 'm1', item: 'i2' });
  await sync(m1, chair);
  await chair.create('vote.open', { vote: 'v1', item: 'i2', title: 'Radweg', mode: 'open' });
  await chair.create('vote.postal', { vote: 'v1', reason: 'Technische Störung' });
  return { chair, pub };
}

describe('postal result', () => {
  it('VOTE-5 a postal result above the number of entitled members is refused by the fold; one at the limit is taken', async () => {
    const { chair, pub } = await postalVote();
    // 5 voting members, one of them conflicted for the item: at most 4 postal ballots; the advisory member has none.
    await chair.create('vote.result', { vote: 'v1', counts: { yes: 3, no: 1, abstain: 1 } });
    await sync(chair, pub);
    for (const r of [chair, pub]) {
      expect(r.state.votes[0]!.counts).toBeNull();
      expect(r.state.rejected.at(-1)!.reason).toBe("vote.result: 5 ballots exceed the 4 members entitled to vote on 'v1'");
    }
    await chair.create('vote.result', { vote: 'v1', counts: { yes: 3, no: 1, abstain: 0 } });
    await sync(chair, pub);
    for (const r of [chair, pub]) expect(r.state.votes[0]).toMatchObject({ source: 'postal', counts: { yes: 3, no: 1, abstain: 0 }, result: 'accepted' });
  });
});
