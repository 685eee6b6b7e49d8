/**
 * SEC-1 end to end: real devices sync through a malicious relay (test/helpers/evil-relay.ts) in front of
 * the real one. Whatever it does (drop, reorder, forge, replay, split the views, withhold one device), the
 * devices detect and report it in integrity(), and nothing forged is ever applied.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { fromHex, toHex } from '../../crypto/bytes.js';
import * as envelope from '../../crypto/envelope.js';
import { signerFromSeed } from '../../crypto/ed25519.js';
import { stateHash } from '../../core/state.js';
import type { Demo } from '../../relay/demo.js';
import { evilRelay, type Tamper } from '../helpers/evil-relay.js';
import { cleanup, demoRelay, device, type NodeDevice, online, until } from '../helpers/relay.js';
import { seededRandom } from '../helpers/random.js';

const stops: (() => unknown)[] = [];
afterEach(async () => {
  for (const s of stops.splice(0).reverse()) await s();
});

const keyOf = async (demo: Demo, person: string) => toHex((await signerFromSeed(fromHex(demo.devices.find((d) => d.person === person)!.seed, 32))).publicKey);
const authorOf = (w: Uint8Array) => toHex(envelope.decode(w).author);

/** Chair (m01) and two members behind a malicious relay; an honest observer connects to the real relay. */
async function behind(tamper: (ctx: { demo: Demo; chairKey: string }) => Tamper) {
  const { relay, demo, dataDir, wsUrl } = await demoRelay();
  const chairKey = await keyOf(demo, 'm01');
  const evil = await evilRelay(wsUrl, tamper({ demo, chairKey }));
  stops.push(() => cleanup(dataDir), () => relay.close(), () => evil.close());
  const via = (person: string, urls = [evil.url]) => device(demo, person, urls, { graceMs: 600, beaconMs: 150 });
  const [chair, m2, m3] = [await via('m01'), await via('m02'), await via('m03')];
  const honest = await via('m04', [wsUrl]);
  const all = [chair, m2, m3, honest];
  stops.push(() => all.forEach((d) => d.client.stop()));
  await Promise.all(all.map(online));
  return { demo, chair, m2, m3, honest, all };
}

async function chairRunsASession(chair: NodeDevice) {
  await chair.replica.create('attendance.in', { person: 'm01', place: 'onsite' });
  await chair.replica.create('session.open', {});
  await chair.replica.create('item.current', { item: 'top3' });
  await chair.replica.create('vote.open', { vote: 'v1', item: 'top3', title: 'Radverkehr', mode: 'open' });
}


