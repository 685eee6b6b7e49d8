/**
 * bench/minutes: the minutes (data and PDF) of a 6-hour session of 20,000 entries with 60 votes of 90
 * members, against exporting the record alone, in the same process: time and heap growth per step.
 * The session: setup, 12 agenda items, 90 check-ins, 60 open and roll-call votes with 90 ballots each,
 * 600 speeches (ask, give, end), attendance changes and mute orders, and the minute-taker's draft typed as
 * small Yjs updates for the rest. Prints figures; asserts nothing.
 */
import v8 from 'node:v8';
import { runInNewContext } from 'node:vm';
import * as Y from 'yjs';
import { fromHex, toHex, utf8 } from '../crypto/bytes.js';
import { canonicalJson } from '../crypto/canonical.js';
import { type Cert, issue, type Role } from '../crypto/cert.js';
import { type Signer, signerFromSeed, useBackend } from '../crypto/ed25519.js';
import * as envelope from '../crypto/envelope.js';
import type { Envelope } from '../crypto/envelope.js';
import { makeRecord } from '../core/export.js';
import { minutesRecord } from '../core/minutes.js';
import { Replica } from '../core/replica.js';
import { minutesPdf } from '../relay/minutes-pdf.js';

const N = Number(process.env.ENTRIES ?? 20_000);
const MEMBERS = 90;
const VOTES = 60;
const HOURS = 6;
v8.setFlagsFromString('--expose-gc');
const gc = runInNewContext('gc') as () => void;

async function session() {
  useBackend('noble');
  const tenant = 'bench';
  const meeting = 'm1';
  const admin = await signerFromSeed(new Uint8Array(32).fill(250));
  const people: { person: string; signer: Signer; roles: Role[] }[] = [{ person: 'admin', signer: await signerFromSeed(new Uint8Array(32).fill(251)), roles: ['admin'] }];
  for (let i = 0; i < MEMBERS; i++) people.push({ person: `p${i}`, signer: await signerFromSeed(Uint8Array.from({ length: 32 }, (_, j) => (i * 7 + j) % 256)), roles: i === 0 ? ['chair', 'member'] : ['member'] });
  people.push({ person: 'clerk', signer: await signerFromSeed(new Uint8Array(32).fill(252)), roles: ['assistant', 'minutes'] });
  const certs: Cert[] = [];
  for (const d of people) certs.push(await issue({ v: 1, tenant, person: d.person, name: d.person === 'clerk' ? 'Jana Nowak' : `Mitglied ${d.person}`, device: toHex(d.signer.publicKey), roles: d.roles, bodies: ['b'], notBefore: 0, notAfter: 4e12 }, admin));
  const start = 1_795_000_000_000;
  const step = Math.floor((HOURS * 3_600_000) / N);
  let wall = start;
  const chains = new Map<string, Envelope>();
  const out: Envelope[] = [];
  let lastPublic: Envelope | undefined;
  let last: Envelope | undefined;
  async function add(who: (typeof people)[number], kind: string, payload: unknown, doc: 'public' | 'members' = 'public'): Promise<void> {
    const key = `${doc} ${who.person}`;
    const prev = chains.get(key);
    const head = doc === 'public' ? lastPublic : last; // a public entry depends on public entries only
    const e = await envelope.sign(
      { tenant, meeting, doc, author: who.signer.publicKey, seq: (prev?.seq ?? 0) + 1, prev: prev?.hash ?? envelope.ZERO_HASH, deps: head && head !== prev ? [head.hash] : [], hlc: { wall: (wall += step), counter: 0 }, kind, payload: payload instanceof Uint8Array ? payload : utf8(canonicalJson(payload as never)) },
      who.signer,
    );
    chains.set(key, e);
    out.push(e);
    last = e;
    if (doc === 'public') lastPublic = e;
  }
  const [adminP, chair, clerk] = [people[0]!, people[1]!, people.at(-1)!];
  const members = people.slice(1, -1);
  await add(adminP, 'meeting.setup', {
    body: { id: 'b', name: 'Rat der Stadt Musterstadt', type: 'rat', statutoryMembers: MEMBERS },
    factions: ['A', 'B', 'C', 'D'].map((f) => ({ id: f.toLowerCase(), name: `Fraktion ${f}` })),
    persons: members.map((d, i) => ({ id: d.person, name: `Mitglied ${d.person}`, faction: 'abcd'[i % 4]!, voting: true })),
    meeting: { id: meeting, title: '6-Stunden-Sitzung', start, place: 'Ratssaal' },
  });
  const agenda = new Y.Doc();
  const items = agenda.getArray<Y.Map<unknown>>('agenda');
  for (let i = 1; i <= 12; i++) items.push([new Y.Map<unknown>(Object.entries({ id: `i${i}`, no: String(i), title: `Tagesordnungspunkt ${i}`, public: true }))]);
  await add(chair, 'y', Y.encodeStateAsUpdate(agenda));
  for (const d of members) await add(d, 'attendance.in', { person: d.person, place: 'remote' });
  await add(chair, 'session.open', {});
  // The draft, typed in small updates as the session runs.
  const draft = new Y.Doc();
  const texts = draft.getMap<Y.Text>('minutes');
  const pending: Uint8Array[] = [];
  draft.on('update', (u: Uint8Array) => pending.push(u));
  const type = async (item: number, words: string) => {
    const key = `item:i${item}`;
    if (!texts.has(key)) texts.set(key, new Y.Text());
    const t = texts.get(key)!;
    t.insert(t.length, words);
    for (const u of pending.splice(0)) await add(clerk, 'y', u, 'members');
  };
  const fixed = 1 + 1 + MEMBERS + 1 + 12 + VOTES * (MEMBERS + 2) + 600 * 3 + 200 + 100 + 1;
  const typing = Math.max(0, N - fixed);
  let typed = 0;
  const perItem = { votes: VOTES / 12, speeches: 600 / 12, moves: 200 / 12, orders: 100 / 12, typing: typing / 12 };
  for (let item = 1; item <= 12; item++) {
    await add(chair, 'item.current', { item: `i${item}` });
    for (let k = 0; k < perItem.speeches; k++) {
      const who = members[(item * 31 + k * 7) % MEMBERS]!;
      await add(who, 'floor.ask', { person: who.person });
      await add(chair, 'floor.give', { person: who.person });
      await add(chair, 'floor.end', {});
    }
    for (let k = 0; k < Math.round(perItem.orders * item) - Math.round(perItem.orders * (item - 1)); k++) await add(chair, 'media.order', { person: members[(k * 13 + item) % MEMBERS]!.person, media: 'audio', on: k % 2 === 1 });
    for (let k = 0; k < Math.round(perItem.moves * item) - Math.round(perItem.moves * (item - 1)); k++) {
      const who = members[1 + ((k >> 1) * 11 + item) % (MEMBERS - 1)]!;
      await add(who, k % 2 === 0 ? 'attendance.out' : 'attendance.in', k % 2 === 0 ? { person: who.person } : { person: who.person, place: 'onsite' });
    }
    for (let v = 0; v < perItem.votes; v++) {
      const vote = `v${item}-${v}`;
      await add(chair, 'vote.open', { vote, item: `i${item}`, title: `Beschluss ${item}.${v + 1}`, mode: v % 2 === 0 ? 'open' : 'roll-call' });
      for (const [i, d] of members.entries()) await add(d, 'vote.cast', { vote, choice: (['yes', 'no', 'abstain'] as const)[(i + v) % 3]! });
      await add(chair, 'vote.close', { vote });
    }
    while (typed < (typing * item) / 12) {
      await type(item, `Wort ${typed} `);
      typed++;
    }
  }
  await add(chair, 'item.current', { item: null });
  await add(chair, 'session.close', {});
  useBackend('auto');
  return { tenant, meeting, tenantKey: toHex(admin.publicKey), certs, wires: out.map((e) => e.wire) };
}

