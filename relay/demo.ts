/**
 * The demo council `npm start` seeds into an empty data folder: a Bezirksvertretung with 15 members in
 * 4 factions (the chair is one of them), 2 advisory members, an admin device, and one meeting with public
 * and non-public agenda items, all as signed envelopes of the admin device. Device seeds are kept in the data folder so the
 * printed links stay valid across restarts. (Issue 5 replaces pre-provisioned devices with enrolment.)
 */
import * as Y from 'yjs';
import { fromHex, toHex } from '../crypto/bytes.js';
import { type Cert, issue, type Role } from '../crypto/cert.js';
import { generateSeed, signerFromSeed } from '../crypto/ed25519.js';
import { fingerprint } from '../crypto/hash.js';
import { dhFromSeed } from '../crypto/seal.js';
import { keyDuty } from '../core/key-duty.js';
import type { DocName } from '../core/entries.js';
import { Replica } from '../core/replica.js';
import { emptyModel, type Model } from './oparl/model.js';
import type { Store } from './store.js';

export interface DemoDevice {
  person: string;
  name: string;
  roles: Role[];
  faction: string | null;
  voting: boolean;
  seed: string; // hex
}

export interface Demo {
  tenant: string;
  meeting: string;
  tenantSeed: string;
  devices: DemoDevice[];
  /** Persons of the body without a device yet: the admin invites them and they enrol (issue 5). */
  invitees?: { person: string; name: string; faction: string | null; voting: boolean }[];
  /** The body's statutory members (default 15, the demo council); a larger council raises it with its roster. */
  statutoryMembers?: number;
}

const FACTIONS = [
  { id: 'cdu', name: 'CDU', members: ['Anna Schmitz', 'Peter Hoffmann', 'Maria Becker', 'Thomas Wagner', 'Sabine Koch'] },
  { id: 'spd', name: 'SPD', members: ['Jürgen Richter', 'Claudia Klein', 'Stefan Wolf', 'Monika Schröder'] },
  { id: 'gruene', name: 'GRÜNE', members: ['Lena Neumann', 'Jonas Schwarz', 'Aylin Yilmaz', 'Markus Zimmermann'] },
  { id: 'fdp', name: 'FDP', members: ['Katrin Braun', 'Oliver Krüger'] },
];
const ADVISORY = ['Dr. Ulrich Hartmann', 'Fatma Demir'];
/** Devices that are no persons of the body: the administration's, the room's and the minute-taker's. */
const ROOM = 'saal';
/** MIN-2: the minute-taker (Schriftführer/in) of the administration writes the minutes draft and signs the minutes. */
const MINUTE_TAKER = { person: 'protokoll', name: 'Łukasz Nowak' };
const notPersons = new Set(['verwaltung', ROOM, MINUTE_TAKER.person]);
const INVITEES = [{ person: 'b3', name: 'Sevim Arslan', faction: null, voting: false }];

export const AGENDA: { doc: DocName; id: string; no: string; title: string; questionTime?: true }[] = [
  { doc: 'public', id: 'top1', no: '1', title: 'Eröffnung, Feststellung der ordnungsgemäßen Einladung und der Beschlussfähigkeit' },
  { doc: 'public', id: 'top2', no: '2', title: 'Einwohnerfragestunde', questionTime: true },
  { doc: 'public', id: 'top3', no: '3', title: 'Radverkehrskonzept Innenstadt' },
  { doc: 'public', id: 'top4', no: '4', title: 'Neugestaltung des Spielplatzes Lindenstraße' },
  { doc: 'public', id: 'top5', no: '5', title: 'Mitteilungen der Verwaltung' },
  { doc: 'members', id: 'n1', no: '6', title: 'Grundstücksangelegenheit Parzelle 12/7 (nichtöffentlich)' },
  { doc: 'members', id: 'n2', no: '7', title: 'Vergabe Reinigungsleistungen Bezirksrathaus (nichtöffentlich)' },
];

