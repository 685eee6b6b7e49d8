/**
 * Secret votes and elections on real replicas: key generation among trustees, encrypted ballots with
 * proofs, threshold decryption, audit, postal fallback, elections with candidates, run-off and lot.
 */
import { describe, expect, it } from 'vitest';
import { randomBytes, toHex } from '../../crypto/bytes.js';
import { fromUtf8 } from '../../crypto/bytes.js';
import { auditSecretVotes } from '../../core/audit.js';
import { keyStep, lotStep, partialStep, secretBallot } from '../../core/duties.js';
import type { Replica } from '../../core/replica.js';
import { stateHash } from '../../core/state.js';
import { G, pointFromHex, pointHex } from '../../crypto/group.js';
import { smallCouncil, sync } from '../helpers/replicas.js';

const REF = 'testtown/m1';

async function council(members = 7) {
  const c = await smallCouncil({ members });
  const names = ['chair', ...Array.from({ length: members - 1 }, (_, i) => `m${i + 1}`)];
  const r: Record<string, Replica> = {};
  for (const p of [...names, 'adv']) r[p] = await c.join(p);
  const pub = await c.join(null);
  const everyone = Object.values(r);
  const exchange = async () => {
    for (const a of everyone) for (const b of everyone) if (a !== b) await sync(a, b);
    await sync(r['chair']!, pub);
  };
  const seeds: Record<string, Uint8Array> = Object.fromEntries(names.map((p) => [p, randomBytes(32)]));
  const me = (p: string) => toHex(c.devices[p]!.signer.publicKey);
  /** Trustees run their key-generation steps until the key is ready (or a step is refused). */
  const ceremony = async (key: string) => {
    for (let round = 0; round < 10; round++) {
      let acted = false;
      for (const p of names) {
        const k = r[p]!.state.keys.find((x) => x.id === key);
        const step = k && keyStep(REF, k, p, me(p), seeds[p]!, [...r[p]!.log.ordered()]);
        if (step) {
          await r[p]!.create(step.kind, step.payload as never);
          acted = true;
        }
      }
      await exchange();
      if (!acted) break;
    }
  };
  const start = async () => {
    for (const p of names) await r[p]!.create('attendance.in', { person: p, place: p === 'm1' || p === 'm2' ? 'onsite' : 'remote' });
    await exchange();
    await r['chair']!.create('session.open', {});
    await r['chair']!.create('key.setup', { key: 'k1', trustees: ['chair', 'm1', 'm2'], threshold: 2 });
    await exchange();
    await ceremony('k1');
  };
  const vote = async (choices: Record<string, string>) => {
    for (const [p, choice] of Object.entries(choices)) {
      const v = r[p]!.state.votes.at(-1)!;
      const step = secretBallot(REF, r[p]!.state, v, choice, c.devices[p]!.signer.publicKey);
      await r[p]!.create(step.kind, step.payload as never, v.doc);
    }
    await exchange();
  };
  const decryptBy = async (...trustees: string[]) => {
    for (const p of trustees) {
      const v = r[p]!.state.votes.at(-1)!;
      const step = partialStep(REF, r[p]!.state, v, p, me(p), seeds[p]!, [...r[p]!.log.ordered()]);
      if (step) await r[p]!.create(step.kind, step.payload as never, v.doc);
    }
    await exchange();
  };
  return { c, r, pub, names, exchange, seeds, start, vote, decryptBy, ceremony, me };
}

