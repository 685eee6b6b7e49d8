/**
 * DIS-5 peer mesh after a partition (20 Node devices): the group's devices stop their data channels while cut off,
 * start them again on their return, and then the relay goes.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { stateHash } from '../../core/state.js';
import { demoMasterData, seedDemo } from '../../relay/demo.js';
import { bigDemo } from '../helpers/council.js';
import { faultProxy } from '../helpers/fault-proxy.js';
import { cleanup, demoRelay, until } from '../helpers/relay.js';
import { type PeerDevice, peerDevice } from '../helpers/peers.js';

const stops: (() => Promise<void> | void)[] = [];
afterEach(async () => {
  for (const s of stops.splice(0).reverse()) await s();
});

const LONG = 180_000; // a loaded 2-core machine
const same = (ds: PeerDevice[]) => new Set(ds.map((d) => stateHash(d.replica.state))).size === 1 && new Set(ds.map((d) => d.replica.log.size)).size === 1;

describe('peer transport after a partition', () => {
  it('DIS-5 peer mesh after a partition: a cut-off group that returns finds room on the ring again and its entries travel over data channels alone', async () => {
    const demo = bigDemo(20);
    const { relay, dataDir } = await demoRelay({ demo });
    stops.push(() => cleanup(dataDir));
    await seedDemo(relay.store, demo);
    await relay.identity.directory.put(demo.tenant, demoMasterData(demo));
    const [main, line] = [await faultProxy(() => relay.port), await faultProxy(() => relay.port)];
    stops.push(() => Promise.all([main.close(), line.close()]).then(() => {}));
    const names = demo.devices.filter((d) => d.person.startsWith('x')).map((d) => d.person);
    const all: PeerDevice[] = [];
    for (const [i, p] of names.entries()) all.push(await peerDevice(demo, p, [i < 7 ? line.wsUrl : main.wsUrl], { beaconMs: 2000 }));
    stops.push(() => all.forEach((d) => d.stop()));
    const cut = all.slice(0, 7);
    await until(() => all.every((d) => d.client.status === 'online' && d.mesh.ready.length >= 1), 'online, with data channels', LONG);
    // The group loses its line and its data channels; the ring of the others moves on (presence lists 13).
    line.cut();
    for (const d of cut) d.mesh.stop();
    await until(() => cut.every((d) => d.client.status !== 'online'), 'the group is cut off', LONG);
    await until(() => all.slice(7).every((d) => d.client.presence.length === 13), 'presence lists the others only', LONG);
    line.heal();
    for (const d of cut) d.mesh.start();
    await until(() => cut.every((d) => d.client.status === 'online' && d.mesh.ready.length >= 1), 'every returning device has a data channel again', LONG);
    await until(() => all.every((d) => d.client.presence.length === 20), 'presence lists all 20', LONG);
    // The ring is closed (each device linked with the next key): only then can the channels alone carry it all.
    const keys = all.map((d) => d.replica.deviceKey!).sort();
    const linked = (a: string, b: string) => all.some((d) => d.replica.deviceKey === a && d.mesh.ready.some((x) => x.peer === b));
    await until(() => keys.every((k, i) => linked(k, keys[(i + 1) % keys.length]!) || linked(keys[(i + 1) % keys.length]!, k)), 'a closed ring of data channels', LONG);
    // Then the relay goes: what the group signs reaches everyone over the channels the ring made anew.
    await relay.close();
    await until(() => all.every((d) => d.client.status !== 'online'), 'no relay', LONG);
    // What any device holds (an entry signed just before the relay went may not have reached every device yet), plus the group's new entries.
    const size = new Set(all.flatMap((d) => [...d.replica.log.all()].map((e) => e.id))).size + cut.length;
    const asks: string[] = [];
    for (const d of cut) asks.push((await d.replica.create('floor.ask', { person: d.person })).id);
    await until(() => all.every((d) => d.replica.log.size === size), 'the entries of the group on every device, over data channels alone', LONG).catch((e) => {
      const short = (k: string) => k.slice(0, 6);
      for (const d of all)
        console.log(`partition ${d.person} ${short(d.replica.deviceKey!)}${cut.includes(d) ? ' (cut)' : ''}: log ${d.replica.log.size}/${size}, lacks ${asks.filter((a) => !d.replica.log.has(a)).length} asks, integrity ${JSON.stringify(d.replica.integrity()).slice(0, 200)}, ready ${d.mesh.ready.map((x) => short(x.peer)).join(' ')}`);
      throw e;
    });
    expect(same(all)).toBe(true);
    for (const d of all) expect(d.mesh.ready.length).toBeLessThanOrEqual(10);
  }, 600_000);
});
