/**
 * The relay's side of the sync protocol, frame by frame: frontier exchange in batches, want, synced,
 * fan-out, beacons, presence, ping, login timeout, rate limit, dead connections; and the sync client's
 * recovery from a lost acknowledgement and from a connection that silently stops answering.
 */
import { connect } from 'node:net';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import WebSocket, { WebSocketServer } from 'ws';
import * as Y from 'yjs';
import { fromHex, fromUtf8, toHex } from '../../crypto/bytes.js';
import * as envelope from '../../crypto/envelope.js';
import * as beacon from '../../core/beacon.js';
import { Replica } from '../../core/replica.js';
import { decodeServerFrame, encodeControl, encodeEnvelopes, LIMITS } from '../../core/wire.js';
import { cleanup, demoRelay, demoSigner, device, online, rawClient, until } from '../helpers/relay.js';

/** Envelopes the demo seeds: legal clause, meeting setup, public and members agenda. */
const DEMO_SETUP = 6; // + legal.recording (DS-3), disruption.rules (DIS-3)

const stops: (() => Promise<void> | void)[] = [];
afterEach(async () => {
  for (const s of stops.splice(0).reverse()) await s();
});

async function relay(opts: Parameters<typeof demoRelay>[0] = {}) {
  const ctx = await demoRelay(opts);
  stops.push(() => cleanup(ctx.dataDir));
  stops.push(() => ctx.relay.close());
  const connect = async (person: string | null) => {
    const c = await rawClient(ctx.wsUrl, { tenant: ctx.demo.tenant, meeting: ctx.demo.meeting, login: person ? await demoSigner(ctx.demo, person) : undefined, public: person === null });
    stops.push(() => c.close());
    return c;
  };
  return { ...ctx, connect };
}

/** A WebSocket proxy in front of a relay that can drop frames towards the client, or go silent. */
async function proxy(upstream: string, dropDown: (bytes: Uint8Array) => boolean = () => false) {
  const wss = new WebSocketServer({ port: 0, host: '127.0.0.1' });
  await new Promise((r) => wss.once('listening', r));
  let silent = false;
  wss.on('connection', (client) => {
    const up = new WebSocket(upstream);
    const pending: Buffer[] = [];
    up.on('open', () => pending.splice(0).forEach((b) => up.send(b)));
    up.on('message', (data: Buffer) => !silent && !dropDown(new Uint8Array(data)) && client.send(data));
    client.on('message', (data: Buffer) => {
      if (silent) return;
      if (up.readyState === up.OPEN) up.send(data);
      else pending.push(data);
    });
    client.on('close', () => up.close());
    up.on('close', () => client.close());
  });
  const p = {
    url: `ws://127.0.0.1:${(wss.address() as AddressInfo).port}`,
    silence: () => void (silent = true),
    close: () => {
      for (const c of wss.clients) c.terminate();
      return new Promise<void>((r) => wss.close(() => r()));
    },
  };
  stops.push(p.close);
  return p;
}

