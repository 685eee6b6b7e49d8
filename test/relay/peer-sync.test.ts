/** DIS-5 peer transport: Node devices keep one log over WebRTC data channels while no relay is reachable. */
import { afterEach, describe, expect, it } from 'vitest';
import { stateHash } from '../../core/state.js';
import { toHex } from '../../crypto/bytes.js';
import { cleanup, demoRelay, demoSigner, until } from '../helpers/relay.js';
import { faultProxy } from '../helpers/fault-proxy.js';
import { type PeerDevice, peerDevice } from '../helpers/peers.js';

const stops: (() => Promise<void> | void)[] = [];
afterEach(async () => {
  for (const s of stops.splice(0).reverse()) await s();
});

const same = (ds: PeerDevice[]) => new Set(ds.map((d) => stateHash(d.replica.state))).size === 1 && new Set(ds.map((d) => d.replica.log.size)).size === 1;

describe('peer transport', () => {
  it('DIS-5 peer path: with the relay gone, ballots and the close travel over data channels alone', async () => {
    const { relay, demo, dataDir, wsUrl } = await demoRelay();
    stops.push(() => cleanup(dataDir));
    const people = ['m01', 'm02', 'm03', 'm04', 'm05', 'm06'];
    const all = await Promise.all(people.map((p) => peerDevice(demo, p, [wsUrl])));
    stops.push(() => all.forEach((d) => d.stop()));
    await until(() => all.every((d) => d.client.status === 'online'), 'online');
    await until(() => all.every((d) => d.mesh.ready.length >= 2), 'every device has two peers', 30_000);
    const [chair] = all;
    for (const d of all) await d.replica.create('attendance.in', { person: d.person, place: 'remote' });
    await chair!.replica.create('session.open', {});
    await chair!.replica.create('vote.open', { vote: 'v1', item: 'top3', title: 'Radweg', mode: 'open' });
    await until(() => same(all), 'converged on the relay');

    await relay.close();
    await until(() => all.every((d) => d.client.status === 'offline'), 'everyone notices the relay is gone');
    for (const d of all.slice(1)) await d.replica.create('vote.cast', { vote: 'v1', choice: 'yes' });
    await until(() => chair!.replica.state.votes[0]!.ballots.length === 5, 'the chair holds every ballot, over peers only', 30_000);
    await chair!.replica.create('vote.close', { vote: 'v1' });
    await until(() => same(all) && all.every((d) => d.replica.state.votes[0]!.status === 'closed'), 'converged over peers', 30_000);
    expect(chair!.replica.state.votes[0]!.ballots.map((b) => b.status)).toEqual(['counted', 'counted', 'counted', 'counted', 'counted']);
    for (const d of all) expect(d.replica.integrity().invalid).toEqual([]);
  }, 90_000);

  it('DIS-5 peer path: a device whose data channels were stopped while a push was pending pushes again once they are back', async () => {
    const { relay, demo, dataDir, wsUrl } = await demoRelay();
    stops.push(() => cleanup(dataDir));
    const [a, b] = await Promise.all(['m01', 'm02'].map((p) => peerDevice(demo, p, [wsUrl])));
    stops.push(() => [a!, b!].forEach((d) => d.stop()));
    await until(() => a!.mesh.ready.length === 1 && b!.mesh.ready.length === 1, 'one data channel', 30_000);
    // An entry schedules a push over the channels; the channels stop before it runs (the line is cut).
    await a!.replica.create('attendance.in', { person: 'm01', place: 'remote' });
    a!.mesh.stop();
    a!.mesh.start();
    await until(() => a!.mesh.ready.length === 1 && b!.mesh.ready.length === 1, 'the channel again', 30_000);
    await until(() => same([a!, b!]), 'converged');
    await relay.close();
    await until(() => a!.client.status === 'offline' && b!.client.status === 'offline', 'no relay');
    const ask = await a!.replica.create('floor.ask', { person: 'm01' });
    await until(() => b!.replica.log.has(ask.id), 'the entry made after the restart arrives over the channel', 30_000);
  }, 90_000);

  it('DIS-5 AV-1 an entry reaches the relay once, from its author, not again from every peer that got it over a channel; one the relay lacks a peer pushes on', async () => {
    const { relay, demo, dataDir, wsUrl } = await demoRelay();
    stops.push(() => cleanup(dataDir));
    const forwardMs = 4000; // longer than the relay takes to forward, even on a loaded machine
    const all = await Promise.all(['m01', 'm02', 'm03', 'm04'].map((p) => peerDevice(demo, p, [wsUrl], { relayForwardMs: forwardMs })));
    stops.push(() => all.forEach((d) => d.stop()));
    await until(() => all.every((d) => d.client.status === 'online' && d.mesh.ready.length === 3), 'every device online and linked to the three others', 30_000);
    const duplicates = () => relay.hub.metrics.get('envelopes_duplicate_total');
    const before = duplicates();
    for (const d of all) await d.replica.create('attendance.in', { person: d.person, place: 'remote' });
    await until(() => same(all), 'converged');
    await new Promise((ok) => setTimeout(ok, forwardMs + 1000)); // every deferred push has run
    expect(duplicates()).toBe(before);

    // A device that lost its relay line: its entry goes to a peer, and from there to the relay.
    const [a] = all;
    a!.client.stop();
    const ask = await a!.replica.create('floor.ask', { person: 'm01' });
    await until(async () => (await relay.store.all(demo.tenant, demo.meeting, ['public'])).some((e) => e.id === ask.id), 'the relay holds the entry of the device without a line', 30_000);
  }, 90_000);

  it('DIS-5 a device sends its beacons over data channels when its log changed, else every second beat', async () => {
    const { demo, dataDir, wsUrl } = await demoRelay();
    stops.push(() => cleanup(dataDir));
    const meshBeaconMs = 300;
    // Relay beacons once a minute: what arrives here in the test came over the data channel.
    const [a, b] = await Promise.all(['m01', 'm02'].map((p) => peerDevice(demo, p, [wsUrl], { beaconMs: 60_000, meshBeaconMs })));
    stops.push(() => [a!, b!].forEach((d) => d.stop()));
    await until(() => a!.mesh.ready.length === 1 && b!.mesh.ready.length === 1, 'one data channel', 30_000);
    const heard: { at: number; doc: string; seq: number }[] = [];
    const receive = b!.replica.receiveBeacon.bind(b!.replica);
    b!.replica.receiveBeacon = (beacon) => {
      if (beacon.author === a!.replica.deviceKey) for (const [doc, f] of Object.entries(beacon.frontier)) heard.push({ at: beacon.at, doc, seq: f?.[a!.replica.deviceKey!] ?? 0 });
      return receive(beacon);
    };
    // The log settles after the sync; from then on it is quiet: only beacons signed after that count.
    await new Promise((ok) => setTimeout(ok, 3 * meshBeaconMs));
    const start = Date.now();
    await new Promise((ok) => setTimeout(ok, 12 * meshBeaconMs)); // about 12 beats
    const quiet = heard.filter((h) => h.doc === 'public' && h.at >= start);
    expect(quiet.length).toBeGreaterThanOrEqual(2);
    // Sent only when at least two beats have passed since the last ones (the lower bound is the code's, not the machine's).
    for (let i = 1; i < quiet.length; i++) expect(quiet[i]!.at - quiet[i - 1]!.at).toBeGreaterThanOrEqual(1.5 * meshBeaconMs);
    const entry = await a!.replica.create('attendance.in', { person: 'm01', place: 'remote' });
    await until(() => heard.some((h) => h.doc === 'public' && h.seq >= entry.seq), 'a beacon naming the new entry', 30_000);
  }, 90_000);

  // The relay took the device's offer (or answer) and its connection then ended: the signal is lost with it.
  // Links in setup wait 10 minutes here, so only the new login can bring the channel within the test's wait.
  for (const role of ['offerer', 'answerer'] as const)
    it(`DIS-5 peer path: a link whose signal was lost with a relay connection is set up anew at the next login (the device that lost it is the ${role})`, async () => {
      const { relay, demo, dataDir, wsUrl } = await demoRelay();
      stops.push(() => cleanup(dataDir));
      const proxy = await faultProxy(() => relay.port);
      stops.push(() => proxy.close());
      const setupMs = 600_000;
      const keys = await Promise.all(['m01', 'm02'].map(async (p) => [p, toHex((await demoSigner(demo, p)).publicKey)] as const));
      const [small, large] = keys.sort(([, a], [, b]) => (a < b ? -1 : 1)).map(([p]) => p);
      const log: string[] = [];
      const lost = await peerDevice(demo, role === 'offerer' ? small! : large!, [proxy.wsUrl], { setupMs, log: (m) => log.push(m) });
      stops.push(() => lost.stop());
      await until(() => lost.client.status === 'online', 'the device online through the proxy');
      proxy.deafen();
      const other = await peerDevice(demo, role === 'offerer' ? large! : small!, [wsUrl], { setupMs });
      stops.push(() => other.stop());
      await until(() => lost.mesh.settingUp.includes(other.replica.deviceKey!), 'a link in setup whose signal the relay never got', 30_000);
      await new Promise((ok) => setTimeout(ok, 1000)); // its offer or answer and candidates have gone out
      expect(lost.mesh.ready).toHaveLength(0);
      proxy.cut();
      proxy.heal();
      await until(() => lost.mesh.ready.some((s) => s.peer === other.replica.deviceKey!) && other.mesh.ready.some((s) => s.peer === lost.replica.deviceKey!), 'the data channel after the new login', 60_000);
      // Ended by the login itself, not by a failed ICE check or a `want` of the other side (either comes later, if at all).
      expect(log).toContain(`peers: link to ${other.replica.deviceKey!.slice(0, 8)} ended (signalled over a relay connection that ended)`);
      await relay.close();
      await until(() => lost.client.status === 'offline' && other.client.status === 'offline', 'no relay');
      const ask = await lost.replica.create('floor.ask', { person: lost.person });
      await until(() => other.replica.log.has(ask.id), 'an entry over the channel', 30_000);
    }, 120_000);
});
