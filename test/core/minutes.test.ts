/**
 * MIN-2, VOTE-5: the minutes as a fold. One session on real replicas (test/helpers/minutes-session.ts); every
 * expectation is read off the signed entries themselves (kind, payload, clock), never off the fold's own
 * state, so a section that drops or misdates a fact fails here.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import * as Y from 'yjs';
import { fromBase64, fromHex, fromUtf8, toBase64, toHex } from '../../crypto/bytes.js';
import type { Envelope } from '../../crypto/envelope.js';
import type { ExportRecord } from '../../core/export.js';
import { kinds } from '../../core/kinds.js';
import { draftTexts, type Minutes, minutesHash, minutesOf, minutesRecord, recordHead, SIGN_KIND } from '../../core/minutes.js';
import { NOT_IN_MINUTES, SECTIONS } from '../../core/minutes/registry.js';
import { berlinOffset, civil } from '../../core/minutes/time.js';
import { Replica } from '../../core/replica.js';
import { verifyMinutes } from '../../core/verify-minutes.js';
import { DRAFT, MEETING, minutesSession, TENANT } from '../helpers/minutes-session.js';

type Session = Awaited<ReturnType<typeof minutesSession>>;
let s: Session;
let log: Envelope[];
let minutes: Minutes;
let record: ExportRecord;

const payload = (e: Envelope) => JSON.parse(fromUtf8(e.payload)) as Record<string, unknown>;
const entries = (kind: string, where: (p: Record<string, unknown>, e: Envelope) => boolean = () => true) => log.filter((e) => e.kind === kind && where(payload(e), e));
const one = (kind: string, where?: (p: Record<string, unknown>, e: Envelope) => boolean) => {
  const list = entries(kind, where);
  expect(list, `${kind} entries`).toHaveLength(1);
  return list[0]!;
};
const section = (id: string) => minutes.sections.find((x) => x.id === id)!;
const facts = (id: string) => section(id).facts as Record<string, unknown>;
const voteFacts = (id: string) => (facts('votes').votes as unknown as { id: string }[]).find((v) => v.id === id) as Record<string, unknown>;
/** Every string a section's blocks print. */
const printed = (id: string) => JSON.stringify(section(id).blocks);

beforeAll(async () => {
  s = await minutesSession();
  log = [...s.chair.log.ordered()];
  minutes = minutesOf(s.chair.state, { log, personOf: s.personOf, texts: draftTexts(log, s.chair.state) });
  record = await s.record();
}, 300_000);

