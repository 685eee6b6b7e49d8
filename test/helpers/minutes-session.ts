/**
 * A whole session for the minutes (MIN-2, VOTE-5), played on real replicas of each person's device: a hybrid
 * Bezirksvertretung under the Hauptsatzung clause with names outside Latin-1, open, roll-call and secret votes,
 * an election with a run-off and a lot, a postal result, a non-public part, a conflict, the chair's orders, a
 * recording and the minute-taker's draft texts (Y.Map('minutes') in the members document).
 *
 *   const s = await minutesSession();
 *   s.chair.state, s.chair.log.ordered(), await s.record()
 */
import * as Y from 'yjs';
import { randomBytes, toHex } from '../../crypto/bytes.js';
import { type Cert, type Role, issue } from '../../crypto/cert.js';
import { signerFromSeed, type Signer } from '../../crypto/ed25519.js';
import { keyStep, lotStep, partialStep, secretBallot } from '../../core/duties.js';
import type { DocName } from '../../core/entries.js';
import { makeExport } from '../../core/export.js';
import { Replica } from '../../core/replica.js';
import { clock, sync, T0 } from './replicas.js';

export const TENANT = 'testtown';
export const MEETING = 'm1';
const REF = `${TENANT}/${MEETING}`;

export const PEOPLE: { person: string; name: string; roles: Role[]; faction: string | null; voting: boolean }[] = [
  { person: 'admin', name: 'Verwaltung', roles: ['admin'], faction: null, voting: false },
  { person: 'chair', name: 'Anna Schmitz', roles: ['chair', 'member'], faction: 'f1', voting: true },
  { person: 'm1', name: 'Łukasz Kowalski', roles: ['member'], faction: 'f1', voting: true },
  { person: 'm2', name: 'Zeynep Çelik', roles: ['member'], faction: 'f2', voting: true },
  { person: 'm3', name: 'Ğülşen Doğan', roles: ['member'], faction: 'f2', voting: true },
  { person: 'm4', name: 'Peter Hoffmann', roles: ['member'], faction: 'f1', voting: true },
  { person: 'm5', name: 'Jürgen Richter', roles: ['member'], faction: 'f2', voting: true },
  { person: 'm6', name: 'Claudia Klein', roles: ['member'], faction: 'f1', voting: true },
  { person: 'adv', name: 'Sevim Arslan', roles: ['advisory'], faction: null, voting: false },
  { person: 'clerk', name: 'Jana Nowak', roles: ['assistant', 'minutes'], faction: null, voting: false },
];
const VOTERS = ['chair', 'm1', 'm2', 'm3', 'm4', 'm5', 'm6'];

export const DRAFT = {
  'item:i2': 'Łukasz Kowalski begründet den Antrag. Ğülşen Doğan erklärt ihre Befangenheit und verlässt den Raum.',
  remarks: 'Die Niederschrift fertigte Jana Nowak.',
};

