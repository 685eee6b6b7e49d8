/**
 * End-to-end encryption against a real relay (PUB-5, BEF-1): a sealed demo meeting, Node devices of the chair
 * and two members, and a public client over a raw socket. A marker text goes into a non-public item's title,
 * its debate (the minutes draft) and its vote; then every place an operator or the public could look is read
 * as bytes: the relay's SQLite files (WAL included), the public client's raw frames, /metrics, the public
 * export and the relay's own record of the members' document.
 */
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import * as Y from 'yjs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { fromHex, toHex, utf8 } from '../../crypto/bytes.js';
import * as envelope from '../../crypto/envelope.js';
import { dhFromSeed, unwrap } from '../../crypto/seal.js';
import { decodeEntry, type Payload } from '../../core/entries.js';
import { makeRecord, verifyExport } from '../../core/export.js';
import { draftKey, DRAFT_MAP } from '../../core/minutes/draft.js';
import { keyOf, wrapContext } from '../../core/sealed.js';
import { encodeControl } from '../../core/wire.js';
import { cleanup, demoRelay, device, type NodeDevice, online, until } from '../helpers/relay.js';
import { OP, rawSocket, wsFrame } from '../helpers/raw-socket.js';

const TITLE = 'TITEL-MARKE-4b1e';
const DEBATE = 'DEBATTE-MARKE-91c2';
const VOTE = 'ABSTIMMUNG-MARKE-d07f';
const MARKERS = [TITLE, DEBATE, VOTE];
const ITEM = 'n3';

let ctx: Awaited<ReturnType<typeof demoRelay>>;
let chair: NodeDevice;
let voter: NodeDevice;
let conflicted: NodeDevice;
let pub: Awaited<ReturnType<typeof rawSocket>>;

/** A record as bytes to search: its JSON text and every envelope's wire, decoded from base64. */
const recordBytes = (rec: { envelopes: string[] }): Uint8Array => Buffer.concat([Buffer.from(JSON.stringify(rec)), ...rec.envelopes.map((b) => Buffer.from(b, 'base64'))]);
const found = (bytes: Uint8Array, s: string): boolean => Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).includes(Buffer.from(utf8(s)));
function filesUnder(dir: string): string[] {
  return readdirSync(dir).flatMap((f) => (statSync(join(dir, f)).isDirectory() ? filesUnder(join(dir, f)) : [join(dir, f)]));
}
const personOf = (d: NodeDevice) => ctx.demo.devices.find((x) => x.person === d.person)!;

/** The agenda item and its debate text, as the chair's device writes them into the members' document. */
function itemAndDebate(): Uint8Array {
  const y = new Y.Doc();
  const m = new Y.Map<unknown>();
  y.getArray<Y.Map<unknown>>('agenda').push([m]);
  m.set('id', ITEM);
  m.set('no', '8');
  m.set('title', `Grundstückstausch ${TITLE}`);
  m.set('public', false);
  const text = new Y.Text();
  y.getMap(DRAFT_MAP).set(draftKey.item(ITEM), text);
  text.insert(0, `Aussprache: ${DEBATE}`);
  return Y.encodeStateAsUpdate(y);
}

/** Every keys.wrap envelope the relay stored, decoded from its raw rows. */
async function storedWraps(): Promise<Payload<'keys.wrap'>[]> {
  return (await ctx.relay.store.all(ctx.demo.tenant, ctx.demo.meeting, ['members']))
    .map((r) => envelope.decode(r.wire))
    .filter((e) => e.kind === 'keys.wrap')
    .map((e) => decodeEntry(e.kind, e.payload).payload as Payload<'keys.wrap'>);
}