describe('the minutes as a fold', () => {
  it('MIN-2 the minutes name the meeting, its legal basis (§ 58a clause) and when the chair opened and closed it', () => {
    const open = one('session.open');
    const close = one('session.close');
    const f = facts('meeting');
    expect(f.opened).toMatchObject({ at: open.hlc.wall, entry: open.id, person: 'chair' });
    expect(f.closed).toMatchObject({ at: close.hlc.wall, entry: close.id, person: 'chair' });
    expect(f.legal).toMatchObject({ kind: 'hauptsatzung', citation: '§ 58a GO NRW', adoptedAt: payload(one('legal.clause')).adoptedAt });
    expect(printed('meeting')).toContain('Bezirksvertretung Łódź-Süd');
    expect(printed('meeting')).toContain('§ 58a GO NRW');
  });

  it('MIN-2 the agenda as held: each item with the times it was called, from the item.current entries', () => {
    const called = (item: string) => (facts('agenda').items as unknown as { id: string; called: { from: number; to: number | null }[] }[]).find((i) => i.id === item)!.called;
    const next = (e: Envelope) => log.find((x) => x.kind === 'item.current' && x.doc === 'public' && x.hlc.wall > e.hlc.wall)!;
    for (const id of ['i1', 'i2', 'i4']) {
      const start = one('item.current', (p) => p.item === id);
      expect(called(id)).toEqual([{ from: start.hlc.wall, to: next(start).hlc.wall, entry: start.id }]);
    }
    // The non-public item: called by the public marker (which comes first), named by the members' entry.
    const marker = one('item.current', (p) => p.nonPublic === true);
    expect(called('i3')).toEqual([{ from: marker.hlc.wall, to: next(marker).hlc.wall, entry: marker.id }]);
    expect(printed('agenda')).toContain('Grundstücksangelegenheit Łąkowa');
  });

  it('MIN-2 attendance with times and place, and quorum over time (MIN-1)', () => {
    const inM6 = one('attendance.in', (p) => p.person === 'm6');
    const outM6 = one('attendance.out', (p) => p.person === 'm6');
    const persons = facts('attendance').persons as unknown as { person: string; periods: unknown[] }[];
    expect(persons.find((p) => p.person === 'm6')!.periods).toEqual([{ from: inM6.hlc.wall, to: outM6.hlc.wall, place: 'onsite' }]);
    expect(persons.find((p) => p.person === 'm1')!.periods).toEqual([{ from: one('attendance.in', (p) => p.person === 'm1').hlc.wall, to: one('session.close').hlc.wall, place: 'onsite' }]);
    const quorum = (facts('attendance').quorum as unknown as { log: { at: number; present: number; quorate: boolean }[] }).log;
    // 7 statutory members: quorate from the fourth voting member's check-in (in entry order: chair, m1, m2, m3).
    const fourth = one('attendance.in', (p) => p.person === 'm3');
    expect(quorum.find((q) => q.quorate)).toEqual({ at: fourth.hlc.wall, present: 4, quorate: true });
    expect(quorum.at(-1)).toEqual({ at: outM6.hlc.wall, present: 6, quorate: true });
  });

  it('MIN-2 the exclusion of the public: from the non-public marker to the next public item, with the item dealt with', () => {
    const marker = one('item.current', (p) => p.nonPublic === true);
    const after = log.find((x) => x.kind === 'item.current' && x.doc === 'public' && x.hlc.wall > marker.hlc.wall)!;
    expect(facts('exclusions').parts).toEqual([{ from: marker.hlc.wall, to: after.hlc.wall, entry: marker.id, items: ['i3'] }]);
    expect(printed('exclusions')).toContain('Öffentlichkeit ausgeschlossen');
  });

  it('MIN-2 conflicts of interest with who declared them and when', () => {
    const c = one('conflict.declare');
    expect(facts('conflicts').conflicts).toEqual([{ person: 'm3', item: 'i2', at: c.hlc.wall, entry: c.id, by: 'm3', excluded: [] }]);
    expect(printed('conflicts')).toContain('Ğülşen Doğan');
  });

  it('MIN-2 every vote and election with kind, procedure, rule and result: open by faction, roll-call by name, secret by its sum only', () => {
    const v1 = voteFacts('v1');
    expect(v1).toMatchObject({ mode: 'open', kind: 'decision', rule: 'simple', counts: { yes: 4, no: 1, abstain: 1 }, result: 'accepted', source: 'digital' });
    expect(v1.byFaction).toEqual([{ faction: 'f1', yes: 3, no: 0, abstain: 0 }, { faction: 'f2', yes: 1, no: 1, abstain: 1 }]);
    const v2 = voteFacts('v2');
    expect(v2).toMatchObject({ mode: 'roll-call', rule: 'two-thirds-cast', counts: { yes: 5, no: 1, abstain: 0 }, result: 'accepted' });
    // By name: each cast ballot of the log, with the one the chair recorded on site marked.
    const cast = entries('vote.cast', (p) => p.vote === 'v2').map((e) => [s.personOf(toHex(e.author)), payload(e).choice]);
    const onsite = one('vote.onsite', (p) => p.vote === 'v2');
    expect((v2.ballots as { person: string; choice: string; recordedBy?: string }[]).map((b) => [b.person, b.choice, b.recordedBy])).toEqual([...cast.map(([p, c]) => [p, c, undefined]), ['m6', 'yes', 'chair']]);
    expect(printed('votes')).toContain('im Saal erfasst durch Anna Schmitz');
    const v3 = voteFacts('v3');
    expect(v3).toMatchObject({ mode: 'secret', counts: { yes: 4, no: 1, abstain: 1 }, result: 'accepted', decryption: 'done' });
    expect((v3.ballots as { choice: unknown }[]).every((b) => b.choice === null)).toBe(true);
    expect(entries('vote.ballot')).toHaveLength((v3.ballots as unknown[]).length);
    expect(onsite.doc).toBe('public');
    const v5 = voteFacts('v5');
    expect(v5).toMatchObject({ doc: 'members', item: 'i3', counts: { yes: 5, no: 2, abstain: 0 } });
  });

  it('MIN-2 VOTE-9 an election without a majority, its run-off, and the lot that decided the tied run-off', () => {
    expect(voteFacts('e1')).toMatchObject({ kind: 'election', round: 1, counts: { a: 3, b: 2, c: 1, no: 0, abstain: 1 }, runoff: ['a', 'b'], elected: null });
    const e2 = voteFacts('e2');
    const reveals = entries('lot.reveal', (p) => p.vote === 'e2');
    expect(reveals).toHaveLength(2);
    expect(e2).toMatchObject({ kind: 'election', round: 2, runoffOf: 'e1', counts: { a: 2, b: 2, no: 0, abstain: 1 } });
    const lot = e2.lot as { drawers: string[]; order: string[]; seed: string };
    expect(lot.drawers).toEqual(payload(one('lot.open')).drawers);
    expect(e2.elected).toBe(lot.order[0]);
    expect(printed('votes')).toContain(`Losschlüssel","${lot.seed}`);
    expect(printed('votes')).toContain('Stichwahl nach „Wahl der Schriftführung“');
  });

  it('VOTE-5 the postal result lands in the minutes marked as a postal ballot, with the reason, when it was ordered and when it was entered', () => {
    const order = one('vote.postal');
    const result = one('vote.result');
    expect(voteFacts('v4')).toMatchObject({ source: 'postal', postal: { reason: payload(order).reason, at: order.hlc.wall, entry: order.id }, postalEnteredAt: result.hlc.wall, counts: payload(result).counts, result: 'accepted' });
    const blocks = section('votes').blocks;
    const at = blocks.findIndex((b) => b.type === 'heading' && b.text === 'Abstimmung: Baumschutzsatzung');
    const fields = blocks[at + 1] as { rows: [string, string][] };
    expect(fields.rows).toContainEqual(['Stimmabgabe', 'BRIEFWAHL']);
    expect(fields.rows).toContainEqual(['Ergebnis der Briefwahl', 'angenommen']);
    expect(blocks[at + 2]).toMatchObject({ type: 'table', caption: 'Ergebnis der Briefwahl', rows: [['Ja', '4'], ['Nein', '2'], ['Enthaltung', '1']] });
    // No other vote is marked postal.
    expect(blocks.filter((b) => b.type === 'fields' && b.rows.some(([, v]) => v === 'BRIEFWAHL'))).toHaveLength(1);
  });

  it("MIN-2 the chair's orders (mute, removal, readmission, lock), the speakers and the recording, each from its entry", () => {
    const kindsOfOrders = ['media.order', 'participant.remove', 'participant.readmit', 'room.lock'];
    const expected = log.filter((e) => kindsOfOrders.includes(e.kind)).map((e) => ({ kind: e.kind, at: e.hlc.wall, entry: e.id, by: 'chair', payload: payload(e) }));
    expect(facts('orders').orders).toEqual(expected);
    expect(printed('orders')).toContain('ausgeschlossen für den Rest des Tagesordnungspunkts (Grund: Störung der Sitzung)');
    const give = one('floor.give');
    expect(facts('speakers').turns).toEqual([{ person: 'm1', from: give.hlc.wall, to: one('floor.end').hlc.wall, entry: give.id }]);
    expect(facts('recordings')).toMatchObject({ allowed: true, retentionDays: 90, recordings: [{ from: one('recording.start').hlc.wall, to: one('recording.stop').hlc.wall, by: 'chair' }] });
  });

  it("MIN-2 the minute-taker's text parts from the members' draft (Y.Map 'minutes') fill their slots", () => {
    const drafts = minutes.sections.flatMap((x) => x.blocks).filter((b) => b.type === 'draft');
    expect(Object.fromEntries(drafts.filter((d) => d.text).map((d) => [d.key, d.text]))).toEqual(DRAFT);
    expect(drafts.map((d) => d.key)).toEqual(['item:i1', 'item:i2', 'item:i3', 'item:i4', 'remarks']);
  });

  it('MIN-2 every device derives the same minutes, whatever order the entries arrived in', async () => {
    const shuffled = [...record.envelopes].sort((a, b) => (a.slice(20) < b.slice(20) ? -1 : 1));
    const r = new Replica({ tenant: TENANT, meeting: MEETING, tenantKey: fromHex(record.tenantKey, 32), docs: ['public', 'members'], now: () => Number.MAX_SAFE_INTEGER });
    await r.addCerts(s.certs);
    for (let i = 0; i < shuffled.length; i += 7) await r.receive(shuffled.slice(i, i + 7).map(fromBase64));
    const theirs = minutesRecord(r.state, [...r.log.ordered()], r.directory);
    const m4 = minutesRecord(s.r['m4']!.state, [...s.r['m4']!.log.ordered()], s.r['m4']!.directory);
    expect(theirs.hash).toBe(minutesHash(minutes));
    expect(m4.hash).toBe(minutesHash(minutes));
  });

  it('MIN-2 the minutes from the public document alone hold no non-public item, vote or draft text', () => {
    const pubLog = [...s.pub.log.ordered()];
    const m = minutesOf(s.pub.state, { log: pubLog, personOf: s.personOf, texts: draftTexts(pubLog, s.pub.state) });
    const text = JSON.stringify(m);
    for (const secret of ['Łąkowa', 'Verkauf des Grundstücks', DRAFT['item:i2']]) expect(text).not.toContain(secret);
    expect((m.sections.find((x) => x.id === 'exclusions')!.facts as { parts: { items: unknown[] }[] }).parts[0]!.items).toEqual([null]);
  });

  it('MIN-2 every entry kind has its section in the minutes or a stated reason to stay out (disruptions will need theirs)', () => {
    const placed = new Set([...SECTIONS.flatMap((x) => x.kinds), ...Object.keys(NOT_IN_MINUTES)]);
    expect(Object.keys(kinds).filter((k) => !placed.has(k))).toEqual([]);
    expect(NOT_IN_MINUTES[SIGN_KIND]).toBeDefined();
  });

  it('MIN-2 the head is the hash of the heads of the log without its signatures, computed from prev and deps', () => {
    const named = new Set(log.flatMap((e) => [...e.deps.map(toHex), ...(e.seq > 1 ? [toHex(e.prev)] : [])]));
    const heads = log.filter((e) => !named.has(e.id)).map((e) => e.id).sort();
    expect(heads.length).toBeGreaterThan(0);
    expect(minutes.head).toBe(recordHead(log));
    expect(recordHead([...log].reverse())).toBe(minutes.head);
    expect(recordHead(log.slice(0, -1))).not.toBe(minutes.head);
  });

  it('German civil time: CET in winter, CEST from the last Sunday of March 01:00 UTC to the last Sunday of October', () => {
    expect(berlinOffset(Date.UTC(2026, 2, 29, 0, 59))).toBe(3_600_000);
    expect(berlinOffset(Date.UTC(2026, 2, 29, 1, 0))).toBe(7_200_000);
    expect(berlinOffset(Date.UTC(2026, 9, 25, 0, 59))).toBe(7_200_000);
    expect(berlinOffset(Date.UTC(2026, 9, 25, 1, 0))).toBe(3_600_000);
    expect(civil(Date.UTC(2026, 11, 1, 13, 5, 9), 'de')).toEqual({ date: '01.12.2026', time: '14:05:09' });
  });
});