describe('relay sync protocol', () => {
  it('sends what a device lacks in insertion order, at most 512 per frame, then want, then synced', async () => {
    const r = await relay();
    const { tenant, meeting } = r.demo;
    const tenantKey = fromHex((await r.relay.store.tenantKey(tenant))!, 32);
    const author = new Replica({ tenant, meeting, tenantKey, docs: ['public', 'members'], signer: await demoSigner(r.demo, 'm04') });
    await author.addCerts(await r.relay.store.certs(tenant));
    for (let i = 0; i < 600; i++) await author.create('attendance.in', { person: 'm04', place: i % 2 ? 'onsite' : 'remote' }, i % 3 ? 'public' : 'members');
    for (const e of author.envelopes()) await r.relay.store.insert(tenant, meeting, { doc: e.doc, author: toHex(e.author), seq: e.seq, id: e.id, wire: e.wire });
    const stored = await r.relay.store.all(tenant, meeting, ['public', 'members']);
    expect(stored).toHaveLength(DEMO_SETUP + 600);

    const c = await r.connect('m05');
    const welcome = c.of('welcome')[0]!;
    expect(welcome).toMatchObject({ role: 'device', person: 'm05', docs: ['public', 'members'], tenantKey: toHex(tenantKey) });
    expect(welcome.certs).toHaveLength(r.demo.devices.length);
    const m04 = author.deviceKey!;
    expect(welcome.frontier).toMatchObject({ public: { [m04]: 400 }, members: { [m04]: 200 } });
    // The device holds m04's members chain up to seq 7 and nothing else.
    await c.sendAndWait(encodeControl({ t: 'sync', frontier: { members: { [m04]: 7 } } }), () => c.of('synced').length === 1, 'synced');
    const frames = c.envelopes;
    expect(frames.every((f) => f.length <= LIMITS.batch)).toBe(true);
    const got = frames.flat().map((w) => toHex(w));
    const lacking = stored.filter((e) => !(e.doc === 'members' && e.author === m04 && e.seq <= 7));
    expect(got).toEqual(lacking.map((e) => toHex(e.wire)));
    const order = c.got.map((m) => m.t).filter((t) => t === 'want' || t === 'synced');
    expect(order).toEqual(['synced']); // 7 < 200: nothing wanted

    const d = await r.connect('m06');
    await d.sendAndWait(encodeControl({ t: 'sync', frontier: { public: { [m04]: 400 }, members: { [m04]: 250 } } }), () => d.of('synced').length === 1, 'synced');
    expect(d.of('want')[0]!.ranges).toEqual([{ doc: 'members', author: m04, from: 201 }]);
    expect(d.got.findIndex((m) => m.t === 'want')).toBeLessThan(d.got.findIndex((m) => m.t === 'synced'));

    // The public gets only the public doc, and is never asked for anything.
    const p = await r.connect(null);
    expect(p.of('welcome')[0]!.frontier.members).toBeUndefined();
    await p.sendAndWait(encodeControl({ t: 'sync', frontier: { members: { [m04]: 250 } } }), () => p.of('synced').length === 1, 'synced');
    expect(p.envelopes.flat().map(toHex)).toEqual(stored.filter((e) => e.doc === 'public').map((e) => toHex(e.wire)));
    expect(p.envelopes.flat()).toHaveLength(405); // m04's 400, the admin's legal clause, recording setting, setup, disruption rules and public agenda
    expect(p.of('want')).toEqual([]);
  });

  it('splits large envelopes over several frames, both ways, each within the frame limit', async () => {
    const r = await relay();
    const m = await device(r.demo, 'm02', [r.wsUrl]);
    stops.push(() => m.client.stop());
    await online(m);
    m.client.stop(); // made offline, so they go out together on reconnect
    // 30 updates of about 176 KB each (text of the minutes draft): 5.3 MB, more than one frame holds.
    for (let i = 0; i < 30; i++) {
      const doc = new Y.Doc();
      doc.getText('minutes').insert(0, `Entwurf ${i} `.repeat(16_000));
      await m.replica.createY(Y.encodeStateAsUpdate(doc), 'members');
    }
    m.client.start();
    await online(m);
    expect(await r.relay.store.count()).toBe(DEMO_SETUP + 30);
    const c = await r.connect('m03');
    await c.sendAndWait(encodeControl({ t: 'sync', frontier: {} }), () => c.of('synced').length === 1, 'synced');
    expect(c.envelopes.length).toBeGreaterThan(1);
    for (const f of c.envelopes) expect(encodeEnvelopes(f).length).toBeLessThanOrEqual(LIMITS.frame);
    expect(c.envelopes.flat()).toHaveLength(DEMO_SETUP + 30);
  });

  it('fans out stored envelopes to the other connections that may read the doc, and answers ping', async () => {
    const r = await relay();
    const [a, b, pub] = [await r.connect('m02'), await r.connect('m03'), await r.connect(null)];
    for (const c of [a, b, pub]) await c.sendAndWait(encodeControl({ t: 'sync', frontier: {} }), () => c.of('synced').length === 1, 'synced');
    const before = [a, b, pub].map((c) => c.envelopes.length);
    const tenantKey = fromHex((await r.relay.store.tenantKey(r.demo.tenant))!, 32);
    const rep = new Replica({ tenant: r.demo.tenant, meeting: r.demo.meeting, tenantKey, docs: ['public', 'members'], signer: await demoSigner(r.demo, 'm02') });
    await rep.addCerts(await r.relay.store.certs(r.demo.tenant));
    await rep.receive((await r.relay.store.all(r.demo.tenant, r.demo.meeting, ['public', 'members'])).map((e) => e.wire));
    const pubEntry = await rep.create('attendance.in', { person: 'm02', place: 'remote' });
    const secret = await rep.create('attendance.in', { person: 'm02', place: 'remote' }, 'members');
    await a.sendAndWait(encodeEnvelopes([pubEntry.wire, secret.wire]), () => a.of('ack').length === 1, 'ack');
    expect(a.of('ack')[0]!.ids).toEqual([pubEntry.id, secret.id]);
    await until(() => b.envelopes.length === before[1]! + 2 && pub.envelopes.length === before[2]! + 1, 'fan-out');
    expect(b.envelopes.slice(-2).flat().map(toHex).sort()).toEqual([toHex(pubEntry.wire), toHex(secret.wire)].sort());
    expect(pub.envelopes.at(-1)!.map(toHex)).toEqual([toHex(pubEntry.wire)]);
    expect(a.envelopes.length).toBe(before[0]); // not echoed to the sender
    // A pong on the public's own ordered stream comes after every frame the relay sent it before (the fan-out included).
    for (const c of [a, pub]) await c.sendAndWait(encodeControl({ t: 'ping' }), () => c.of('pong').length === 1, 'pong');
    expect(pub.envelopes.flat().map(toHex)).not.toContain(toHex(secret.wire));
    const fresh = await rawClient(r.wsUrl, { tenant: r.demo.tenant, meeting: r.demo.meeting });
    stops.push(() => fresh.close());
    await fresh.sendAndWait(encodeControl({ t: 'ping' }), () => fresh.of('pong').length === 1, 'pong before login');
  });

  it('forwards beacons to device connections (public-scoped ones to the public too) and gives newcomers the last one of each device and scope', async () => {
    const r = await relay();
    const [a, b, pub] = [await r.connect('m02'), await r.connect('m03'), await r.connect(null)];
    const signer = await demoSigner(r.demo, 'm02');
    const older = await beacon.make(r.demo.tenant, r.demo.meeting, signer, { public: {} }, 1000);
    const newer = await beacon.make(r.demo.tenant, r.demo.meeting, signer, { public: { [toHex(signer.publicKey)]: 3 } }, 2000);
    a.ws.send(encodeControl({ t: 'beacon', beacon: older }));
    await a.sendAndWait(encodeControl({ t: 'beacon', beacon: newer }), () => b.of('beacon').length === 2, 'beacons at b');
    expect(b.of('beacon').map((m) => m.beacon)).toEqual([older, newer]);
    expect(a.of('beacon')).toEqual([]);
    const late = await r.connect('m04');
    expect(late.of('beacon').map((m) => m.beacon)).toEqual([newer]);
    await until(() => pub.of('beacon').length === 2, 'public-scoped beacons at the public');
    expect(pub.of('beacon').map((m) => m.beacon)).toEqual([older, newer]);
  });

  it('VID-3 devices and the public learn who is connected on every connect and disconnect (the public by person, without device keys), and who takes part from the signed attendance', async () => {
    const r = await relay();
    const a = await r.connect('m02');
    const pub = await r.connect(null);
    const people = (c: typeof a) => (c.of('presence').at(-1)?.devices ?? []).map((d) => d.person).sort();
    await until(() => people(a).join() === 'm02', 'a sees itself');
    const b = await r.connect('m03');
    await until(() => people(a).join() === 'm02,m03', 'a sees b');
    expect(people(b)).toEqual(['m02', 'm03']);
    expect(a.of('presence').at(-1)!.devices.every((d) => d.connected)).toBe(true);
    const publicSees = () => (pub.of('present').at(-1)?.persons ?? []).join();
    await until(() => publicSees() === 'm02,m03', 'the public sees both connected');
    b.close();
    await until(() => people(a).join() === 'm02', 'a sees b leave');
    await until(() => publicSees() === 'm02', 'the public sees b leave');
    // Taking part is public: a member's check-in reaches the public socket as a signed entry.
    const m04 = await device(r.demo, 'm04', [r.wsUrl]);
    stops.push(() => m04.client.stop());
    await online(m04);
    await m04.replica.create('attendance.in', { person: 'm04', place: 'remote' });
    const checkedIn = () => pub.envelopes.flat().map((w) => envelope.decode(w)).filter((e) => e.kind === 'attendance.in').map((e) => JSON.parse(fromUtf8(e.payload)).person);
    await until(() => checkedIn().includes('m04'), 'the public receives the check-in');
    // One ordered stream: no device list (with device keys) reached the public before this entry.
    expect(pub.of('presence')).toEqual([]);
    expect(JSON.stringify(pub.of('present'))).not.toMatch(/[0-9a-f]{64}/);
  });

  it('closes connections that do not log in within the timeout, and limits the envelope rate', async () => {
    const r = await relay({ hub: { authTimeoutMs: 200, rate: { burst: 3, perSecond: 0.001 } } });
    const idle = await rawClient(r.wsUrl, { tenant: r.demo.tenant, meeting: r.demo.meeting });
    const a = await r.connect('m02');
    await until(() => idle.isClosed(), 'idle connection closed', 2000);
    expect(idle.closeCode()).toBe(4001);
    expect(a.isClosed()).toBe(false);

    const tenantKey = fromHex((await r.relay.store.tenantKey(r.demo.tenant))!, 32);
    const rep = new Replica({ tenant: r.demo.tenant, meeting: r.demo.meeting, tenantKey, docs: ['public', 'members'], signer: await demoSigner(r.demo, 'm02') });
    await rep.addCerts(await r.relay.store.certs(r.demo.tenant));
    const es = [];
    for (let i = 0; i < 4; i++) es.push(await rep.create('attendance.in', { person: 'm02', place: 'remote' }));
    const before = await r.relay.store.count();
    await a.sendAndWait(encodeEnvelopes(es.slice(0, 3).map((e) => e.wire)), () => a.of('ack').length === 1, 'ack');
    expect(await a.sendAndWaitError(encodeEnvelopes([es[3]!.wire]))).toBe('rate-limit');
    expect(await r.relay.store.count()).toBe(before + 3);
  });

  it('stores an envelope sent twice at once over two connections of one device exactly once', async () => {
    const r = await relay();
    const [a, b] = [await r.connect('m02'), await r.connect('m02')];
    const tenantKey = fromHex((await r.relay.store.tenantKey(r.demo.tenant))!, 32);
    const twin = async () => {
      const rep = new Replica({ tenant: r.demo.tenant, meeting: r.demo.meeting, tenantKey, docs: ['public', 'members'], signer: await demoSigner(r.demo, 'm02') });
      await rep.addCerts(await r.relay.store.certs(r.demo.tenant));
      return rep;
    };
    const one = await (await twin()).create('attendance.in', { person: 'm02', place: 'remote' });
    const other = await (await twin()).create('attendance.in', { person: 'm02', place: 'onsite' }); // same seq 1
    const before = await r.relay.store.count();
    a.ws.send(encodeEnvelopes([one.wire]));
    b.ws.send(encodeEnvelopes([one.wire]));
    const answers = () => JSON.stringify([a, b].map((c) => c.got.filter((m) => m.t === 'ack' || m.t === 'error')));
    await until(() => a.of('ack').length === 1 && b.of('ack').length === 1, 'both acknowledged').catch((e) => {
      throw new Error(`${e.message}: ${answers()}`);
    });
    expect(await r.relay.store.count()).toBe(before + 1);
    expect(await a.sendAndWaitError(encodeEnvelopes([other.wire]))).toBe('fork');
    expect(await r.relay.store.count()).toBe(before + 1);
  });

  it('cuts off a connection that floods the relay with frames', async () => {
    const r = await relay();
    const c = await r.connect(null);
    const ping = encodeControl({ t: 'ping' });
    for (let i = 0; i < 5000 && !c.isClosed(); i++) c.ws.send(ping);
    await until(() => c.isClosed(), 'flooding connection closed');
    expect(c.closeCode()).toBe(1008);
    const ok = await r.connect('m02');
    expect(ok.of('welcome')).toHaveLength(1);
  });

  it('drops a connection that stops answering WebSocket pings', async () => {
    const r = await relay({ heartbeatMs: 100 });
    // A raw TCP peer that upgrades and then never answers: a device whose line was cut.
    const sock = connect(r.relay.port, '127.0.0.1');
    let closed = false;
    let received = '';
    sock.on('data', (b: Buffer) => (received += b.toString('latin1')));
    sock.on('close', () => (closed = true));
    sock.on('error', () => {});
    sock.write(`GET /sync HTTP/1.1\r\nHost: 127.0.0.1\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Key: ${Buffer.from('0123456789abcdef').toString('base64')}\r\nSec-WebSocket-Version: 13\r\n\r\n`);
    await until(() => received.startsWith('HTTP/1.1 101'), 'upgraded');
    await until(() => closed, 'dead connection dropped', 3000);
  });
});