beforeAll(async () => {
  ctx = await demoRelay({ sealed: true });
  const urls = [ctx.wsUrl];
  [chair, voter, conflicted] = await Promise.all([device(ctx.demo, 'm01', urls), device(ctx.demo, 'm02', urls), device(ctx.demo, 'm05', urls)]);
  await Promise.all([chair, voter, conflicted].map(online));
  pub = await rawSocket(ctx.relay.port);
  pub.sock.write(wsFrame(OP.binary, encodeControl({ t: 'public', tenant: ctx.demo.tenant, meeting: ctx.demo.meeting })));
  pub.sock.write(wsFrame(OP.binary, encodeControl({ t: 'sync', frontier: {} })));
  await until(() => ctx.relay.hub.connections().public === 1, 'the public client is in');

  const c = chair.replica;
  await c.createY(itemAndDebate(), 'members');
  await until(() => conflicted.replica.state.agenda.some((i) => i.id === ITEM), 'the conflicted member sees the item (meeting key)', 30_000);
  await conflicted.replica.create('conflict.declare', { person: 'm05', item: ITEM }, 'members');
  await until(() => c.state.conflicts.some((x) => x.person === 'm05' && x.item === ITEM), 'the chair holds the conflict', 30_000);
  await c.create('conflict.confirm', { person: 'm05', item: ITEM, confirmed: true }, 'members');
  await c.create('session.open', {});
  await voter.replica.create('attendance.in', { person: 'm02', place: 'remote' });
  await c.create('confidentiality.remind', {});
  await until(() => voter.replica.state.confidentiality.remindedAt !== null, 'the voter is reminded of confidentiality', 30_000);
  await voter.replica.create('confidentiality.confirm', { person: 'm02' });
  await until(() => c.state.confidentiality.confirmed.length === 1, 'the chair holds the confirmation', 30_000);
  await c.create('item.current', { item: null, nonPublic: true, no: '8', excluded: ['m05'] });
  await c.create('item.current', { item: ITEM }, 'members');
  // The chair's device makes the item's key by itself (core/key-duty.ts) and wraps it for the entitled.
  await until(() => c.state.e2e.keys.some((k) => k.item === ITEM), 'the item key', 30_000);
  await until(() => voter.replica.state.currentItem === ITEM && voter.replica.state.e2e.keys.some((k) => k.item === ITEM && voter.replica.keyring!.has(k.id)), 'the voter holds the item key', 30_000);
  await c.create('vote.open', { vote: 'v-n3', item: ITEM, title: `Tausch mit ${VOTE}`, mode: 'roll-call' }, 'members');
  await until(() => voter.replica.state.votes.some((v) => v.id === 'v-n3'), 'the voter sees the vote', 30_000);
  await voter.replica.create('vote.cast', { vote: 'v-n3', choice: 'yes' }, 'members');
  await until(() => c.state.votes.find((v) => v.id === 'v-n3')?.received === 1, 'the chair holds the ballot', 30_000);
  const close = await c.create('vote.close', { vote: 'v-n3' }, 'members');
  await until(() => conflicted.replica.log.has(close.id) && voter.replica.log.has(close.id), 'the close reached every member', 30_000);
  await until(async () => await ctx.relay.store.has(ctx.demo.tenant, ctx.demo.meeting, close.id), 'the relay stored the close', 30_000);
}, 180_000);

afterAll(async () => {
  for (const d of [chair, voter, conflicted]) d?.client.stop();
  pub?.sock.destroy();
  await ctx?.relay.close();
  cleanup(ctx.dataDir);
});

