/** The relay path end to end with Node devices: outage and resync, public/members separation, durability. */
import { spawn, type ChildProcess } from 'node:child_process';
import { afterEach, describe, expect, it } from 'vitest';
import { stateHash } from '../../core/state.js';
import { startRelay } from '../../relay/server.js';
import { decode } from '../../crypto/envelope.js';
import { encodeControl } from '../../core/wire.js';
import { cleanup, demoRelay, device, type NodeDevice, online, rawClient, until } from '../helpers/relay.js';

const stops: (() => Promise<void> | void)[] = [];
afterEach(async () => {
  for (const s of stops.splice(0).reverse()) await s();
});

const converged = (devices: NodeDevice[]) =>
  until(
    () => devices.every((d) => d.client.status === 'online') && new Set(devices.map((d) => stateHash(d.replica.state))).size === 1 && new Set(devices.map((d) => d.replica.log.size)).size === 1,
    'all devices converge',
    20_000,
  ).catch((e) => {
    const report = devices.map((d) => `${d.person}: ${d.client.status} log ${d.replica.log.size} errors [${d.errors.join(' | ')}] integrity ${JSON.stringify(d.replica.integrity())}`);
    throw new Error(`${e.message}\n${report.join('\n')}`);
  });

/** A demo relay and a backup relay whose store holds a copy of the primary's (as the data centre's backup would). */
async function primaryAndBackup() {
  const primary = await demoRelay();
  const backup = await demoRelay({ demo: primary.demo });
  const { tenant, meeting } = primary.demo;
  await backup.relay.store.putTenant(tenant, (await primary.relay.store.tenantKey(tenant))!);
  for (const c of await primary.relay.store.certs(tenant)) await backup.relay.store.putCert(c);
  for (const e of await primary.relay.store.all(tenant, meeting, ['public', 'members'])) await backup.relay.store.insert(tenant, meeting, e);
  stops.push(() => cleanup(primary.dataDir, backup.dataDir));
  return { primary, backup };
}