describe('the minutes checked against a record', () => {
  it('MIN-2 minutes made from the record pass; a changed fact in the minutes data fails, naming the section', async () => {
    const honest = minutesRecord(s.chair.state, log, s.chair.directory);
    const ok = await verifyMinutes(record, honest);
    expect([ok.report.verdict, ok.problems]).toEqual(['ok', []]);
    // The forger changes the postal count and fixes up the hash, so the minutes are consistent in themselves.
    const forged = structuredClone(honest);
    const v4 = (forged.minutes.sections.find((x) => x.id === 'votes')!.facts as { votes: { id: string; counts: Record<string, number> }[] }).votes.find((v) => v.id === 'v4')!;
    v4.counts.no = 3;
    forged.hash = minutesHash(forged.minutes);
    const bad = await verifyMinutes(record, forged);
    expect(bad.problems).toEqual([expect.stringMatching(/^minutes differ from the record in section 'votes' \(Abstimmungen und Wahlen\): .*counts\.no: the minutes say 3, the record gives 2$/)]);
  });

  it('MIN-2 a changed record fails: a flipped byte fails the record itself; one more valid entry changes the head and the facts', async () => {
    const honest = minutesRecord(s.chair.state, log, s.chair.directory);
    const flipped = structuredClone(record);
    const i = flipped.envelopes.indexOf(toBase64(one('vote.result').wire));
    expect(i).toBeGreaterThanOrEqual(0);
    const wire = fromBase64(flipped.envelopes[i]!);
    wire[wire.length - 80]! ^= 1;
    flipped.envelopes[i] = toBase64(wire);
    const c1 = await verifyMinutes(flipped, honest);
    expect(c1.report.verdict).toBe('failed');
    expect(c1.problems).toEqual(['the export record itself fails its check, so no minutes can rest on it']);
    // A later, validly signed edit of the draft: the record verifies, but it is no longer the one the minutes rest on.
    const d = new Y.Doc();
    d.getMap<Y.Text>('minutes').set('item:i1', new Y.Text('nachträglich eingefügt'));
    await s.r['clerk']!.createY(Y.encodeStateAsUpdate(d), 'members');
    await s.exchange();
    const later = await s.record();
    const c2 = await verifyMinutes(later, honest);
    expect(c2.report.verdict).toBe('ok');
    expect(c2.problems[0]).toMatch(/^head: the minutes were made from a log with head [0-9a-f]{64}; this record's head is [0-9a-f]{64}/);
    expect(c2.problems.join('\n')).toMatch(/section 'agenda' .*: the minutes say "", the record gives "nachträglich eingefügt"/);
  });
});