describe('SEC-1 against a malicious relay', () => {
  it('SEC-1 forged envelopes are rejected by every reader, shown, and never applied', async () => {
    const { chair, m2, honest } = await behind(({ chairKey }) => ({
      down: (wires, link) =>
        link.index === 1
          ? wires.map((w) => {
              if (authorOf(w) !== chairKey) return w;
              const f = w.slice();
              f[f.length - 70]! ^= 0x20; // a payload byte
              return f;
            })
          : wires,
    }));
    await chairRunsASession(chair);
    await until(() => honest.replica.state.votes.length === 1, 'the honest member sees the vote');
    await until(() => m2.replica.integrity().invalid.length >= 4, 'm2 reports the forgeries');
    expect(new Set(m2.replica.integrity().invalid.map((i) => i.reason))).toEqual(new Set(['bad signature']));
    expect(m2.replica.state.session).toBe('scheduled');
    expect(m2.replica.state.votes).toEqual([]);
  });

  it('SEC-1 a dropped envelope is a visible gap, and nothing after it is applied', async () => {
    let dropped = false;
    const { chair, m2, demo } = await behind(({ chairKey }) => ({
      down: (wires, link) =>
        wires.filter((w) => {
          const e = envelope.decode(w);
          if (link.index !== 1 || dropped || toHex(e.author) !== chairKey || e.kind !== 'session.open') return true;
          dropped = true;
          return false;
        }),
    }));
    await chairRunsASession(chair);
    await until(() => m2.replica.integrity().gaps.length === 1, 'm2 reports the gap');
    expect(m2.replica.integrity().gaps[0]).toMatchObject({ doc: 'public', author: await keyOf(demo, 'm01'), have: 1 });
    expect(m2.replica.state.session).toBe('scheduled');
    expect(m2.replica.state.currentItem).toBe(null);
    expect(m2.replica.state.votes).toEqual([]);
  });

  it('SEC-1 reordering and replaying change nothing: everyone converges to the honest state', async () => {
    const seen: Uint8Array[] = [];
    const seed = Number(process.env.TAMPER_SEED ?? 20261201);
    console.log(`reordering relay: TAMPER_SEED=${seed}`);
    const random = seededRandom(seed).next;
    const { chair, m2, m3, honest } = await behind(() => ({
      down: async (wires) => {
        seen.push(...wires);
        await new Promise((r) => setTimeout(r, random() * 30));
        return [...wires].reverse().concat(seen.slice(0, 20)); // reversed, plus old envelopes again
      },
    }));
    await chairRunsASession(chair);
    await m2.replica.create('attendance.in', { person: 'm02', place: 'remote' });
    await m3.replica.create('attendance.in', { person: 'm03', place: 'remote' });
    await until(() => honest.replica.state.quorum.present === 3, 'honest member sees three present');
    await until(() => [chair, m2, m3].every((d) => stateHash(d.replica.state) === stateHash(honest.replica.state)), 'all converge');
    for (const d of [chair, m2, m3]) {
      expect(d.replica.log.size).toBe(honest.replica.log.size);
      expect(d.replica.integrity()).toMatchObject({ forks: [], gaps: [], danglingDeps: [], invalid: [] });
    }
  });

  it('SEC-1 a relay that splits the members into two views (one kept from the chair\'s entries) is detected by the member kept out', async () => {
    const withheldFromM3: string[] = [];
    const { chair, m2, m3 } = await behind(({ chairKey }) => ({
      // m03 (link 2) never gets the chair's entries, though beacons still pass.
      down: (wires, link) => {
        if (link.index !== 2) return wires;
        for (const w of wires) if (authorOf(w) === chairKey) withheldFromM3.push(envelope.decode(w).kind);
        return wires.filter((w) => authorOf(w) !== chairKey);
      },
    }));
    await chairRunsASession(chair);
    await until(() => m2.replica.state.votes.length === 1, 'm2 sees the vote');
    await until(() => withheldFromM3.includes('vote.open'), 'the relay has kept the vote from m3');
    await until(() => m3.replica.integrity().withheld.some((w) => w.claimed > w.have), 'm3 learns from beacons that entries are withheld');
    expect(m3.replica.state.votes).toEqual([]);
  });

  it('SEC-1 withholding every envelope of one device (with fake acknowledgements) is detected by the victim', async () => {
    let victim = '';
    const { m3, chair } = await behind(({ demo }) => {
      void keyOf(demo, 'm03').then((k) => (victim = k));
      return {
        up: (wires, link) => (link.device === victim ? { forward: [], fakeAck: wires.map((w) => envelope.decode(w).id) } : { forward: wires }),
        upControl: (t, link) => !(link.device === victim && t === 'beacon'),
      };
    });
    await chair.replica.create('session.open', {});
    await m3.replica.create('attendance.in', { person: 'm03', place: 'remote' });
    await until(() => m3.client.status === 'online', 'victim believes it is online (fake acks)');
    await until(() => m3.replica.integrity().unacknowledged.length > 0, 'victim sees its entry unacknowledged', 8000);
    expect(chair.replica.state.attendance['m03']?.present ?? false).toBe(false);
  });

  it('SEC-1 withholding one device while its beacons pass is detected by every other device', async () => {
    let victim = '';
    const { m3, chair, honest } = await behind(({ demo }) => {
      void keyOf(demo, 'm03').then((k) => (victim = k));
      return { up: (wires, link) => (link.device === victim ? { forward: [], fakeAck: wires.map((w) => envelope.decode(w).id) } : { forward: wires }) };
    });
    await m3.replica.create('attendance.in', { person: 'm03', place: 'remote' });
    await until(() => chair.replica.integrity().withheld.some((w) => w.author === victim), 'chair detects withheld entries of m03', 8000);
    await until(() => honest.replica.integrity().withheld.some((w) => w.author === victim), 'the honest member too', 8000);
  });
});