describe('end-to-end encryption of members\' content against a real relay', () => {
  it('PUB-5 the members read the non-public item\'s title, debate and vote; the marker is nowhere in the relay\'s SQLite files, WAL included', async () => {
    const v = voter.replica.state;
    expect(v.agenda.find((i) => i.id === ITEM)?.title).toContain(TITLE);
    expect(v.votes.find((x) => x.id === 'v-n3')).toMatchObject({ title: `Tausch mit ${VOTE}`, status: 'closed', result: 'accepted' });
    expect([...voter.replica.log.all()].some((e) => found(e.payload, DEBATE))).toBe(true);
    expect(v.rejected).toEqual([]);
    const files = filesUnder(ctx.dataDir).filter((f) => /\.sqlite(-wal|-shm)?$/.test(f));
    expect(files.some((f) => f.endsWith('relay.sqlite-wal'))).toBe(true);
    let bytes = 0;
    for (const f of files) {
      const raw = readFileSync(f);
      bytes += raw.length;
      for (const m of MARKERS) expect({ file: f, marker: m, found: found(raw, m) }).toEqual({ file: f, marker: m, found: false });
      // The demo's own non-public title, sealed when seeded (directory.sqlite holds the imported master data, titles included).
      if (!f.includes('directory.sqlite')) expect(found(raw, 'Grundstücksangelegenheit'), f).toBe(false);
    }
    // The search can fail: the public agenda, stored in clear, is found in the same bytes.
    const all = Buffer.concat(files.map((f) => readFileSync(f)));
    expect(found(all, 'Radverkehrskonzept Innenstadt')).toBe(true);
    expect(bytes).toBeGreaterThan(0);
    // Every members' entry but the wraps is stored sealed: its payload, read from the row, names a key.
    const rows = (await ctx.relay.store.all(ctx.demo.tenant, ctx.demo.meeting, ['members'])).map((r) => envelope.decode(r.wire));
    expect(rows.filter((e) => e.kind !== 'keys.wrap').every((e) => keyOf(e.payload) !== undefined)).toBe(true);
  });

  it('PUB-5 a public client\'s raw frames, /metrics and the public export carry no marker; the relay\'s members record verifies without any key and holds none either', async () => {
    const frames = pub.received();
    expect(frames.length).toBeGreaterThan(1000);
    expect(found(frames, 'Radverkehrskonzept Innenstadt')).toBe(true); // what the public may see, it got
    for (const m of MARKERS) expect(found(frames, m), m).toBe(false);
    const metrics = await (await fetch(`${ctx.relay.url}/metrics`)).text();
    expect(metrics).toMatch(/ratsraum_/);
    const exported = recordBytes((await (await fetch(`${ctx.relay.url}/api/${ctx.demo.tenant}/${ctx.demo.meeting}/export`)).json()) as { envelopes: string[] });
    expect(found(exported, 'Radverkehrskonzept Innenstadt')).toBe(true);
    for (const m of MARKERS) {
      expect(metrics.includes(m), m).toBe(false);
      expect(found(exported, m), m).toBe(false);
    }
    const store = ctx.relay.store;
    const { tenant, meeting } = ctx.demo;
    const record = makeRecord({ tenant, meeting, docs: ['public', 'members'], tenantKey: (await store.tenantKey(tenant))!, certs: await store.certs(tenant), wires: (await store.all(tenant, meeting, ['public', 'members'])).map((r) => r.wire), beacons: await store.beacons(tenant, meeting) });
    const bytes = recordBytes(record);
    expect(found(bytes, 'Radverkehrskonzept Innenstadt')).toBe(true);
    for (const m of MARKERS) expect(found(bytes, m), m).toBe(false);
    const report = await verifyExport(JSON.parse(JSON.stringify(record)));
    expect(report.problems).toEqual([]);
    expect(report.verdict).toBe('pending'); // the session is still open
    // The verifier holds no key: it lists what it cannot open and fails nothing.
    expect(report.state!.e2e.unreadable.map((u) => u.kind).sort()).toEqual(['conflict.confirm', 'conflict.declare', 'item.current', 'vote.cast', 'vote.close', 'vote.open', 'y', 'y']);
    expect(report.state!.agenda.some((i) => i.id === ITEM)).toBe(false);
  });

  it('BEF-1 the conflicted member\'s device holds no key of the item: no wrap in the log names it, none it holds opens for it, and its store has no marker of the item\'s vote', async () => {
    const c = chair.replica.state;
    const itemKeys = c.e2e.keys.filter((k) => k.item === ITEM).map((k) => k.id);
    expect(itemKeys.length).toBe(1);
    const wraps = await storedWraps();
    const forItem = wraps.filter((w) => itemKeys.includes(w.key));
    const m05 = toHex(envelope.decode(conflicted.replica.envelopes().find((e) => e.kind === 'conflict.declare')!.wire).author);
    const entitled = (await ctx.relay.store.certs(ctx.demo.tenant)).filter((x) => x.body.dh && x.body.revoked === undefined);
    expect(new Set(forItem.map((w) => w.to)).size).toBe(entitled.length - 1); // every device of the body but one
    expect(forItem.filter((w) => w.to === m05)).toEqual([]);
    expect(wraps.filter((w) => w.key === c.e2e.keys.find((k) => k.item === null)!.id && w.to === m05).length).toBe(1); // the meeting key it has
    // Its own store: no key of the item, and no wrap in its log opens to one for its X25519 key.
    const dh = dhFromSeed(fromHex(personOf(conflicted).seed, 32));
    for (const id of itemKeys) expect(conflicted.replica.keyring!.has(id)).toBe(false);
    const opened = [...conflicted.replica.log.all()]
      .filter((e) => e.kind === 'keys.wrap')
      .map((e) => decodeEntry(e.kind, e.payload).payload as Payload<'keys.wrap'>)
      .map((w) => unwrap({ epk: fromHex(w.epk, 32), ct: fromHex(w.ct, 48) }, dh, wrapContext(ctx.demo.tenant, ctx.demo.meeting, w.key, m05)))
      .filter((k) => k !== undefined);
    expect(opened.length).toBe(1); // the meeting key only
    const s = conflicted.replica.state;
    expect(s.votes.find((v) => v.id === 'v-n3')).toBeUndefined();
    expect(s.e2e.unreadable.filter((u) => itemKeys.includes(u.key)).map((u) => u.kind).sort()).toEqual(['vote.cast', 'vote.close', 'vote.open']);
    expect(JSON.stringify(s).includes(VOTE)).toBe(false);
    expect([...conflicted.replica.log.all()].some((e) => found(e.payload, VOTE) || found(e.wire, VOTE))).toBe(false);
    // … while the voter's device, which holds the key, reads it: the search would have found it.
    expect([...voter.replica.log.all()].some((e) => found(e.payload, VOTE))).toBe(true);
  });
});