describe('sync client recovery', () => {
  it('DIS-5 an entry stored by the relay whose ack was lost does not keep the device resyncing after reconnect', async () => {
    const r = await relay();
    const swallowed: string[] = [];
    const noAcks = await proxy(r.wsUrl, (bytes) => {
      const f = decodeServerFrame(bytes);
      if (f.type !== 'control' || f.message.t !== 'ack') return false;
      swallowed.push(...f.message.ids);
      return true;
    });
    const m = await device(r.demo, 'm02', [noAcks.url, r.wsUrl]);
    stops.push(() => m.client.stop());
    await until(() => m.client.status === 'online', 'online through the proxy');
    const e = await m.replica.create('attendance.in', { person: 'm02', place: 'remote' });
    await until(async () => await r.relay.store.has(r.demo.tenant, r.demo.meeting, e.id), 'stored by the relay');
    await until(() => swallowed.includes(e.id), 'the proxy swallowed the ack');
    expect(m.client.status).toBe('resyncing'); // stored, but the device never heard so
    await noAcks.close();
    await until(() => m.statuses.includes('offline'), 'offline');
    await online(m);
    expect(await r.relay.store.count()).toBe(DEMO_SETUP + 1);
  });

  it('DIS-5 a relay connection that goes silent is given up and the next relay is used', async () => {
    const r = await relay();
    const flaky = await proxy(r.wsUrl);
    const m = await device(r.demo, 'm02', [flaky.url, r.wsUrl], { pingMs: 100 });
    stops.push(() => m.client.stop());
    await online(m);
    flaky.silence(); // the TCP connection stays open; nothing arrives any more
    await m.replica.create('attendance.in', { person: 'm02', place: 'onsite' });
    await until(() => m.statuses.includes('offline'), 'the client notices the silence', 3000);
    await online(m);
    expect(await r.relay.store.count()).toBe(DEMO_SETUP + 1);
    expect(m.errors).toEqual([]);
  });
});
