/**
 * SEC-1 at the replica: whatever a relay does with the envelopes it forwards (drop, reorder, forge,
 * replay, fork, withhold), the reader detects it, shows it in integrity(), and applies nothing forged.
 */
import { describe, expect, it } from 'vitest';
import { toHex } from '../../crypto/bytes.js';
import { issue } from '../../crypto/cert.js';
import { signerFromSeed } from '../../crypto/ed25519.js';
import * as envelope from '../../crypto/envelope.js';
import { Replica } from '../../core/replica.js';
import { stateHash } from '../../core/state.js';
import { smallCouncil, sync } from '../helpers/replicas.js';

async function memberWithThreeEntries() {
  const c = await smallCouncil();
  const m1 = await c.join('m1');
  const chair = await c.join('chair');
  const own = [
    await m1.create('attendance.in', { person: 'm1', place: 'remote' }),
    await m1.create('attendance.out', { person: 'm1' }),
    await m1.create('attendance.in', { person: 'm1', place: 'onsite' }),
  ];
  return { c, m1, chair, own };
}

describe('SEC-1 tamper evidence at the reader', () => {
  it('SEC-1 a dropped envelope shows as a gap and nothing after it is applied', async () => {
    const { chair, own } = await memberWithThreeEntries();
    await chair.receive([own[0]!.wire, own[2]!.wire]);
    const gaps = chair.integrity().gaps;
    expect(gaps).toEqual([{ doc: 'public', author: toHex(own[0]!.author), have: 1, next: 3 }]);
    expect(chair.state.attendance['m1']?.place).toBe('remote');
    await chair.receive([own[1]!.wire]);
    expect(chair.integrity().gaps).toEqual([]);
    expect(chair.state.attendance['m1']).toMatchObject({ present: true, place: 'onsite' });
  });

  it('SEC-1 reordering changes nothing: any arrival order gives the same state', async () => {
    const { c, m1, chair, own } = await memberWithThreeEntries();
    await sync(m1, chair);
    const reordered = await c.join('m2');
    await reordered.receive([...own].reverse().map((e) => e.wire));
    expect(stateHash(reordered.state)).toBe(stateHash(chair.state));
    expect(reordered.integrity().gaps).toEqual([]);
  });

  it('SEC-1 a forged envelope (changed payload or unknown key) is rejected, shown and never applied', async () => {
    const { c, chair, own } = await memberWithThreeEntries();
    const forged = own[0]!.wire.slice();
    const text = new TextDecoder().decode(forged);
    const at = text.indexOf('remote');
    forged.set(new TextEncoder().encode('onsite'), at);
    const before = stateHash(chair.state);
    const r1 = await chair.receive([forged]);
    expect(r1.rejected[0]?.reason).toBe('bad signature');

    const mallory = await signerFromSeed(new Uint8Array(32).fill(99));
    const fake = await envelope.sign(
      { ...own[0]!, author: mallory.publicKey, deps: [], seq: 1, prev: envelope.ZERO_HASH },
      mallory,
    );
    const r2 = await chair.receive([fake.wire]);
    expect(r2.rejected[0]?.reason).toMatch(/unknown device/);

    // A certificate signed by another key than the tenant's is not trusted either.
    const cert = await issue({ ...c.devices['m1']!.cert.body, device: toHex(mallory.publicKey), person: 'chair', roles: ['chair'] }, mallory);
    expect(await chair.directory.add(cert)).toBe(false);

    expect(stateHash(chair.state)).toBe(before);
    expect(chair.integrity().invalid.map((x) => x.reason)).toEqual(['bad signature', 'unknown device (no certificate)']);
  });

  it('SEC-1 a replayed envelope is harmless, and one replayed into another meeting is refused', async () => {
    const { c, m1, chair } = await memberWithThreeEntries();
    await sync(m1, chair);
    const hash = stateHash(chair.state);
    const size = chair.log.size;
    await chair.receive(m1.envelopes().map((e) => e.wire));
    expect(chair.log.size).toBe(size);
    expect(stateHash(chair.state)).toBe(hash);

    const other = new Replica({ tenant: 'testtown', meeting: 'm2', tenantKey: c.tenantKey, docs: ['public', 'members'] });
    await other.addCerts(c.certs);
    const r = await other.receive(m1.envelopes().map((e) => e.wire));
    expect(r.accepted).toEqual([]);
    expect(r.rejected.every((x) => x.reason === 'wrong tenant or meeting')).toBe(true);
  });

  it('SEC-1 a forked chain (two entries for one seq) is shown and neither branch is applied', async () => {
    const { c, m1, chair, own } = await memberWithThreeEntries();
    // The same device key used from a restored backup: a second, different seq 2.
    const twin = await c.join('m1');
    await twin.receive([own[0]!.wire]);
    const other = await twin.create('attendance.in', { person: 'm1', place: 'onsite' });
    expect(other.seq).toBe(2);
    await sync(m1, chair);
    expect(chair.state.attendance['m1']).toMatchObject({ present: true, place: 'onsite' });
    await chair.receive([other.wire]);
    const forks = chair.integrity().forks;
    expect(forks).toHaveLength(1);
    expect(forks[0]).toMatchObject({ doc: 'public', author: toHex(own[0]!.author), seq: 2 });
    expect(forks[0]!.ids.sort()).toEqual([own[1]!.id, other.id].sort());
    // From the fork on, nothing of that chain is applied: only the check-in at seq 1 stands.
    expect(chair.state.attendance['m1']).toMatchObject({ present: true, place: 'remote' });
  });

  it('SEC-1 withholding every envelope of one device is detected by the victim and by the others', async () => {
    const { c, m1, chair } = await memberWithThreeEntries();
    const m2 = await c.join('m2');
    // The relay forwards everything but m1's envelopes: m2 and chair exchange, m1 only receives.
    await chair.create('session.open', {});
    await sync(chair, m2);
    await sync(chair, m1);
    c.time.advance(5000);
    // Beacons: m2 and chair say what they hold; neither covers m1's entries.
    await m1.receiveBeacon(await m2.makeBeacon());
    await m1.receiveBeacon(await chair.makeBeacon());
    c.time.advance(2000);
    await m1.receiveBeacon(await m2.makeBeacon());
    const victim = m1.integrity().unacknowledged;
    expect(victim.length).toBe(3);

    // If one beacon of m1 gets through (or any device that holds m1's entries speaks), the others see
    // entries claimed that they never received.
    await chair.receiveBeacon(await m1.makeBeacon());
    c.time.advance(2000);
    const withheld = chair.integrity().withheld;
    expect(withheld).toContainEqual({ doc: 'public', author: toHex(c.devices['m1']!.signer.publicKey), claimed: 3, have: 0, reporter: toHex(c.devices['m1']!.signer.publicKey) });

    // Once the entries arrive, both warnings clear.
    await sync(m1, chair);
    expect(chair.integrity().withheld).toEqual([]);
    await m1.receiveBeacon({ ...(await chair.makeBeacon()) });
    expect(m1.integrity().unacknowledged).toEqual([]);
  });

  it('DIS-5 an entry counts as handed to a device only by that device\'s own valid beacon covering it: not by the author\'s own, a forged one, or one that covers less', async () => {
    const { c, m1, chair, own } = await memberWithThreeEntries();
    const m2 = await c.join('m2');
    const key = (p: string) => toHex(c.devices[p]!.signer.publicKey);
    await sync(m1, chair); // the chair holds all three
    await m2.receive([own[0]!.wire]); // m2 only the first
    await m1.receiveBeacon(await m1.makeBeacon());
    const forged = await chair.makeBeacon();
    expect(await m1.receiveBeacon({ ...forged, at: forged.at + 1 })).toBe(false);
    expect(own.map((e) => m1.holders(e.id))).toEqual([[], [], []]);
    c.time.advance(1000);
    await m1.receiveBeacon(await m2.makeBeacon());
    expect(own.map((e) => m1.holders(e.id))).toEqual([[key('m2')], [], []]);
    await m1.receiveBeacon(await chair.makeBeacon());
    expect(own.map((e) => m1.holders(e.id))).toEqual([[key('chair'), key('m2')].sort(), [key('chair')], [key('chair')]]);
    expect(m1.holders('00'.repeat(32))).toEqual([]); // an entry this device does not hold
    // At another reader, the author's beacon says nothing about who else holds its entries.
    await chair.receiveBeacon(await m1.makeBeacon());
    expect(chair.holders(own[0]!.id)).toEqual([]);
    await chair.receiveBeacon(await m2.makeBeacon());
    expect(chair.holders(own[0]!.id)).toEqual([key('m2')]);
    // Who is alive without a relay's list: whose valid beacon arrived since a time (the forged one named no one).
    expect(m1.heardFrom(0)).toEqual([key('chair'), key('m2')].sort());
    c.time.advance(1000);
    expect(m1.heardFrom(c.time.now())).toEqual([]);
  });

  it('SEC-1 an entry arriving over several paths at once has its signature checked once; a forged copy is refused on every path', async () => {
    const { c, m1, own } = await memberWithThreeEntries();
    const checked: string[] = [];
    const slowVerify = async (envs: envelope.Envelope[]) => {
      checked.push(...envs.map((e) => e.id));
      await new Promise((ok) => setTimeout(ok, 20)); // the other paths' frames arrive meanwhile
      return Promise.all(envs.map((e) => envelope.verifySignature(e)));
    };
    const r = new Replica({ tenant: 'testtown', meeting: 'm1', tenantKey: c.tenantKey, docs: ['public', 'members'], now: c.time.now, verify: slowVerify });
    await r.addCerts(c.certs);
    const wires = m1.envelopes().map((e) => e.wire);
    const forged = Uint8Array.from(own[2]!.wire);
    forged[forged.length - 1]! ^= 1; // another signature: another id, and not the author's
    const results = await Promise.all([r.receive([...wires, forged]), r.receive([...wires, forged]), r.receive([forged, ...wires])]);
    expect(checked.length).toBe(wires.length + 1);
    expect(new Set(checked).size).toBe(checked.length);
    const ids = m1.envelopes().map((e) => e.id).sort();
    for (const res of results) {
      expect([...res.held].sort()).toEqual(ids);
      expect(res.rejected.map((x) => x.reason)).toEqual(['bad signature']);
    }
    expect(results.flatMap((x) => x.accepted).sort()).toEqual(ids);
    expect(stateHash(r.state)).toBe(stateHash(m1.state));
  });

  it('SEC-1 a forged beacon is ignored', async () => {
    const { chair, m1 } = await memberWithThreeEntries();
    const b = await m1.makeBeacon();
    expect(await chair.receiveBeacon({ ...b, at: b.at + 1 })).toBe(false);
    expect(await chair.receiveBeacon({ ...b, tenant: 'elsewhere' })).toBe(false);
    expect(await chair.receiveBeacon(b)).toBe(true);
  });

  it('SEC-1 DIS-5 a beacon not newer than the one held is ignored (a forged copy too), and beacons wake no transport', async () => {
    const { chair, m1 } = await memberWithThreeEntries();
    let changes = 0;
    let logChanges = 0;
    chair.onChange(() => changes++);
    chair.onLogChange(() => logChanges++);
    const b = await m1.makeBeacon();
    expect(await chair.receiveBeacon(b)).toBe(true);
    expect([changes, logChanges]).toEqual([1, 0]);
    // The chair's heads arrive over every link: the same one again, or one with its frontier changed, is no news.
    expect(await chair.receiveBeacon(b)).toBe(false);
    expect(await chair.receiveBeacon({ ...b, frontier: { public: { ...b.frontier.public, [b.author]: 99 } } })).toBe(false);
    expect(chair.heldBeacons()).toEqual([b]);
    expect([changes, logChanges]).toEqual([1, 0]);
    await chair.receive(m1.envelopes().map((e) => e.wire));
    expect(logChanges).toBe(1);
  });

  it('SEC-1 a dependency the relay never delivers is shown as dangling and blocks the entry', async () => {
    const { c, m1, chair } = await memberWithThreeEntries();
    const m2 = await c.join('m2');
    await sync(m1, m2);
    const seen = await m2.create('attendance.in', { person: 'm2', place: 'remote' });
    // chair gets m2's entry, but none of m1's entries it depends on.
    await chair.receive([seen.wire]);
    const dangling = chair.integrity().danglingDeps;
    expect(dangling).toHaveLength(1);
    expect(dangling[0]!.entry).toBe(seen.id);
    expect(chair.state.attendance['m2']?.present ?? false).toBe(false);
    await sync(m1, chair);
    expect(chair.integrity().danglingDeps).toEqual([]);
    expect(chair.state.attendance['m2']?.present).toBe(true);
  });
});