export function makeDemo(): Demo {
  const devices: DemoDevice[] = [{ person: 'verwaltung', name: 'Verwaltung (Admin)', roles: ['admin', 'staff'], faction: null, voting: false, seed: toHex(generateSeed()) }];
  let n = 0;
  for (const f of FACTIONS)
    for (const name of f.members) {
      n++;
      const chair = n === 1;
      devices.push({ person: `m${String(n).padStart(2, '0')}`, name, roles: chair ? ['chair', 'member'] : ['member'], faction: f.id, voting: true, seed: toHex(generateSeed()) });
    }
  ADVISORY.forEach((name, i) => devices.push({ person: `b${i + 1}`, name, roles: ['advisory'], faction: null, voting: false, seed: toHex(generateSeed()) }));
  // HYB-1: the room's PC with the chamber camera and microphone joins as one participant; no member of the body.
  devices.push({ person: ROOM, name: 'Sitzungssaal Rathaus', roles: ['room'], faction: null, voting: false, seed: toHex(generateSeed()) });
  devices.push({ ...MINUTE_TAKER, roles: ['minutes', 'staff'], faction: null, voting: false, seed: toHex(generateSeed()) });
  return { tenant: 'musterstadt', meeting: 'bv-mitte-2026-12', tenantSeed: toHex(generateSeed()), devices, invitees: INVITEES };
}

/** The demo body's second reporting channel (DIS-3) and time to report a drop (DIS-4). */
export const DEMO_DISRUPTION_RULES = { reportMinutes: 10, phone: '0211 899-4711', email: 'stoerung@ratsraum.example' } as const;

/**
 * Certificates and the meeting's first envelopes (setup and agenda by the admin device), stored. `sealed`: the
 * members' document is end-to-end encrypted (core/sealed.ts); the admin device makes the meeting key and wraps
 * it for every device before it writes the non-public agenda.
 */
export async function seedDemo(store: Store, demo: Demo, now = Date.now(), opts: { sealed?: boolean } = {}): Promise<void> {
  const admin = await signerFromSeed(fromHex(demo.tenantSeed, 32));
  await store.putTenant(demo.tenant, toHex(admin.publicKey));
  const certs: Cert[] = [];
  for (const d of demo.devices) {
    const signer = await signerFromSeed(fromHex(d.seed, 32));
    const cert = await issue(
      { v: 1, tenant: demo.tenant, person: d.person, name: d.name, device: toHex(signer.publicKey), dh: toHex(dhFromSeed(fromHex(d.seed, 32)).publicKey), roles: d.roles, bodies: ['bv-mitte'], notBefore: now - 86_400_000, notAfter: now + 365 * 86_400_000 },
      admin,
    );
    certs.push(cert);
    await store.putCert(cert);
  }
  const adminDevice = demo.devices.find((d) => d.roles.includes('admin'))!;
  const adminReplica = new Replica({ tenant: demo.tenant, meeting: demo.meeting, tenantKey: admin.publicKey, docs: ['public', 'members'], signer: await signerFromSeed(fromHex(adminDevice.seed, 32)), dh: dhFromSeed(fromHex(adminDevice.seed, 32)) });
  await adminReplica.addCerts(certs);
  // LEG-1: the Hauptsatzung allows hybrid meetings of committees and district councils (§ 58a GO NRW).
  await adminReplica.create('legal.clause', { allowsHybridCommittees: true, adoptedAt: '2024-03-01' });
  // DS-3: the Hauptsatzung allows recording; where recordings are kept and for how long is shown to everyone.
  await adminReplica.create('legal.recording', { allowed: true, storage: 'Server des Rechenzentrums, Ordner data/recordings', retentionDays: 90 });
  await adminReplica.create('meeting.setup', {
    body: { id: 'bv-mitte', name: 'Bezirksvertretung Mitte', type: 'bezirksvertretung', statutoryMembers: demo.statutoryMembers ?? 15 },
    factions: FACTIONS.map((f) => ({ id: f.id, name: f.name })),
    persons: [...demo.devices.filter((d) => !notPersons.has(d.person)), ...(demo.invitees ?? [])].map((d) => ({ id: d.person, name: d.name, faction: d.faction, voting: d.voting })),
    meeting: { id: demo.meeting, title: '12. Sitzung der Bezirksvertretung Mitte', start: now + 3_600_000, place: 'Bezirksrathaus Mitte, Sitzungssaal, und digital', format: 'hybrid', ...(opts.sealed ? { sealed: true as const } : {}) },
  });
  // DIS-3, DIS-4: the second reporting channel and the time to report a drop, carried into the log.
  await adminReplica.create('disruption.rules', DEMO_DISRUPTION_RULES);
  if (opts.sealed) await keyDuty(adminReplica, new Set(), now);
  // The administration prepares the agenda, so the chair's device starts its own chain in the meeting.
  for (const doc of ['public', 'members'] as const) {
    const ydoc = new Y.Doc();
    const items = ydoc.getArray<Y.Map<unknown>>('agenda');
    for (const a of AGENDA.filter((x) => x.doc === doc)) {
      const m = new Y.Map<unknown>();
      m.set('id', a.id);
      m.set('no', a.no);
      m.set('title', a.title);
      m.set('public', doc === 'public');
      if (a.questionTime) m.set('questionTime', true); // PUB-4
      items.push([m]);
    }
    await adminReplica.createY(Y.encodeStateAsUpdate(ydoc), doc);
  }
  for (const e of adminReplica.envelopes()) await store.insert(demo.tenant, demo.meeting, { doc: e.doc, author: toHex(e.author), seq: e.seq, id: e.id, wire: e.wire });
}

