/**
 * Several relays: the store is the truth, the bus only makes it fast (relay/sync/cluster.ts). Two relays in
 * one process over one data folder on the in-process bus (relay/bus.ts), one of which loses every envelope
 * message it publishes: the other still hands its entries on, from its walk of the store.
 */
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { type Bus, memoryNet } from '../../relay/bus.js';
import { openSqlite } from '../../relay/store.js';
import { decodeMessage, encodeMessage, lastPosition } from '../../relay/sync/cluster.js';
import { cleanup, demoRelay, device, online, tempDir, until } from '../helpers/relay.js';

const stops: (() => unknown)[] = [];
afterAll(async () => {
  for (const s of stops.splice(0).reverse()) await s();
});

/** A bus on which this relay's envelope messages are lost (Redis gone between storing and publishing). */
const losingEnvelopes = (bus: Bus): Bus => ({ ...bus, publish: (c, m) => (decodeMessage(m).header.t === 'envelopes' ? undefined : bus.publish(c, m)) });

describe('several relays: the bus message and the store position', () => {
  it('a bus message decodes to what was encoded, byte for byte as docs/PROTOCOL.md "Several relays" says', () => {
    const wires = [Uint8Array.of(1, 2, 3), new Uint8Array(0), Uint8Array.of(255)];
    const m = encodeMessage('00ff00ff00ff00ff', { t: 'envelopes' }, wires);
    const head = '{"from":"00ff00ff00ff00ff","t":"envelopes"}';
    expect([...m.subarray(0, 4)]).toEqual([0, 0, 0, head.length]);
    expect(new TextDecoder().decode(m.subarray(4, 4 + head.length))).toBe(head);
    expect([...m.subarray(4 + head.length)]).toEqual([0, 0, 0, 3, 0, 0, 0, 3, 1, 2, 3, 0, 0, 0, 0, 0, 0, 0, 1, 255]);
    expect(decodeMessage(m)).toEqual({ from: '00ff00ff00ff00ff', header: { t: 'envelopes' }, wires });
    const p = decodeMessage(encodeMessage('ab', { t: 'presence', devices: [{ device: 'd', person: 'm01' }] }));
    expect(p).toEqual({ from: 'ab', header: { t: 'presence', devices: [{ device: 'd', person: 'm01' }] }, wires: [] });
    expect(() => decodeMessage(Uint8Array.of(...m.subarray(0, m.length - 1)))).toThrow(RangeError);
  });

  it("finds a meeting's highest store position among other meetings' rows", async () => {
    const dir = tempDir();
    stops.push(() => cleanup(dir));
    const store = openSqlite(join(dir, 'relay.sqlite'));
    stops.push(() => store.close());
    expect(await lastPosition(store, 't', 'a')).toBe(0);
    const put = (meeting: string, seq: number) => store.insert('t', meeting, { doc: 'public', author: 'x', seq, id: `${meeting}${seq}`, wire: Uint8Array.of(seq) });
    for (let i = 1; i <= 1000; i++) await put(i % 7 === 0 ? 'a' : 'b', i);
    const last = (await store.page('t', 'a', 0, 10_000)).at(-1)!.n;
    expect(await lastPosition(store, 't', 'a')).toBe(last);
    await put('a', 2000);
    expect(await lastPosition(store, 't', 'a')).toBe((await store.page('t', 'a', last, 10)).at(-1)!.n);
  });
});

describe('several relays: the store is the truth', () => {
  it('AV-1 a relay whose envelope messages never reach the bus: devices on the other relay still get every entry it stored, once, without reconnecting', async () => {
    const net = memoryNet();
    const cluster = { pollMs: 200 };
    const first = await demoRelay({ relay: { bus: losingEnvelopes(net.bus()) }, hub: { cluster } });
    stops.push(() => cleanup(first.dataDir), () => first.relay.close());
    const second = await demoRelay({ dataDir: first.dataDir, demo: first.demo, relay: { bus: net.bus() }, hub: { cluster } });
    stops.push(() => second.relay.close());

    const chair = await device(first.demo, 'm01', [first.wsUrl]);
    const member = await device(first.demo, 'm02', [second.wsUrl]);
    stops.push(() => [chair, member].forEach((d) => d.client.stop()));
    await Promise.all([online(chair), online(member)]);
    const made: { id: string }[] = [];
    for (let i = 0; i < 30; i++) made.push(await chair.replica.create('attendance.in', { person: 'm01', place: i % 2 ? 'onsite' : 'remote' }));
    await until(() => made.every((e) => member.replica.log.has(e.id)), "the chair's entries on the other relay's device", 30_000);
    expect(member.statuses.filter((s) => s === 'offline' || s === 'connecting').length).toBe(1); // the first connect only
    expect(member.replica.integrity().invalid).toEqual([]);
    expect(member.replica.state.attendanceLog.filter((x) => x.person === 'm01')).toHaveLength(30);
  }, 120_000);
});