describe('secret votes', () => {
  it('VOTE-3 VOTE-6 a secret decision: ballots are ciphertexts, only the sum is decrypted, everyone (public too) learns the result', async () => {
    const m = await council();
    await m.start();
    expect(m.r['m5']!.state.keys[0]).toMatchObject({ status: 'ready' });
    await m.r['chair']!.create('vote.open', { vote: 'v1', item: 'i2', title: 'Radweg', mode: 'secret', key: 'k1' });
    await m.exchange();
    await m.vote({ chair: 'yes', m1: 'yes', m2: 'no', m3: 'abstain', m4: 'yes', m5: 'no' });
    const v0 = m.pub.state.votes[0]!;
    expect(v0.received).toBe(6); // the live count: how many, never what
    expect(v0.ballots.every((b) => b.choice === null)).toBe(true);
    for (const e of m.r['chair']!.log.all())
      if (e.kind === 'vote.ballot') expect(fromUtf8(e.payload)).not.toMatch(/"(yes|no|abstain)"/);
    await m.r['chair']!.create('vote.close', { vote: 'v1' });
    await m.exchange();
    expect(m.pub.state.votes[0]!.decryption).toBe('waiting');
    expect(m.pub.state.votes[0]!.result).toBeNull();
    await m.decryptBy('m1'); // one of two needed
    expect(m.pub.state.votes[0]!.counts).toBeNull();
    await m.decryptBy('m2');
    for (const x of [m.pub, m.r['chair']!, m.r['m6']!]) {
      const v = x.state.votes[0]!;
      expect(v.counts).toEqual({ yes: 3, no: 2, abstain: 1 });
      expect(v.result).toBe('accepted');
      expect(v.decryption).toBe('done');
    }
    expect(stateHash(m.pub.state.votes[0] as never)).toBe(stateHash(m.r['m6']!.state.votes[0] as never));
  });

  it('VOTE-4 every member\'s receipt is among the counted ballots and the one-click audit passes; a bad partial is caught', async () => {
    const m = await council();
    await m.start();
    await m.r['chair']!.create('vote.open', { vote: 'v1', item: null, title: 'Wahl', mode: 'secret', key: 'k1', kind: 'election', candidates: [{ id: 'a', name: 'Anna' }, { id: 'b', name: 'Ben' }] });
    await m.exchange();
    await m.vote({ chair: 'a', m1: 'a', m2: 'b', m3: 'no', m4: 'a' });
    const receipt = m.r['m3']!.state.votes[0]!.ballots.find((b) => b.person === 'm3')!.entry;
    await m.r['chair']!.create('vote.close', { vote: 'v1' });
    await m.exchange();
    // The chair, a trustee, sends a partial decryption that would add one vote for Anna: D - G with the honest proof.
    const honest = partialStep(REF, m.r['chair']!.state, m.r['chair']!.state.votes[0]!, 'chair', m.me('chair'), m.seeds['chair']!, [...m.r['chair']!.log.ordered()])!;
    const bad = structuredClone(honest.payload) as { shares: string[] };
    bad.shares[0] = pointHex(pointFromHex(bad.shares[0]!, 'share').subtract(G));
    const badEntry = await m.r['chair']!.create('vote.partial', bad as never);
    await m.decryptBy('m2');
    for (const x of [m.r['m3']!, m.pub]) {
      const w = x.state.votes[0]!;
      expect(w.partials.map((p) => [p.trustee, p.entry === badEntry.id, p.valid]).sort()).toEqual([['chair', true, false], ['m2', false, true]]);
      expect([w.decryption, w.counts]).toEqual(['waiting', null]); // the bad partial counts for nothing
    }
    await m.decryptBy('m1');
    const v = m.r['m3']!.state.votes[0]!;
    expect(v.ballots.find((b) => b.entry === receipt)!.status).toBe('counted');
    expect(v.counts).toEqual({ a: 3, b: 1, no: 1, abstain: 0 });
    expect(v.outcome).toEqual({ kind: 'elected', candidate: 'a' });
    let calls = 0;
    const report = auditSecretVotes(REF, m.r['m3']!.state, m.r['m3']!.log.ordered(), { onProgress: () => calls++ });
    expect(report).toMatchObject({ ok: true, problems: [], votes: [{ vote: 'v1', ballots: 5, partials: 3, ok: true }] });
    expect(calls).toBeGreaterThan(0);
    expect(auditSecretVotes(REF, m.r['m3']!.state, m.r['m3']!.log.ordered(), { batch: false }).ok).toBe(true);
    // A state that claims other counts than the ciphertexts decrypt to fails the audit.
    const lying = structuredClone(m.r['m3']!.state);
    lying.votes[0]!.counts = { a: 2, b: 2, no: 1, abstain: 0 };
    expect(auditSecretVotes(REF, lying, m.r['m3']!.log.ordered()).problems.map((p) => p.code)).toEqual(['decryption']);
    // A state that drops a counted ballot: the sum no longer matches.
    const dropped = structuredClone(m.r['m3']!.state);
    dropped.votes[0]!.ballots = dropped.votes[0]!.ballots.filter((b) => b.entry !== receipt);
    expect(auditSecretVotes(REF, dropped, m.r['m3']!.log.ordered()).problems.map((p) => p.code)).toContain('aggregate');
    // A state that takes the bad partial as valid: the audit checks its proof against the record and names the trustee.
    const trusting = structuredClone(m.r['m3']!.state);
    trusting.votes[0]!.partials.find((p) => p.entry === badEntry.id)!.valid = true;
    expect(auditSecretVotes(REF, trusting, m.r['m3']!.log.ordered()).problems).toContainEqual(expect.objectContaining({ code: 'partial-proof', subject: 'chair' }));
  });

  it('VOTE-3 a ballot with a false proof (a 2 for one candidate) is invalid on every device and not counted', async () => {
    const m = await council();
    await m.start();
    await m.r['chair']!.create('vote.open', { vote: 'v1', item: null, title: 'Beschluss', mode: 'secret', key: 'k1' });
    await m.exchange();
    const v = m.r['m4']!.state.votes[0]!;
    const honest = secretBallot(REF, m.r['m4']!.state, v, 'yes', m.c.devices['m4']!.signer.publicKey);
    const other = secretBallot(REF, m.r['m4']!.state, v, 'yes', m.c.devices['m4']!.signer.publicKey);
    // A cheating client doubles its Yes by swapping in another ballot's ciphertext: the proofs no longer match.
    const cheat = structuredClone(honest.payload) as { cts: { a: string; b: string }[] };
    cheat.cts[0] = (other.payload as { cts: { a: string; b: string }[] }).cts[0]!;
    await m.r['m4']!.create('vote.ballot', cheat as never);
    await m.vote({ m4: 'no' });
    for (const x of [m.r['chair']!, m.pub]) expect(x.state.votes[0]!.ballots.map((b) => [b.person, b.status])).toEqual([['m4', 'invalid'], ['m4', 'pending']]);
  });

  it('VOTE-5 too few trustees: the chair orders a postal ballot and enters the counted result, which everyone sees', async () => {
    const m = await council();
    await m.start();
    await m.r['chair']!.create('vote.open', { vote: 'v1', item: 'i2', title: 'Radweg', mode: 'secret', key: 'k1' });
    await m.exchange();
    await m.vote({ m3: 'yes', m4: 'no' });
    await m.r['chair']!.create('vote.close', { vote: 'v1' });
    await m.exchange();
    await m.decryptBy('m1'); // the other trustees are unreachable
    const late = partialStep(REF, m.r['m2']!.state, m.r['m2']!.state.votes[0]!, 'm2', m.me('m2'), m.seeds['m2']!, [...m.r['m2']!.log.ordered()])!;
    await m.r['chair']!.create('vote.postal', { vote: 'v1', reason: 'Zu wenige Treuhänder erreichbar' });
    await m.exchange();
    await m.r['m2']!.create('vote.partial', late.payload as never); // too late: the vote has moved to postal ballot
    expect(m.r['m2']!.state.rejected.at(-1)!.reason).toBe("vote.partial: 'v1' awaits no decryption");
    await m.r['chair']!.create('vote.result', { vote: 'v1', counts: { yes: 4, no: 2, abstain: 1 } });
    await m.exchange();
    for (const x of [m.pub, m.r['m5']!]) {
      const v = x.state.votes[0]!;
      expect(v).toMatchObject({ source: 'postal', counts: { yes: 4, no: 2, abstain: 1 }, result: 'accepted', postal: { reason: 'Zu wenige Treuhänder erreichbar' } });
      expect(x.log.get(v.postal!.entry)).toBeDefined();
    }
    await m.r['m1']!.create('vote.result', { vote: 'v1', counts: { yes: 0 } });
    await m.r['m1']!.create('vote.postal', { vote: 'v1', reason: 'x' });
    expect(m.r['m1']!.state.rejected.slice(-2).map((x) => x.reason)).toEqual(['role: only the chair or deputy may enter a postal result', 'role: only the chair or deputy may order a postal ballot']);
  });

  it('VOTE-6 a secret vote whose result the body keeps non-public lives in the members document; the public never sees it', async () => {
    const m = await council();
    await m.start();
    await m.r['chair']!.create('vote.open', { vote: 'v1', item: 'i3', title: 'Grundstück', mode: 'secret', key: 'k1', publicResult: false }, 'members');
    await m.r['chair']!.create('vote.close', { vote: 'v1' }, 'members');
    await m.r['chair']!.create('vote.open', { vote: 'v2', item: 'i2', title: 'Radweg', mode: 'secret', key: 'k1', publicResult: false }, 'public');
    await m.exchange();
    expect(m.r['m1']!.state.votes.map((v) => [v.id, v.doc, v.publicResult])).toEqual([['v1', 'members', false]]);
    expect(m.pub.state.votes).toEqual([]);
    expect(m.r['chair']!.state.rejected.at(-1)!.reason).toBe('vote.open: a result kept from the public needs a secret vote in the members document');
  });

  it('VOTE-7 on-site and remote members cast secret ballots in the same system and are counted alike', async () => {
    const m = await council();
    await m.start();
    expect(m.r['chair']!.state.attendance['m1']!.place).toBe('onsite');
    expect(m.r['chair']!.state.attendance['m3']!.place).toBe('remote');
    await m.r['chair']!.create('vote.open', { vote: 'v1', item: null, title: 'Beschluss', mode: 'secret', key: 'k1' });
    await m.exchange();
    await m.vote({ m1: 'no', m2: 'no', m3: 'yes', m4: 'yes', m5: 'yes' });
    await m.r['chair']!.create('vote.close', { vote: 'v1' });
    await m.exchange();
    await m.decryptBy('chair', 'm1');
    const v = m.r['m2']!.state.votes[0]!;
    expect(v.ballots.filter((b) => b.status === 'counted').map((b) => b.person).sort()).toEqual(['m1', 'm2', 'm3', 'm4', 'm5']);
    expect(v.counts).toEqual({ yes: 3, no: 2, abstain: 0 });
  });

  it('VOTE-15 a conflicted member and an advisory member who cast secret ballots are not counted; a member who is no trustee cannot decrypt', async () => {
    const m = await council();
    await m.start();
    await m.r['m4']!.create('conflict.declare', { person: 'm4', item: 'i2' });
    await m.r['chair']!.create('vote.open', { vote: 'v1', item: 'i2', title: 'Radweg', mode: 'secret', key: 'k1' });
    await m.exchange();
    await m.r['adv']!.create('attendance.in', { person: 'adv', place: 'remote' });
    await m.exchange();
    await m.vote({ m4: 'yes', m5: 'yes', adv: 'yes' }); // the advisory member's device encrypts and signs a ballot like anyone's
    await m.r['chair']!.create('vote.close', { vote: 'v1' });
    await m.exchange();
    expect(m.pub.state.conflicts).toMatchObject([{ person: 'm4', item: 'i2' }]);
    for (const x of [m.pub, m.r['chair']!, m.r['adv']!])
      expect(x.state.votes[0]!.ballots.map((b) => [b.person, b.status]).sort()).toEqual([['adv', 'not-entitled'], ['m4', 'not-entitled'], ['m5', 'counted']]);
    // m3 is no trustee: its "partial decryption" is refused.
    const fake = partialStep(REF, m.r['m1']!.state, m.r['m1']!.state.votes[0]!, 'm1', m.me('m1'), m.seeds['m1']!, [...m.r['m1']!.log.ordered()])!;
    await m.r['m3']!.create('vote.partial', fake.payload as never);
    expect(m.r['m3']!.state.rejected.at(-1)!.reason).toBe("vote.partial: only a trustee's key device of 'k1' may decrypt");
  });
});

