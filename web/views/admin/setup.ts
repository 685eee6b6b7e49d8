/**
 * From imported master data to a Ratsraum meeting (ORG-1): the OParl meeting's organization becomes the
 * body, its members with voting right the voting persons (advisory members without), their faction
 * memberships the factions, the agenda items the public and non-public agenda. Pure: no DOM, no network.
 */
import type { Payload } from '../../../core/entries.js';
import type { DirectoryData } from './Admin.js';

const KEY = /^[A-Za-z0-9_.:-]{1,128}$/;
/** The Ratsraum id of an OParl object (OParl ids are URLs: too long, with slashes). Persons have theirs from the relay. */
export const idFor = (oparlId: string): string => (KEY.test(oparlId) ? oparlId : `o-${hash(oparlId)}`);

/** 16 hex digits of FNV-1a over the id, twice: enough to keep OParl URLs apart as Ratsraum ids. */
function hash(s: string): string {
  let a = 0x811c9dc5;
  let b = 0x01000193;
  for (let i = 0; i < s.length; i++) {
    a = Math.imul(a ^ s.charCodeAt(i), 0x01000193) >>> 0;
    b = Math.imul(b ^ s.charCodeAt(i), 0x5bd1e995) >>> 0;
  }
  return a.toString(16).padStart(8, '0') + b.toString(16).padStart(8, '0');
}

/** PUB-4: OParl has no field for it, so a public item named as the residents' question time is marked as such. */
const QUESTION_TIME = /(einwohner|bürger)?fragestunde/i;

export interface PlannedMeeting {
  setup: Payload<'meeting.setup'>;
  agenda: { id: string; no: string; title: string; public: boolean; questionTime?: true }[];
}

export function setupFromOparl(d: DirectoryData, meetingId: string, format: 'in-person' | 'hybrid'): PlannedMeeting {
  const m = d.oparlMeetings.find((x) => x.id === meetingId);
  if (!m) throw new Error(`unknown meeting ${meetingId}`);
  const orgId = m.organizations.find((o) => !d.organizations.find((x) => x.id === o)?.faction) ?? m.organizations[0];
  const org = d.organizations.find((o) => o.id === orgId);
  if (!org) throw new Error(`meeting ${meetingId} names no organization`);
  const start = Date.parse(m.start);
  const current = (x: { end?: string }) => !x.end || Date.parse(x.end) >= start;
  const members = d.memberships.filter((x) => x.organization === org.id && current(x));
  const factionOf = (person: string) => d.memberships.find((x) => x.person === person && current(x) && d.organizations.find((o) => o.id === x.organization)?.faction)?.organization;
  // One person per OParl id, however many memberships (role changes, several terms) they hold in the body.
  const persons = [...new Set(members.map((x) => x.person))]
    .map((id) => d.persons.find((p) => p.id === id))
    .filter((p): p is DirectoryData['persons'][number] => !!p)
    .map((p) => ({ id: p.key, name: p.name.slice(0, 200), faction: factionOf(p.id) ? idFor(factionOf(p.id)!) : null, voting: members.some((x) => x.person === p.id && x.votingRight) }));
  const factionIds = [...new Set(members.map((x) => factionOf(x.person)).filter((f): f is string => !!f))];
  const name = org.name.toLowerCase();
  const type = /bezirks/.test(name) ? 'bezirksvertretung' : /ausschuss/.test(name) ? 'ausschuss' : 'rat';
  const committeeKind = /haupt/.test(name) ? 'haupt' : /finanz/.test(name) ? 'finanz' : /rechnungspr/.test(name) ? 'rechnungspruefung' : 'other';
  const agenda = d.agendaItems
    .filter((a) => a.meeting === m.id)
    .sort((a, b) => a.order - b.order)
    .map((a) => ({ id: idFor(a.id), no: a.number.slice(0, 20) || String(a.order + 1), title: a.name.slice(0, 300), public: a.public, ...(a.public && QUESTION_TIME.test(a.name) ? { questionTime: true as const } : {}) }));
  return {
    setup: {
      body: { id: idFor(org.body || org.id), name: org.name.slice(0, 200), type, statutoryMembers: Math.max(1, persons.filter((p) => p.voting).length), ...(type === 'ausschuss' ? { committeeKind } : {}) },
      factions: factionIds.map((f) => ({ id: idFor(f), name: (d.organizations.find((o) => o.id === f)?.name ?? f).slice(0, 120) })),
      persons,
      meeting: { id: idFor(m.id), title: m.name.slice(0, 300), start, place: (m.location ?? (format === 'hybrid' ? 'digital' : '–')).slice(0, 200), format },
    },
    agenda,
  };
}