/** The demo council as master data (as if imported from the council information system), for the admin view. */
export function demoMasterData(demo: Demo): Model {
  const m = emptyModel('ratsraum:demo');
  const body = 'bv-mitte';
  m.bodies[body] = { id: body, name: 'Bezirksvertretung Mitte', shortName: 'BV Mitte' };
  m.organizations['org-bv-mitte'] = { id: 'org-bv-mitte', body, name: 'Bezirksvertretung Mitte', organizationType: 'Gremium' };
  for (const f of FACTIONS) m.organizations[`org-${f.id}`] = { id: `org-${f.id}`, body, name: `Fraktion ${f.name}`, classification: 'Fraktion' };
  for (const p of [...demo.devices.filter((d) => !notPersons.has(d.person)), ...(demo.invitees ?? [])]) {
    m.persons[p.person] = { id: p.person, name: p.name };
    m.memberships[`ms-${p.person}`] = { id: `ms-${p.person}`, person: p.person, organization: 'org-bv-mitte', votingRight: p.voting, ...('roles' in p && (p.roles as Role[]).includes('chair') ? { role: 'Vorsitz' } : {}) };
    if (p.faction) m.memberships[`ms-${p.person}-f`] = { id: `ms-${p.person}-f`, person: p.person, organization: `org-${p.faction}`, votingRight: p.voting };
  }
  m.meetings[demo.meeting] = { id: demo.meeting, body, organizations: ['org-bv-mitte'], name: '12. Sitzung der Bezirksvertretung Mitte', start: '2026-12-03T17:00:00Z', location: 'Bezirksrathaus Mitte' };
  AGENDA.forEach((a, i) => (m.agendaItems[`${demo.meeting}-${a.id}`] = { id: `${demo.meeting}-${a.id}`, meeting: demo.meeting, number: a.no, name: a.title, public: a.doc === 'public', order: i }));
  return m;
}

export interface DemoLinks {
  chair: { name: string; url: string };
  members: { name: string; faction: string | null; url: string }[];
  advisory: { name: string; url: string }[];
  admin: { name: string; url: string };
  /** HYB-1: the room device of the hybrid meeting (chamber camera and microphone). */
  room?: { name: string; url: string }; // absent in a data folder seeded before the room device existed
  /** MIN-2: the minute-taker's device (absent in a data folder seeded before it existed). */
  minutes?: { name: string; url: string };
  /** The administration's admin view: holds the tenant key (a demo shortcut; see README). */
  console: string;
  public: string;
}

export async function demoLinks(demo: Demo, base: string): Promise<DemoLinks> {
  const fp = fingerprint((await signerFromSeed(fromHex(demo.tenantSeed, 32))).publicKey).replace(/ /g, '');
  const link = (d: DemoDevice) => `${base}/#/m/${demo.tenant}/${demo.meeting}?device=${d.seed}&fp=${fp}`;
  const chair = demo.devices.find((d) => d.roles.includes('chair'))!;
  return {
    chair: { name: chair.name, url: link(chair) },
    members: demo.devices.filter((d) => d.roles.includes('member') && d !== chair).map((d) => ({ name: d.name, faction: d.faction, url: link(d) })),
    advisory: demo.devices.filter((d) => d.roles.includes('advisory')).map((d) => ({ name: d.name, url: link(d) })),
    admin: { name: 'Verwaltung', url: link(demo.devices[0]!) },
    room: ((d) => d && { name: d.name, url: link(d) })(demo.devices.find((d) => d.roles.includes('room'))),
    minutes: ((d) => d && { name: d.name, url: link(d) })(demo.devices.find((d) => d.roles.includes('minutes'))),
    console: `${base}/#/admin/${demo.tenant}?key=${demo.tenantSeed}&fp=${fp}`,
    public: `${base}/#/public/${demo.tenant}/${demo.meeting}`,
  };
}