/** Runs `fn` after a full collection; ms and how much the heap grew (MiB) while it ran, with its result. */
async function measure<T>(fn: () => Promise<T> | T): Promise<{ ms: number; mib: number; value: T }> {
  gc();
  const before = process.memoryUsage().heapUsed;
  const t = performance.now();
  const value = await fn();
  const ms = performance.now() - t;
  const mib = (process.memoryUsage().heapUsed - before) / 2 ** 20;
  return { ms, mib, value };
}

const log = await session();
console.log(`bench/minutes: ${log.wires.length} entries, ${MEMBERS} members, ${VOTES} votes, ${HOURS} h`);
const exportOnly = () => JSON.stringify(makeRecord({ tenant: log.tenant, meeting: log.meeting, docs: ['public', 'members'], tenantKey: log.tenantKey, certs: log.certs, wires: log.wires, beacons: [] }));
await measure(exportOnly); // warm-up
const exp = await measure(exportOnly);
const fold = await measure(async () => {
  const r = new Replica({ tenant: log.tenant, meeting: log.meeting, tenantKey: fromHex(log.tenantKey, 32), docs: ['public', 'members'], now: () => Number.MAX_SAFE_INTEGER });
  await r.addCerts(log.certs);
  await r.receive(log.wires);
  if (r.state.applied !== log.wires.length) throw new Error(`${log.wires.length - r.state.applied} entries not applied: ${r.state.rejected[0]?.reason}`);
  return r;
});
const r = fold.value;
const data = await measure(() => minutesRecord(r.state, [...r.log.ordered()], r.directory));
const json = JSON.stringify(data.value);
const pdf = await measure(() => minutesPdf(data.value));
const f = (n: number) => n.toFixed(0).padStart(6);
const x = (a: number, b: number) => `${(a / b).toFixed(1)}x`;
console.log(`export record (baseline)   ${f(exp.ms)} ms  heap +${f(exp.mib)} MiB  (${(exp.value.length / 2 ** 20).toFixed(1)} MiB JSON)`);
console.log(`load, verify and fold      ${f(fold.ms)} ms  heap +${f(fold.mib)} MiB  ${x(fold.ms, exp.ms)} time of the export`);
console.log(`minutes data               ${f(data.ms)} ms  heap +${f(data.mib)} MiB  ${x(data.ms, exp.ms)} time, ${x(data.mib, Math.max(exp.mib, 0.1))} heap of the export (${(json.length / 2 ** 20).toFixed(1)} MiB JSON, ${data.value.minutes.sections.length} sections)`);
console.log(`minutes PDF                ${f(pdf.ms)} ms  heap +${f(pdf.mib)} MiB  ${x(pdf.ms, exp.ms)} time, ${x(pdf.mib, Math.max(exp.mib, 0.1))} heap of the export (${(pdf.value.length / 2 ** 20).toFixed(1)} MiB)`);
console.log(`minutes data + PDF         ${f(data.ms + pdf.ms)} ms  ${x(data.ms + pdf.ms, exp.ms)} the export; with the fold they need ${x(fold.ms + data.ms + pdf.ms, exp.ms)}`);
