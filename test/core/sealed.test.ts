/**
 * End-to-end encryption of members' content in the fold (core/sealed.ts, core/keyring.ts, core/rules/keys.ts,
 * core/key-duty.ts): real replicas with real keys, entries passed between them as wire bytes.
 */
import * as Y from 'yjs';
import { describe, expect, it } from 'vitest';
import { fromUtf8, toHex, utf8 } from '../../crypto/bytes.js';
import { type Cert, issue, type Role } from '../../crypto/cert.js';
import { signerFromSeed } from '../../crypto/ed25519.js';
import * as envelope from '../../crypto/envelope.js';
import { dhFromSeed } from '../../crypto/seal.js';
import { keyDuty } from '../../core/key-duty.js';
import { Replica } from '../../core/replica.js';
import { keyOf } from '../../core/sealed.js';
import { stateHash } from '../../core/state.js';

const T0 = 1_795_000_000_000;
const MARKER = 'GEHEIM-7f3a';
const seed = (n: number) => new Uint8Array(32).fill(n);
const PEOPLE: { person: string; roles: Role[] }[] = [
  { person: 'admin', roles: ['admin'] },
  { person: 'chair', roles: ['chair', 'member'] },
  { person: 'm1', roles: ['member'] },
  { person: 'm2', roles: ['member'] },
  { person: 'm3', roles: ['member'] },
];

async function council(opts: { dhFor?: (person: string) => boolean } = {}) {
  const admin = await signerFromSeed(seed(200));
  const certs: Cert[] = [];
  for (const [i, p] of PEOPLE.entries()) {
    const signer = await signerFromSeed(seed(i + 1));
    const dh = opts.dhFor?.(p.person) === false ? {} : { dh: toHex(dhFromSeed(seed(i + 1)).publicKey) };
    certs.push(await issue({ v: 1, tenant: 't', person: p.person, name: p.person, device: toHex(signer.publicKey), ...dh, roles: p.roles, bodies: ['bv'], notBefore: 0, notAfter: T0 * 2 }, admin));
  }
  let t = T0;
  const now = () => (t += 10);
  const replica = async (person: string | null, withDh = true) => {
    const i = PEOPLE.findIndex((p) => p.person === person);
    const r = new Replica({
      tenant: 't', meeting: 'm', tenantKey: admin.publicKey, docs: person ? ['public', 'members'] : ['public'], now,
      ...(person ? { signer: await signerFromSeed(seed(i + 1)), ...(withDh ? { dh: dhFromSeed(seed(i + 1)) } : {}) } : {}),
    });
    await r.addCerts(certs);
    return r;
  };
  const a = await replica('admin');
  await a.create('meeting.setup', {
    body: { id: 'bv', name: 'BV', type: 'bezirksvertretung', statutoryMembers: 4 },
    factions: [],
    persons: PEOPLE.filter((p) => p.person !== 'admin').map((p) => ({ id: p.person, name: p.person, faction: null, voting: true })),
    meeting: { id: 'm', title: 'Sitzung', start: T0, place: 'Rathaus', sealed: true },
  });
  const sync = async (...rs: Replica[]) => {
    for (let round = 0; round < 2; round++)
      for (const from of rs) for (const to of rs) if (from !== to) await to.receive(from.envelopes().filter((e) => to.docs.includes(e.doc as 'public')).map((e) => e.wire));
  };
  return { a, replica, sync, certs };
}

function agendaUpdate(title: string): Uint8Array {
  const y = new Y.Doc();
  const m = new Y.Map<unknown>();
  y.getArray<Y.Map<unknown>>('agenda').push([m]);
  m.set('id', 'n1');
  m.set('no', '6');
  m.set('title', title);
  m.set('public', false);
  return Y.encodeStateAsUpdate(y);
}

const contains = (bytes: Uint8Array, s: string) => Buffer.from(bytes).includes(Buffer.from(utf8(s)));