describe('key generation', () => {
  it('VOTE-3 the trustees\' key comes from a distributed key generation; the relay-visible entries hold no secret scalar', async () => {
    const m = await council(5);
    await m.start();
    const key = m.r['m4']!.state.keys[0]!;
    expect(key).toMatchObject({ status: 'ready', trustees: ['chair', 'm1', 'm2'], threshold: 2 });
    expect(key.dealt.sort()).toEqual(['chair', 'm1', 'm2']);
    expect(key.acknowledged.sort()).toEqual(['chair', 'm1', 'm2']);
    const kinds = [...m.r['m4']!.log.all()].map((e) => e.kind).filter((k) => k.startsWith('key.'));
    expect(kinds.sort()).toEqual(['key.commit', 'key.commit', 'key.commit', 'key.ok', 'key.ok', 'key.ok', 'key.setup', 'key.shares', 'key.shares', 'key.shares']);
    // No seed byte string of any trustee appears in any entry.
    const all = [...m.r['m4']!.log.all()].map((e) => toHex(e.wire)).join('');
    for (const p of ['chair', 'm1', 'm2']) expect(all).not.toContain(toHex(m.seeds[p]!));
    // A secret vote cannot use a key that is not ready.
    await m.r['chair']!.create('key.setup', { key: 'k2', trustees: ['m3', 'm4'], threshold: 2 });
    await m.r['chair']!.create('vote.open', { vote: 'v1', item: null, title: 'x', mode: 'secret', key: 'k2' });
    expect(m.r['chair']!.state.rejected.at(-1)!.reason).toBe("vote.open: meeting key 'k2' is setup, not ready");
  });

  it('VOTE-3 a trustee that deals a wrong share is named in a complaint and the key fails', async () => {
    const m = await council(5);
    await m.r['chair']!.create('session.open', {});
    await m.r['chair']!.create('key.setup', { key: 'k1', trustees: ['chair', 'm1'], threshold: 2 });
    await m.exchange();
    for (const p of ['chair', 'm1']) {
      const step = keyStep(REF, m.r[p]!.state.keys[0]!, p, m.me(p), m.seeds[p]!, [...m.r[p]!.log.ordered()])!;
      await m.r[p]!.create(step.kind, step.payload as never);
    }
    await m.exchange();
    // m1 deals a share that does not match its commitments.
    const step = keyStep(REF, m.r['m1']!.state.keys[0]!, 'm1', m.me('m1'), m.seeds['m1']!, [...m.r['m1']!.log.ordered()])!;
    const payload = structuredClone(step.payload) as { key: string; shares: { to: number; ct: string }[] };
    payload.shares[0]!.ct = payload.shares[0]!.ct.replace(/^./, (d) => (d === '0' ? '1' : '0'));
    await m.r['m1']!.create('key.shares', payload as never);
    await m.exchange();
    await m.ceremony('k1');
    expect(m.pub.state.keys[0]).toMatchObject({ status: 'failed' });
    expect(m.pub.state.keys[0]!.problem).toMatch(/chair \(trustee 1\) complains about trustee 2: share from dealer 2 does not match its commitments/);
  });
});