describe('relay path', () => {
  it('DIS-5 relay path: devices work on through a relay outage and converge without loss or duplicates', async () => {
    const { relay, demo, dataDir, wsUrl } = await demoRelay();
    stops.push(() => cleanup(dataDir));
    const [chair, m2, m3] = await Promise.all(['m01', 'm02', 'm03'].map((p) => device(demo, p, [wsUrl])));
    const all = [chair!, m2!, m3!];
    stops.push(() => all.forEach((d) => d.client.stop()));
    await Promise.all(all.map(online));
    for (const d of all) await d.replica.create('attendance.in', { person: d.person, place: 'remote' });
    await chair!.replica.create('session.open', {});
    await chair!.replica.create('vote.open', { vote: 'v1', item: 'top3', title: 'Radverkehrskonzept', mode: 'open' });
    await converged(all);
    await m2!.replica.create('vote.cast', { vote: 'v1', choice: 'yes' });
    await converged(all);

    // The relay goes down mid-vote. Everyone keeps working locally.
    const port = relay.port;
    await relay.close();
    await until(() => all.every((d) => d.client.status !== 'online'), 'all notice the outage');
    await m3!.replica.create('vote.cast', { vote: 'v1', choice: 'no' });
    await m2!.replica.create('attendance.in', { person: 'm02', place: 'onsite' });
    await m2!.replica.create('attendance.in', { person: 'm02', place: 'onsite' }, 'members');
    await chair!.replica.create('item.current', { item: 'top3' });
    expect(m3!.replica.state.votes[0]!.ballots.map((b) => b.status)).toEqual(['pending', 'pending']);

    const again = await startRelay({ dataDir, port, quiet: true, demo: true });
    stops.push(() => again.close());
    await converged(all);
    await chair!.replica.create('vote.close', { vote: 'v1' });
    await converged(all);

    const v = chair!.replica.state.votes[0]!;
    expect(v.ballots.map((b) => [b.person, b.status])).toEqual([
      ['m02', 'counted'],
      ['m03', 'counted'],
    ]);
    expect(v.tally).toEqual({ yes: 1, no: 1, abstain: 0 });
    expect(v.result).toBe('rejected');
    expect(chair!.replica.state.attendance['m02']).toMatchObject({ present: true, place: 'onsite' });
    expect(chair!.replica.state.currentItem).toBe('top3');
    // Nothing lost, nothing twice: the relay holds exactly what every device holds.
    expect((await again.store.all(demo.tenant, demo.meeting, ['public', 'members'])).map((e) => e.id).sort()).toEqual(chair!.replica.envelopes().map((e) => e.id).sort());
    for (const d of all) expect(d.replica.integrity()).toMatchObject({ forks: [], gaps: [], danglingDeps: [], invalid: [] });
  });

  it('DIS-5 relay path: a backup relay takes over when the primary is down', async () => {
    const { primary, backup } = await primaryAndBackup();
    await primary.relay.close();
    const chair = await device(primary.demo, 'm01', [primary.wsUrl, backup.wsUrl]);
    stops.push(() => chair.client.stop());
    stops.push(() => backup.relay.close());
    await online(chair).catch((e) => {
      throw new Error(`${e.message}; statuses ${chair.statuses.join(',')}; errors ${chair.errors.join(' | ')}`);
    });
    const before = await backup.relay.store.count();
    await chair.replica.create('attendance.in', { person: 'm01', place: 'onsite' });
    await until(async () => await backup.relay.store.count() === before + 1, 'backup relay stores the entry').catch(async (e) => {
      throw new Error(`${e.message}: count ${await backup.relay.store.count()}, statuses ${chair.statuses.join(',')}, errors ${chair.errors.join(' | ')}, log ${chair.replica.log.size}`);
    });
    expect(chair.replica.state.attendance['m01']).toMatchObject({ present: true, place: 'onsite' });
    expect(chair.replica.state.agenda).toHaveLength(7);
  });

  it('DIS-5 relay path: a device on the backup relay goes back to the primary once it answers again, where presence and signals meet the others', async () => {
    const { primary, backup } = await primaryAndBackup();
    const { tenant, meeting } = primary.demo;
    stops.push(() => backup.relay.close());
    const port = primary.relay.port;
    await primary.relay.close();
    const chair = await device(primary.demo, 'm01', [primary.wsUrl, backup.wsUrl], { returnMs: 300 });
    stops.push(() => chair.client.stop());
    await online(chair);
    expect(chair.client.relayUrl).toBe(backup.wsUrl);
    const onBackup = chair.statuses.length;
    const signedOnBackup = await chair.replica.create('attendance.in', { person: 'm01', place: 'remote' });
    await until(async () => (await backup.relay.store.all(tenant, meeting, ['public'])).some((e) => e.id === signedOnBackup.id), 'the backup stores the entry');
    // The primary comes back on its address with its own store, which lacks what was signed meanwhile.
    const again = await demoRelay({ dataDir: primary.dataDir, port, demo: primary.demo });
    stops.push(() => again.relay.close());
    const member = await device(primary.demo, 'm02', [primary.wsUrl]);
    stops.push(() => member.client.stop());
    await until(() => chair.client.relayUrl === primary.wsUrl && chair.client.status === 'online', 'the chair is back on the primary', 30_000);
    // There the two meet: the primary lists the chair's device to the member (signalling for data channels needs that).
    const chairKey = chair.replica.deviceKey!;
    await until(() => member.client.presence.some((p) => p.device === chairKey), "the primary's presence lists the chair's device", 30_000);
    // And what the chair signed on the backup reaches the primary by the chair's resync.
    await until(async () => (await again.relay.store.all(tenant, meeting, ['public'])).some((e) => e.id === signedOnBackup.id), 'the primary stores what was signed on the backup', 30_000);
    await until(() => member.replica.log.has(signedOnBackup.id), 'the member gets it from the primary', 30_000);
    // A move it chose, not a lost line: the device never showed itself offline for it.
    expect(chair.statuses.slice(onBackup)).not.toContain('offline');
    expect(chair.statuses.slice(onBackup)).toContain('connecting');
  });

  it('PUB-5 a public connection never receives an envelope of the members document (asserted on the raw frames it gets)', async () => {
    const { relay, demo, dataDir, wsUrl } = await demoRelay();
    stops.push(() => cleanup(dataDir));
    stops.push(() => relay.close());
    const chair = await device(demo, 'm01', [wsUrl]);
    const pub = await device(demo, null, [wsUrl]);
    // The replica drops members' envelopes itself, so the proof is what reaches a public socket at all.
    const wire = await rawClient(wsUrl, { tenant: demo.tenant, meeting: demo.meeting, public: true });
    stops.push(() => wire.close());
    wire.ws.send(encodeControl({ t: 'sync', frontier: {} }));
    stops.push(() => [chair, pub].forEach((d) => d.client.stop()));
    await Promise.all([online(chair), online(pub)]);
    await chair.replica.create('attendance.in', { person: 'm01', place: 'onsite' });
    await chair.replica.create('session.open', {});
    await chair.replica.create('vote.open', { vote: 'n1v', item: 'n1', title: 'Grundstück', mode: 'open' }, 'members');
    await chair.replica.create('vote.cast', { vote: 'n1v', choice: 'yes' }, 'members');
    await chair.replica.create('vote.close', { vote: 'n1v' }, 'members');
    const marker = await chair.replica.create('attendance.in', { person: 'm01', place: 'remote' });
    await until(() => pub.replica.state.session === 'open', 'public sees the session open');
    await until(() => wire.envelopes.flat().some((w) => decode(w).id === marker.id), 'the raw public socket gets the marker');
    // The marker was made after the members' entries: had the hub fanned them out, they would have arrived before it.
    expect(wire.envelopes.flat().map((w) => decode(w).doc).filter((d) => d !== 'public')).toEqual([]);
    expect(wire.of('welcome')[0]!.frontier.members).toBeUndefined();
    expect([...pub.replica.log.all()].filter((e) => e.doc === 'members')).toEqual([]);
    expect(pub.replica.state.agenda.every((i) => i.public)).toBe(true);
    expect(pub.replica.state.votes).toEqual([]);
    expect(chair.replica.state.votes[0]!.result).toBe('accepted');
  });

  it('DIS-5 AV-1 a device sends its beacons to the relay at login, when its log changed, and else only every second beat (raw frames at a public listener)', async () => {
    const { demo, dataDir, wsUrl } = await demoRelay();
    stops.push(() => cleanup(dataDir));
    const beaconMs = 1000; // the relay passes 1 beacon per second and scope after a burst of 5: slower beats, so that it drops none
    const a = await device(demo, 'm02', [wsUrl], { beaconMs });
    stops.push(() => a.client.stop());
    await online(a);
    const listener = await rawClient(wsUrl, { tenant: demo.tenant, meeting: demo.meeting, public: true });
    stops.push(() => listener.ws.close());
    const heard = () => listener.got.flatMap((m) => (m.t === 'beacon' && m.beacon.author === a.replica.deviceKey ? [m.beacon] : []));
    // The log settles after the login (the sync); from then on it is quiet: only beacons signed after that count.
    await new Promise((ok) => setTimeout(ok, 3 * beaconMs));
    const start = Date.now();
    await new Promise((ok) => setTimeout(ok, 8 * beaconMs)); // about 8 beats
    const quiet = heard().filter((b) => b.at >= start);
    expect(quiet.length).toBeGreaterThanOrEqual(2);
    // At least two beats apart (the lower bound is the code's, not the machine's).
    for (let i = 1; i < quiet.length; i++) expect(quiet[i]!.at - quiet[i - 1]!.at).toBeGreaterThanOrEqual(1.5 * beaconMs);
    const entry = await a.replica.create('attendance.in', { person: 'm02', place: 'remote' });
    await until(() => heard().some((b) => (b.frontier.public?.[a.replica.deviceKey!] ?? 0) >= entry.seq), 'a beacon naming the new entry', 30_000);
  }, 60_000);

  it('the store survives kill -9 of the relay process', async () => {
    const { relay, demo, dataDir } = await demoRelay();
    const port = relay.port;
    await relay.close();
    stops.push(() => cleanup(dataDir));
    const run = (): ChildProcess =>
      spawn(process.execPath, ['--import', 'tsx', '-e', `import('./relay/server.ts').then(m => m.startRelay({ dataDir: ${JSON.stringify(dataDir)}, port: ${port}, quiet: true, demo: true })).then(() => console.log('ready'))`], { stdio: ['ignore', 'pipe', 'inherit'] });
    const ready = (c: ChildProcess) => new Promise<void>((ok) => c.stdout!.on('data', (b: Buffer) => b.toString().includes('ready') && ok()));
    let child = run();
    await ready(child);
    stops.push(() => void child.kill('SIGKILL'));
    const url = `ws://127.0.0.1:${port}/sync`;
    const chair = await device(demo, 'm01', [url]);
    stops.push(() => chair.client.stop());
    await online(chair);
    for (let i = 0; i < 20; i++) await chair.replica.create('attendance.in', { person: 'm01', place: i % 2 ? 'onsite' : 'remote' });
    await online(chair); // every entry acknowledged, i.e. committed by the relay
    const ids = chair.replica.envelopes().map((e) => e.id).sort();
    child.kill('SIGKILL');
    await new Promise((r) => child.once('exit', r));
    child = run();
    await ready(child);
    const fresh = await device(demo, 'm02', [url]);
    stops.push(() => fresh.client.stop());
    await until(() => fresh.replica.log.size === ids.length, 'a new device receives everything after the restart');
    expect(fresh.replica.envelopes().map((e) => e.id).sort()).toEqual(ids);
    expect(fresh.replica.state.attendanceLog.filter((a) => a.person === 'm01')).toHaveLength(20);
  });
});