export async function minutesSession() {
  const admin = await signerFromSeed(new Uint8Array(32).fill(77));
  const time = clock(T0 - 3_600_000);
  const signers: Record<string, Signer> = {};
  const certs: Cert[] = [];
  for (const [i, p] of PEOPLE.entries()) {
    const signer = await signerFromSeed(new Uint8Array(32).fill(100 + i));
    signers[p.person] = signer;
    certs.push(await issue({ v: 1, tenant: TENANT, person: p.person, name: p.name, device: toHex(signer.publicKey), roles: p.roles, bodies: ['bv'], notBefore: 0, notAfter: T0 * 2 }, admin));
  }
  const r: Record<string, Replica> = {};
  for (const p of PEOPLE) {
    r[p.person] = new Replica({ tenant: TENANT, meeting: MEETING, tenantKey: admin.publicKey, docs: ['public', 'members'], signer: signers[p.person], now: time.now, graceMs: 1000 });
    await r[p.person]!.addCerts(certs);
  }
  const pub = new Replica({ tenant: TENANT, meeting: MEETING, tenantKey: admin.publicKey, docs: ['public'], now: time.now });
  await pub.addCerts(certs);
  const chair = r['chair']!;
  const everyone = Object.values(r);
  /** Everyone's entries reach the chair's device, and the chair's whole log reaches everyone (an honest relay). */
  const exchange = async () => {
    for (const x of everyone) if (x !== chair) await sync(x, chair);
    for (const x of everyone) if (x !== chair) await sync(chair, x);
    await sync(chair, pub);
  };
  const act = async (person: string, kind: string, payload: unknown, doc: DocName = 'public') => {
    time.advance(7_000);
    const e = await r[person]!.create(kind as never, payload as never, doc);
    await exchange();
    return e;
  };
  const ballots = async (vote: string, choices: Record<string, string>, doc: DocName = 'public') => {
    for (const [p, choice] of Object.entries(choices)) {
      time.advance(2_000);
      await r[p]!.create('vote.cast', { vote, choice }, doc);
    }
    await exchange();
  };
  const yDoc = async (person: string, doc: DocName, build: (d: Y.Doc) => void) => {
    const d = new Y.Doc();
    build(d);
    time.advance(5_000);
    await r[person]!.createY(Y.encodeStateAsUpdate(d), doc);
    await exchange();
  };
  const seeds: Record<string, Uint8Array> = Object.fromEntries(VOTERS.map((p) => [p, randomBytes(32)]));
  const me = (p: string) => toHex(signers[p]!.publicKey);

  // The administration: the Hauptsatzung clause (§ 58a), the recording setting (DS-3), the setup.
  await act('admin', 'legal.clause', { allowsHybridCommittees: true, adoptedAt: '2026-01-15' });
  await act('admin', 'legal.recording', { allowed: true, storage: 'Rechenzentrum der Stadt', retentionDays: 90 });
  await act('admin', 'meeting.setup', {
    body: { id: 'bv', name: 'Bezirksvertretung Łódź-Süd', type: 'bezirksvertretung', statutoryMembers: 7 },
    factions: [{ id: 'f1', name: 'Fraktion Eins' }, { id: 'f2', name: 'Fraktion Ğ' }],
    persons: PEOPLE.filter((p) => p.person !== 'admin' && p.person !== 'clerk').map((p) => ({ id: p.person, name: p.name, faction: p.faction, voting: p.voting })),
    meeting: { id: MEETING, title: '3. Sitzung', start: T0, place: 'Rathaus, Saal 1', format: 'hybrid' },
  });
  const agenda = (items: { id: string; no: string; title: string; public: boolean }[]) => (d: Y.Doc) => {
    const arr = d.getArray<Y.Map<unknown>>('agenda');
    for (const item of items) {
      const m = new Y.Map<unknown>();
      for (const [k, v] of Object.entries(item)) m.set(k, v);
      arr.push([m]);
    }
  };
  await yDoc('chair', 'public', agenda([
    { id: 'i1', no: '1', title: 'Genehmigung der Tagesordnung', public: true },
    { id: 'i2', no: '2', title: 'Radweg Şehir-Allee', public: true },
    { id: 'i4', no: '4', title: 'Wahl der Schriftführung', public: true },
  ]));
  await yDoc('chair', 'members', agenda([{ id: 'i3', no: '3', title: 'Grundstücksangelegenheit Łąkowa', public: false }]));
  for (const p of ['chair', 'm1', 'm2', 'm3', 'm4', 'm5', 'adv']) await act(p, 'attendance.in', { person: p, place: p === 'm1' || p === 'm2' ? 'onsite' : 'remote' });
  time.advance(3_600_000);
  await act('chair', 'session.open', {});
  await act('chair', 'recording.start', {});

  // TOP 1: an open decision.
  await act('chair', 'item.current', { item: 'i1' });
  await act('chair', 'vote.open', { vote: 'v1', item: 'i1', title: 'Tagesordnung', mode: 'open' });
  await ballots('v1', { chair: 'yes', m1: 'yes', m2: 'no', m3: 'abstain', m4: 'yes', m5: 'yes' });
  await act('chair', 'vote.close', { vote: 'v1' });

  // TOP 2: a conflict, the floor, orders of the chair, a roll-call with a ballot recorded on site, a secret vote.
  await act('chair', 'item.current', { item: 'i2' });
  await act('m3', 'conflict.declare', { person: 'm3', item: 'i2' });
  await act('m6', 'attendance.in', { person: 'm6', place: 'onsite' });
  await act('chair', 'floor.give', { person: 'm1' });
  await act('chair', 'floor.end', {});
  await act('chair', 'media.order', { person: 'm4', media: 'audio', on: false });
  await act('chair', 'participant.remove', { person: 'm5', scope: 'item', reason: 'Störung der Sitzung' });
  await act('chair', 'room.lock', { locked: true });
  await act('chair', 'vote.open', { vote: 'v2', item: 'i2', title: 'Radweg', mode: 'roll-call', rule: 'two-thirds-cast' });
  await ballots('v2', { chair: 'yes', m1: 'yes', m2: 'no', m4: 'yes', m5: 'yes' });
  await act('chair', 'vote.onsite', { vote: 'v2', person: 'm6', choice: 'yes' });
  await act('chair', 'vote.close', { vote: 'v2' });
  await act('chair', 'room.lock', { locked: false });
  await act('chair', 'participant.readmit', { person: 'm5' });
  await act('chair', 'media.order', { person: 'm4', media: 'audio', on: true });
  await act('chair', 'key.setup', { key: 'k1', trustees: ['chair', 'm1', 'm2'], threshold: 2 });
  for (let round = 0; round < 10; round++) {
    let acted = false;
    for (const p of VOTERS) {
      const k = r[p]!.state.keys.find((x) => x.id === 'k1');
      const step = k && keyStep(REF, k, p, me(p), seeds[p]!, [...r[p]!.log.ordered()]);
      if (step) {
        time.advance(1_000);
        await r[p]!.create(step.kind, step.payload as never);
        acted = true;
      }
    }
    await exchange();
    if (!acted) break;
  }
  await act('chair', 'vote.open', { vote: 'v3', item: 'i2', title: 'Zuschuss für den Radweg', mode: 'secret', key: 'k1' });
  for (const [p, choice] of Object.entries({ chair: 'yes', m1: 'yes', m2: 'no', m4: 'yes', m5: 'abstain', m6: 'yes' })) {
    const v = r[p]!.state.votes.find((x) => x.id === 'v3')!;
    const step = secretBallot(REF, r[p]!.state, v, choice, signers[p]!.publicKey);
    time.advance(2_000);
    await r[p]!.create(step.kind, step.payload as never, v.doc);
  }
  await exchange();
  await act('chair', 'vote.close', { vote: 'v3' });
  for (const p of ['chair', 'm1']) {
    const v = r[p]!.state.votes.find((x) => x.id === 'v3')!;
    const step = partialStep(REF, r[p]!.state, v, p, me(p), seeds[p]!, [...r[p]!.log.ordered()]);
    if (!step) throw new Error(`${p} owes no partial decryption`);
    time.advance(1_000);
    await r[p]!.create(step.kind, step.payload as never, v.doc);
  }
  await exchange();

  // TOP 3, non-public: the bare marker for the public, the item for the members, a vote in the members' document.
  await act('chair', 'confidentiality.remind', {});
  for (const p of ['chair', 'm3', 'm4', 'm5', 'adv']) await act(p, 'confidentiality.confirm', { person: p }); // PUB-6: the remote ones
  await act('chair', 'item.current', { item: null, nonPublic: true, no: '3' });
  await act('chair', 'item.current', { item: 'i3' }, 'members');
  await act('chair', 'vote.open', { vote: 'v5', item: 'i3', title: 'Verkauf des Grundstücks', mode: 'open' }, 'members');
  await ballots('v5', { chair: 'yes', m1: 'no', m2: 'yes', m3: 'yes', m4: 'yes', m5: 'no', m6: 'yes' }, 'members');
  await act('chair', 'vote.close', { vote: 'v5' }, 'members');

  // TOP 4, public again: an election without a majority, its run-off tied, a lot; a secret vote moved to postal ballot.
  await act('chair', 'item.current', { item: 'i4' });
  const candidates = [{ id: 'a', name: 'Łukasz Kowalski' }, { id: 'b', name: 'Zeynep Çelik' }, { id: 'c', name: 'Ğülşen Doğan' }];
  await act('chair', 'vote.open', { vote: 'e1', item: 'i4', title: 'Wahl der Schriftführung', mode: 'open', kind: 'election', candidates });
  await ballots('e1', { chair: 'a', m1: 'a', m4: 'a', m2: 'b', m3: 'b', m5: 'c', m6: 'abstain' });
  await act('chair', 'vote.close', { vote: 'e1' });
  await act('chair', 'vote.open', { vote: 'e2', item: 'i4', title: 'Wahl der Schriftführung, Stichwahl', mode: 'open', kind: 'election', runoffOf: 'e1', candidates: candidates.slice(0, 2) });
  await ballots('e2', { chair: 'a', m1: 'a', m2: 'b', m3: 'b', m4: 'abstain' });
  await act('chair', 'vote.close', { vote: 'e2' });
  await act('chair', 'lot.open', { vote: 'e2', drawers: ['chair', 'm2'] });
  const reveals = { chair: randomBytes(32), m2: randomBytes(32) };
  for (let round = 0; round < 2; round++) {
    for (const p of ['chair', 'm2'] as const) {
      const step = lotStep(r[p]!.state.votes.find((x) => x.id === 'e2')!, p, reveals[p]);
      if (step) {
        time.advance(1_000);
        await r[p]!.create(step.kind, step.payload as never);
      }
    }
    await exchange();
  }
  await act('chair', 'vote.open', { vote: 'v4', item: 'i4', title: 'Baumschutzsatzung', mode: 'secret', key: 'k1' });
  await act('chair', 'vote.postal', { vote: 'v4', reason: 'Zu wenige Treuhänder erreichbar' });
  await act('chair', 'vote.result', { vote: 'v4', counts: { yes: 4, no: 2, abstain: 1 } });

  await act('chair', 'item.current', { item: null });
  await act('m6', 'attendance.out', { person: 'm6' });
  await act('chair', 'recording.stop', {});
  await act('chair', 'session.close', {});

  // The minute-taker's draft: Y.Text per slot in Y.Map('minutes') of the members' document.
  await yDoc('clerk', 'members', (d) => {
    const map = d.getMap<Y.Text>('minutes');
    for (const [k, v] of Object.entries(DRAFT)) map.set(k, new Y.Text(v));
  });

  const personOf = (device: string) => chair.directory.get(device)?.person;
  return { r, chair, pub, certs, admin, signers, time, exchange, act, personOf, record: () => makeExport(chair) };
}