describe('elections (GO NRW § 50 Abs. 2)', () => {
  it('VOTE-9 VOTE-13 candidates are added before the first ballot; one run-off follows between the two highest', async () => {
    const m = await council();
    await m.start();
    await m.r['chair']!.create('vote.open', { vote: 'w1', item: null, title: 'Wahl Schriftführung', mode: 'secret', key: 'k1', kind: 'election', candidates: [{ id: 'a', name: 'Anna' }] });
    await m.r['chair']!.create('vote.candidate', { vote: 'w1', candidate: { id: 'b', name: 'Ben' } });
    await m.r['chair']!.create('vote.candidate', { vote: 'w1', candidate: { id: 'c', name: 'Cem' } });
    await m.exchange();
    expect(m.r['m1']!.state.votes[0]!.options).toEqual(['a', 'b', 'c', 'no', 'abstain']);
    await m.vote({ chair: 'a', m1: 'a', m2: 'b', m3: 'b', m4: 'c', m5: 'no', m6: 'a' });
    await m.r['chair']!.create('vote.candidate', { vote: 'w1', candidate: { id: 'd', name: 'Dora' } });
    expect(m.r['chair']!.state.rejected.at(-1)!.reason).toBe("vote.candidate: ballots have been cast in 'w1'");
    await m.r['chair']!.create('vote.close', { vote: 'w1' });
    await m.exchange();
    await m.decryptBy('m1', 'm2');
    const w1 = m.pub.state.votes[0]!;
    expect(w1.counts).toEqual({ a: 3, b: 2, c: 1, no: 1, abstain: 0 });
    expect(w1.outcome).toEqual({ kind: 'runoff', candidates: ['a', 'b'] }); // 3 of 7 valid votes is no majority
    // The run-off must be between exactly those two.
    await m.r['chair']!.create('vote.open', { vote: 'w2', item: null, title: 'Stichwahl', mode: 'secret', key: 'k1', kind: 'election', runoffOf: 'w1', candidates: [{ id: 'a', name: 'Anna' }, { id: 'c', name: 'Cem' }] });
    expect(m.r['chair']!.state.rejected.at(-1)!.reason).toBe('vote.open: the run-off is between a and b');
    await m.r['chair']!.create('vote.open', { vote: 'w2', item: null, title: 'Stichwahl', mode: 'secret', key: 'k1', kind: 'election', runoffOf: 'w1', candidates: [{ id: 'b', name: 'Ben' }, { id: 'a', name: 'Anna' }] });
    await m.exchange();
    expect(m.pub.state.votes[1]).toMatchObject({ round: 2, runoffOf: 'w1', options: ['a', 'b', 'no', 'abstain'] });
    await m.vote({ chair: 'a', m1: 'b', m2: 'b', m3: 'b', m4: 'a', m5: 'abstain' });
    await m.r['chair']!.create('vote.close', { vote: 'w2' });
    await m.exchange();
    await m.decryptBy('chair', 'm2');
    expect(m.pub.state.votes[1]).toMatchObject({ counts: { a: 2, b: 3, no: 0, abstain: 1 }, outcome: { kind: 'elected', candidate: 'b' }, elected: 'b' });
    // One run-off per election: a second one (a chair who dislikes the result) is refused.
    await m.r['chair']!.create('vote.open', { vote: 'w3', item: null, title: 'Noch eine Stichwahl', mode: 'open', kind: 'election', runoffOf: 'w1', candidates: [{ id: 'a', name: 'Anna' }, { id: 'b', name: 'Ben' }] });
    expect(m.r['chair']!.state.rejected.at(-1)!.reason).toBe("vote.open: the run-off of 'w1' is 'w2' already");
  });

  it('VOTE-13 a tie in the run-off is decided by a lot drawn in the log: commit, reveal, recomputable by anyone', async () => {
    const m = await council();
    await m.start();
    await m.r['chair']!.create('vote.open', { vote: 'w1', item: null, title: 'Wahl', mode: 'open', kind: 'election', candidates: [{ id: 'a', name: 'Anna' }, { id: 'b', name: 'Ben' }, { id: 'c', name: 'Cem' }] });
    await m.exchange();
    for (const [p, c] of Object.entries({ chair: 'a', m1: 'a', m2: 'b', m3: 'b', m4: 'c', m5: 'no' })) await m.r[p]!.create('vote.cast', { vote: 'w1', choice: c });
    await m.exchange();
    await m.r['chair']!.create('vote.close', { vote: 'w1' });
    await m.exchange();
    await m.r['chair']!.create('vote.open', { vote: 'w2', item: null, title: 'Stichwahl', mode: 'open', kind: 'election', runoffOf: 'w1', candidates: [{ id: 'a', name: 'Anna' }, { id: 'b', name: 'Ben' }] });
    await m.exchange();
    for (const [p, c] of Object.entries({ chair: 'a', m1: 'a', m2: 'b', m3: 'b', m4: 'abstain' })) await m.r[p]!.create('vote.cast', { vote: 'w2', choice: c });
    await m.exchange();
    await m.r['chair']!.create('vote.close', { vote: 'w2' });
    await m.exchange();
    expect(m.pub.state.votes[1]!.outcome).toEqual({ kind: 'lot', among: ['a', 'b'], places: 1, then: 'elected', fixed: [] });
    await m.r['chair']!.create('lot.open', { vote: 'w2', drawers: ['chair', 'm1', 'm2'] });
    await m.exchange();
    const reveals = Object.fromEntries(['chair', 'm1', 'm2'].map((p) => [p, randomBytes(32)]));
    // m1 tries to reveal before everyone committed: refused.
    await m.r['m1']!.create('lot.commit', lotStep(m.r['m1']!.state.votes[1]!, 'm1', reveals['m1']!)!.payload as never);
    await m.r['m1']!.create('lot.reveal', { vote: 'w2', reveal: toHex(reveals['m1']!) });
    expect(m.r['m1']!.state.rejected.at(-1)!.reason).toBe('lot.reveal: not every drawer has committed yet');
    await m.exchange();
    for (let i = 0; i < 3; i++) {
      for (const p of ['chair', 'm1', 'm2']) {
        const step = lotStep(m.r[p]!.state.votes[1]!, p, reveals[p]!);
        if (step) await m.r[p]!.create(step.kind, step.payload as never);
      }
      await m.exchange();
    }
    const w2 = m.pub.state.votes[1]!;
    expect(w2.lot!.order).toHaveLength(2);
    expect(w2.elected).toBe(w2.lot!.order![0]);
    expect(m.r['m6']!.state.votes[1]!.lot).toEqual(w2.lot);
    // Anyone recomputes the draw from the reveals in the log.
    const { seed, draw } = await import('../../core/lot.js');
    const s = seed('w2', Object.entries(w2.lot!.reveals).map(([drawer, reveal]) => ({ drawer, reveal })));
    expect(toHex(s)).toBe(w2.lot!.seed);
    expect(draw(s, ['a', 'b'])).toEqual(w2.lot!.order);
  });
});
