/**
 * Story helpers over real replicas: `smallCouncil()` gives a tenant with an admin, a chair, voting
 * members and an advisory member, each with a certified device, and `join(person)` gives a replica for
 * that person's device that already holds the meeting setup and agenda.
 */
import * as Y from 'yjs';
import { toHex } from '../../crypto/bytes.js';
import { type Cert, type Role, issue } from '../../crypto/cert.js';
import { type Signer, signerFromSeed } from '../../crypto/ed25519.js';
import type { DocName } from '../../core/entries.js';
import { Replica } from '../../core/replica.js';

export const T0 = 1_795_000_000_000;

export interface Device {
  person: string;
  name: string;
  roles: Role[];
  signer: Signer;
  cert: Cert;
}

const seedOf = (n: number): Uint8Array => new Uint8Array(32).fill(n);

/** A controllable clock shared by a test's replicas. */
export function clock(start = T0) {
  let t = start;
  return { now: () => t, advance: (ms: number) => (t += ms) };
}

export async function smallCouncil(opts: { members?: number } = {}) {
  const members = opts.members ?? 5;
  const admin = await signerFromSeed(seedOf(200));
  const tenantKey = admin.publicKey;
  const people: { person: string; name: string; roles: Role[]; faction: string | null; voting: boolean }[] = [
    { person: 'admin', name: 'Verwaltung', roles: ['admin'], faction: null, voting: false },
    { person: 'chair', name: 'Bezirksbürgermeisterin', roles: ['chair', 'member'], faction: 'f1', voting: true },
    ...Array.from({ length: members - 1 }, (_, i) => ({
      person: `m${i + 1}`,
      name: `Mitglied ${i + 1}`,
      roles: ['member'] as Role[],
      faction: i % 2 === 0 ? 'f1' : 'f2',
      voting: true,
    })),
    { person: 'adv', name: 'Beratendes Mitglied', roles: ['advisory'], faction: null, voting: false },
  ];
  const devices: Record<string, Device> = {};
  for (const [i, p] of people.entries()) {
    const signer = await signerFromSeed(seedOf(i + 1));
    const cert = await issue(
      { v: 1, tenant: 'testtown', person: p.person, name: p.name, device: toHex(signer.publicKey), roles: p.roles, bodies: ['bv'], notBefore: 0, notAfter: T0 * 2 },
      admin,
    );
    devices[p.person] = { person: p.person, name: p.name, roles: p.roles, signer, cert };
  }
  const certs = Object.values(devices).map((d) => d.cert);
  const time = clock();

  async function replica(person: string | null, docs: DocName[] = ['public', 'members']): Promise<Replica> {
    const signer = person ? devices[person]!.signer : undefined;
    const r = new Replica({ tenant: 'testtown', meeting: 'm1', tenantKey, docs, signer, now: time.now, graceMs: 1000 });
    await r.addCerts(certs);
    return r;
  }

  // The setup every test starts from: meeting.setup by the admin, agenda by the chair.
  const setupReplica = await replica('admin');
  await setupReplica.create('meeting.setup', {
    body: { id: 'bv', name: 'Bezirksvertretung Test', type: 'bezirksvertretung', statutoryMembers: members },
    factions: [
      { id: 'f1', name: 'Fraktion Eins' },
      { id: 'f2', name: 'Fraktion Zwei' },
    ],
    persons: people
      .filter((p) => p.person !== 'admin')
      .map((p) => ({ id: p.person, name: p.name, faction: p.faction, voting: p.voting })),
    meeting: { id: 'm1', title: 'Sitzung', start: T0, place: 'Rathaus' },
  });
  const chairSetup = await replica('chair');
  await chairSetup.receive(setupReplica.envelopes().map((e) => e.wire));
  const agenda = {
    public: [
      { id: 'i1', no: '1', title: 'Eröffnung', public: true },
      { id: 'i2', no: '2', title: 'Radweg', public: true },
    ],
    members: [{ id: 'i3', no: '3', title: 'Grundstücksangelegenheit', public: false }],
  } as const;
  for (const doc of ['public', 'members'] as const) {
    const ydoc = new Y.Doc();
    const arr = ydoc.getArray<Y.Map<unknown>>('agenda');
    for (const item of agenda[doc]) {
      const m = new Y.Map<unknown>();
      for (const [k, v] of Object.entries(item)) m.set(k, v);
      arr.push([m]);
    }
    await chairSetup.createY(Y.encodeStateAsUpdate(ydoc), doc);
  }
  const setup = chairSetup.envelopes();

  /** A replica for a person (null: the public) that already holds the setup of the docs it may read. */
  async function join(person: string | null, docs: DocName[] = person ? ['public', 'members'] : ['public']): Promise<Replica> {
    const r = await replica(person, docs);
    await r.receive(setup.filter((e) => docs.includes(e.doc as DocName)).map((e) => e.wire));
    return r;
  }

  return { tenantKey, admin, devices, certs, time, join, replica };
}

/** Deliver everything `from` holds that `to` lacks and may read (what an honest relay does). */
export async function sync(from: Replica, to: Replica): Promise<void> {
  const wires = from
    .missingFor(to.frontier())
    .filter((e) => to.docs.includes(e.doc as DocName))
    .map((e) => e.wire);
  await to.receive(wires);
}
