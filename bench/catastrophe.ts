/**
 * bench/catastrophe (DIS-5): 100 member devices (Node: real replica, sync client, peer transport over
 * node-datachannel) each sign one entry, and we time until every device holds all of them:
 *   relay   (baseline) the relay is up, no data channels;
 *   return  the entries were signed while the relay was down; timed from its restart;
 *   peers   the relay is down and stays down; data channels alone carry the entries.
 * Printed as ratios against the relay path of the same run. MEMBERS=<n> scales the devices.
 */
import { RTCPeerConnection } from 'node-datachannel/polyfill';
import { fromHex } from '../crypto/bytes.js';
import { signerFromSeed } from '../crypto/ed25519.js';
import { demoMasterData, seedDemo } from '../relay/demo.js';
import { startRelay } from '../relay/server.js';
import { type PeerConnectionCtor, PeerMesh } from '../web/sync/peers.js';
import { bigDemo } from '../test/helpers/council.js';
import { cleanup, device, type NodeDevice, tempDir, until } from '../test/helpers/relay.js';

const MEMBERS = Number(process.env.MEMBERS ?? 100);
const demo = bigDemo(MEMBERS);
const dataDir = tempDir();
let relay = await startRelay({ dataDir, port: 0, quiet: true, demo: true });
const port = relay.port;
await seedDemo(relay.store, demo);
await relay.identity.directory.put(demo.tenant, demoMasterData(demo));
const url = `ws://127.0.0.1:${port}/sync`;
const names = demo.devices.filter((d) => d.person.startsWith('x')).map((d) => d.person);
const devices: NodeDevice[] = [];
for (const p of names) devices.push(await device(demo, p, [url], { beaconMs: 60_000 }));
await until(() => devices.every((d) => d.client.status === 'online'), 'online', 300_000);

/** Each device signs one entry (through `sign`), then the time until every device holds every one. */
async function round(what: string, before: () => Promise<void>, after: () => Promise<number>): Promise<number> {
  await before();
  const size = devices[0]!.replica.log.size + devices.length;
  for (const d of devices) await d.replica.create('floor.ask', { person: d.person });
  const t0 = await after();
  await until(() => devices.every((d) => d.replica.log.size === size), `${what}: converged`, 600_000);
  return performance.now() - t0;
}

const viaRelay = await round('relay', async () => {}, async () => performance.now());
const afterReturn = await round(
  'return',
  async () => {
    await relay.close();
    await until(() => devices.every((d) => d.client.status !== 'online'), 'offline', 60_000);
  },
  async () => {
    relay = await startRelay({ dataDir, port, quiet: true, demo: true });
    return performance.now();
  },
);
// Data channels while the relay is up (signalling), then the relay goes and stays gone.
const meshes = await Promise.all(
  devices.map(async (d) => {
    const signer = await signerFromSeed(fromHex(demo.devices.find((x) => x.person === d.person)!.seed, 32));
    const m = new PeerMesh({ replica: d.replica, signer, signallers: [d.client], RTCPeerConnection: RTCPeerConnection as unknown as PeerConnectionCtor, beaconMs: 5000 });
    m.start();
    return m;
  }),
);
await until(() => meshes.every((m) => m.ready.length >= 2), 'data channels', 300_000);
const peersAlone = await round(
  'peers',
  async () => {
    await relay.close();
    await until(() => devices.every((d) => d.client.status !== 'online'), 'offline', 60_000);
  },
  async () => performance.now(),
);
const links = meshes.reduce((n, m) => n + m.ready.length, 0) / 2;
console.log(`catastrophe: ${MEMBERS} Node devices, one entry each; ${links} data channels`);
console.log(`  relay path (baseline)          ${viaRelay.toFixed(0)} ms   1.00x`);
console.log(`  after the relay returns        ${afterReturn.toFixed(0)} ms   ${(afterReturn / viaRelay).toFixed(2)}x`);
console.log(`  data channels alone            ${peersAlone.toFixed(0)} ms   ${(peersAlone / viaRelay).toFixed(2)}x`);
for (const m of meshes) m.stop();
for (const d of devices) d.client.stop();
cleanup(dataDir);
process.exit(0);