describe('sealed members\' content in the fold', () => {
  it('PUB-5 the meeting key is made and wrapped by the setup\'s device, members\' entries are sealed, and every key holder folds the same state', async () => {
    const { a, replica, sync } = await council();
    expect(await keyDuty(a, new Set(), T0)).toBe(PEOPLE.length); // one wrap per device of the body, its own included
    await a.createY(agendaUpdate(`Grundstück ${MARKER}`), 'members');
    const [chair, m1, pub] = [await replica('chair'), await replica('m1'), await replica(null)];
    await sync(a, chair, m1, pub);
    for (const e of a.envelopes().filter((x) => x.doc === 'members' && x.kind !== 'keys.wrap')) {
      expect(keyOf(envelope.decode(e.wire).payload)).toBe(a.state.e2e.keys[0]!.id); // as on the wire
      expect(contains(e.payload, MARKER)).toBe(true); // as the key holder reads it
      expect(contains(e.wire, MARKER)).toBe(false);
      expect(await envelope.verifySignature(envelope.decode(e.wire))).toBe(true); // the signature covers the ciphertext
    }
    expect(chair.state.agenda.find((i) => i.id === 'n1')?.title).toBe(`Grundstück ${MARKER}`);
    expect(stateHash(m1.state)).toBe(stateHash(chair.state));
    expect(pub.state.agenda.find((i) => i.id === 'n1')).toBeUndefined();
    expect(chair.state.rejected).toEqual([]);
  });

  it('PUB-5 a device without the key folds what it can and lists the sealed entries, losing none and rejecting none', async () => {
    const { a, replica, sync } = await council();
    await keyDuty(a, new Set(), T0);
    await a.createY(agendaUpdate(`Titel ${MARKER}`), 'members');
    const blind = await replica('m2', false); // holds no X25519 key: gets no key
    await sync(a, blind);
    expect(blind.log.size).toBe(a.log.size);
    expect(blind.state.rejected).toEqual([]);
    expect(blind.state.e2e.unreadable.map((u) => u.kind)).toEqual(['y']);
    expect(blind.state.agenda.find((i) => i.id === 'n1')).toBeUndefined();
  });

  it('PUB-5 every device rejects a members\' entry in clear, and one sealed under a key no wrap created', async () => {
    const { a, replica, sync } = await council();
    await keyDuty(a, new Set(), T0);
    const chair = await replica('chair');
    await sync(a, chair);
    // A device that does not seal: its signed clear entry, made by hand, is refused by the fold of every device.
    const signer = await signerFromSeed(seed(3));
    const clear = await envelope.sign({ tenant: 't', meeting: 'm', doc: 'members', author: signer.publicKey, seq: 1, prev: envelope.ZERO_HASH, deps: chair.log.heads(['public', 'members']), hlc: { wall: T0 + 100_000, counter: 0 }, kind: 'conflict.declare', payload: utf8('{"item":"n1","person":"m1"}') }, signer);
    await chair.receive([clear.wire]);
    expect(chair.state.rejected.map((r) => r.reason)).toEqual(["conflict.declare: a members' entry of a sealed meeting must be sealed"]);
  });

  it('BEF-1 the chair\'s device makes a key for the current non-public item and wraps it for nobody with a conflict on it; a wrap for them is rejected', async () => {
    const { a, replica, sync } = await council();
    await keyDuty(a, new Set(), T0);
    await a.createY(agendaUpdate('Vergabe'), 'members');
    const [chair, m1, m2] = [await replica('chair'), await replica('m1'), await replica('m2')];
    await sync(a, chair, m1, m2);
    await m1.create('conflict.declare', { person: 'm1', item: 'n1' }, 'members');
    await sync(chair, m1, m2);
    await chair.create('conflict.confirm', { person: 'm1', item: 'n1', confirmed: true }, 'members');
    await chair.create('session.open', {});
    await chair.create('item.current', { item: 'n1' }, 'members');
    const attempted = new Set<string>();
    await keyDuty(chair, attempted, T0);
    const itemKey = chair.state.e2e.keys.find((k) => k.item === 'n1')!;
    expect(itemKey.by).toBe('chair');
    const wrapsTo = chair.state.e2e.wraps.filter((w) => w.key === itemKey.id).map((w) => w.person).sort();
    expect(wrapsTo).toEqual(['admin', 'chair', 'm2', 'm3']);
    await chair.create('vote.open', { vote: 'v1', item: 'n1', title: `Vergabe an ${MARKER}`, mode: 'open' }, 'members');
    await sync(chair, m1, m2);
    expect(m2.state.votes.find((v) => v.id === 'v1')?.title).toBe(`Vergabe an ${MARKER}`);
    expect(m1.keyring!.has(itemKey.id)).toBe(false);
    expect(m1.state.votes.find((v) => v.id === 'v1')).toBeUndefined();
    expect(m1.state.e2e.unreadable.map((u) => u.kind)).toContain('vote.open');
    // A device that wraps the item key for the conflicted member anyway: every device rejects that wrap.
    const m1Device = toHex((await signerFromSeed(seed(3))).publicKey);
    await chair.create('keys.wrap', chair.keyring!.wrapFor(chair.keyring!.get(itemKey.id)!, 'n1', m1Device, toHex(dhFromSeed(seed(3)).publicKey)), 'members');
    await sync(chair, m2);
    expect(m2.state.rejected.map((r) => r.reason)).toEqual(["keys.wrap: 'm1' has a conflict of interest on item 'n1'"]);
  });

  it('BEF-1 a conflict declared after the item key was made: the chair\'s device makes a new item key without them', async () => {
    const { a, replica, sync } = await council();
    await keyDuty(a, new Set(), T0);
    await a.createY(agendaUpdate('Vergabe'), 'members');
    const [chair, m1] = [await replica('chair'), await replica('m1')];
    await sync(a, chair, m1);
    await chair.create('session.open', {});
    await chair.create('item.current', { item: 'n1' }, 'members');
    const attempted = new Set<string>();
    await keyDuty(chair, attempted, T0);
    const first = chair.state.e2e.keys.find((k) => k.item === 'n1')!.id;
    await sync(chair, m1);
    void m1.state; // a replica learns keys when it folds
    expect(m1.keyring!.has(first)).toBe(true);
    await m1.create('conflict.declare', { person: 'm1', item: 'n1' }, 'members');
    await sync(chair, m1);
    await keyDuty(chair, attempted, T0); // an undecided conflict already keeps the key from them
    expect(chair.state.rejected).toEqual([]);
    const keys = chair.state.e2e.keys.filter((k) => k.item === 'n1');
    expect(keys.length).toBe(2);
    await sync(chair, m1);
    void m1.state;
    expect(m1.keyring!.has(keys[1]!.id)).toBe(false);
    await chair.create('vote.open', { vote: 'v1', item: 'n1', title: 'Vergabe', mode: 'open' }, 'members');
    const sealed = chair.envelopes().find((e) => e.kind === 'vote.open')!;
    expect(keyOf(envelope.decode(sealed.wire).payload)).toBe(keys[1]!.id);
  });

  it('PUB-5 one changed byte of a sealed payload breaks the signature; a wrap moved to another device does not open', async () => {
    const { a } = await council();
    await keyDuty(a, new Set(), T0);
    await a.createY(agendaUpdate('x'), 'members');
    const e = a.envelopes().find((x) => x.kind === 'y' && x.doc === 'members')!;
    const w = e.wire.slice();
    w[w.length - 70]! ^= 1;
    expect(await envelope.verifySignature(envelope.decode(w))).toBe(false);
    const wrap = a.envelopes().find((x) => x.kind === 'keys.wrap')!;
    expect(fromUtf8(wrap.payload)).toMatch(/"ct":"[0-9a-f]{96}"/);
  });
});
