/**
 * bench/fanout: 100 member devices and 500 public clients on one relay; a member casts a ballot, and we
 * measure until it has arrived at, and been verified by, every client. Baseline in the same run: an
 * unsigned WebSocket broadcast server forwarding the same bytes to the same number of plain receivers.
 * Both servers run as child processes; all clients run in this process. Goal (issue 3): p99 <= 1.3x.
 *
 * "delivered": the ballot's frame reaches each of the 598 other clients' sockets (logged-in protocol
 * clients), comparable with the baseline. "verified": one full member device (replica + sync client) has
 * verified the ballot's signature and certificate and folded it into its state; every real device does
 * this for itself, in parallel, so one device stands for all without 600 replicas sharing one core.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import WebSocket from 'ws';
import { toHex } from '../crypto/bytes.js';
import { issue, type Role } from '../crypto/cert.js';
import { generateSeed, type Signer, signerFromSeed } from '../crypto/ed25519.js';
import { Replica } from '../core/replica.js';
import { decodeServerFrame } from '../core/wire.js';
import { answerChallenge } from './challenge.js';
import { openSqlite } from '../relay/store.js';
import { SyncClient } from '../web/sync/client.js';

const MEMBERS = Number(process.env.MEMBERS ?? 100);
const PUBLIC = Number(process.env.PUBLIC ?? 500);
const ROUNDS = Number(process.env.ROUNDS ?? 30);
const tenant = 'bench';
const meeting = 'fanout';

function child(code: string): Promise<{ proc: ChildProcess; port: number }> {
  const proc = spawn(process.execPath, ['--import', 'tsx', '-e', code], { stdio: ['ignore', 'pipe', 'inherit'] });
  return new Promise((ok) => proc.stdout!.on('data', (b: Buffer) => {
    const m = /port (\d+)/.exec(b.toString());
    if (m) ok({ proc, port: Number(m[1]) });
  }));
}

const pct = (xs: number[], p: number) => {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.floor((p / 100) * s.length))]!;
};

async function seed(dataDir: string) {
  const admin = await signerFromSeed(generateSeed());
  const store = openSqlite(join(dataDir, 'relay.sqlite'));
  await store.putTenant(tenant, toHex(admin.publicKey));
  const devices: { person: string; signer: Signer }[] = [];
  const certs = [];
  for (let i = 0; i <= MEMBERS; i++) {
    const person = i === 0 ? 'admin' : `p${i}`;
    const roles: Role[] = i === 0 ? ['admin'] : i === 1 ? ['chair', 'member'] : ['member'];
    const signer = await signerFromSeed(generateSeed());
    const cert = await issue({ v: 1, tenant, person, name: person, device: toHex(signer.publicKey), roles, bodies: ['b'], notBefore: 0, notAfter: Date.now() + 86_400_000 }, admin);
    await store.putCert(cert);
    certs.push(cert);
    devices.push({ person, signer });
  }
  const setup = new Replica({ tenant, meeting, tenantKey: admin.publicKey, docs: ['public', 'members'], signer: devices[0]!.signer });
  await setup.addCerts(certs);
  await setup.create('meeting.setup', {
    body: { id: 'b', name: 'Rat', type: 'rat', statutoryMembers: MEMBERS },
    factions: [{ id: 'f', name: 'F' }],
    persons: devices.slice(1).map((d) => ({ id: d.person, name: d.person, faction: 'f', voting: true })),
    meeting: { id: meeting, title: 'Fan-out', start: Date.now(), place: 'Saal' },
  });
  for (const e of setup.envelopes()) await store.insert(tenant, meeting, { doc: e.doc, author: toHex(e.author), seq: e.seq, id: e.id, wire: e.wire });
  await store.close();
  return { admin, devices };
}

/** A logged-in protocol client that only stamps when envelope frames arrive (no verification). */
async function listener(url: string, auth: Signer | null, arrivals: Map<WebSocket, number>, watching: () => boolean): Promise<WebSocket> {
  const ws = new WebSocket(url);
  ws.binaryType = 'arraybuffer';
  await new Promise<void>((ok) =>
    ws.on('message', async (data: ArrayBuffer) => {
      const bytes = new Uint8Array(data);
      if (bytes[0] === 0x02) {
        if (watching() && !arrivals.has(ws)) arrivals.set(ws, performance.now());
        return;
      }
      const f = decodeServerFrame(bytes);
      if (f.type !== 'control') return;
      if (f.message.t === 'challenge') ws.send(await answerChallenge(auth, tenant, meeting, f.message));
      if (f.message.t === 'welcome') ok();
    }),
  );
  return ws;
}

async function signedRun() {
  const dataDir = mkdtempSync(join(tmpdir(), 'ratsraum-fanout-'));
  const { admin, devices } = await seed(dataDir);
  const relay = await child(`import('./relay/server.ts').then(m => m.startRelay({ dataDir: ${JSON.stringify(dataDir)}, port: 0, quiet: true, demo: true })).then(r => console.log('port ' + r.port))`);
  const url = `ws://127.0.0.1:${relay.port}/sync`;
  const device = (signer: Signer) => {
    const replica = new Replica({ tenant, meeting, tenantKey: admin.publicKey, docs: ['public', 'members'], signer });
    const client = new SyncClient({ urls: [url], replica, auth: { tenant, meeting, signer }, WebSocket: WebSocket as never, beaconMs: 3_600_000 });
    client.start();
    return { replica, client };
  };
  // Two full devices: the chair/voter side, and one member whose verification we time. The other
  // 98 members and 500 public clients are protocol listeners, as their devices verify in parallel.
  const voter = device(devices[1]!.signer);
  const observer = device(devices[2]!.signer);
  let watching = false;
  const arrivals = new Map<WebSocket, number>();
  const listeners: WebSocket[] = [];
  for (const d of devices.slice(3)) listeners.push(await listener(url, d.signer, arrivals, () => watching));
  for (let i = 0; i < PUBLIC; i++) listeners.push(await listener(url, null, arrivals, () => watching));
  while ([voter, observer].some((d) => d.client.status !== 'online')) await new Promise((r) => setTimeout(r, 20));
  for (const d of [voter, observer]) await d.replica.create('attendance.in', { person: d.replica.directory.get(d.replica.deviceKey!)!.person, place: 'remote' });
  await voter.replica.create('session.open', {});
  const delivered: number[] = [];
  const verified: number[] = [];
  for (let round = 0; round < ROUNDS; round++) {
    await voter.replica.create('vote.open', { vote: `v${round}`, item: null, title: 'Bench', mode: 'open' });
    while (observer.replica.state.votes.length <= round) await new Promise((r) => setTimeout(r, 5));
    await new Promise((r) => setTimeout(r, 50));
    arrivals.clear();
    watching = true;
    let id = '';
    let seen = 0;
    const unsub = observer.replica.onChange(() => {
      if (!seen && observer.replica.log.has(id) && observer.replica.state.votes[round]!.ballots.length === 1) seen = performance.now();
    });
    const t0 = performance.now();
    id = (await voter.replica.create('vote.cast', { vote: `v${round}`, choice: 'yes' })).id;
    while (arrivals.size < listeners.length || !seen) await new Promise((r) => setTimeout(r, 2));
    watching = false;
    unsub();
    for (const t of arrivals.values()) delivered.push(t - t0);
    verified.push(seen - t0);
    await voter.replica.create('vote.close', { vote: `v${round}` });
  }
  const bytes = voter.replica.log.get([...voter.replica.log.all()].find((e) => e.kind === 'vote.cast')!.id)!.wire.length;
  for (const d of [voter, observer]) d.client.stop();
  listeners.forEach((l) => l.close());
  relay.proc.kill();
  rmSync(dataDir, { recursive: true, force: true });
  return { delivered, verified, bytes };
}

async function baselineRun(bytes: number) {
  const server = await child(`
    const { WebSocketServer } = await import('ws');
    const wss = new WebSocketServer({ port: 0, host: '127.0.0.1' });
    wss.on('connection', (ws) => ws.on('message', (d) => { for (const c of wss.clients) if (c !== ws) c.send(d); }));
    wss.on('listening', () => console.log('port ' + wss.address().port));`);
  const url = `ws://127.0.0.1:${server.port}`;
  const sockets: WebSocket[] = [];
  const arrival = new Map<WebSocket, number>();
  for (let i = 0; i < MEMBERS + PUBLIC; i++) {
    const ws = new WebSocket(url);
    ws.on('message', () => !arrival.has(ws) && arrival.set(ws, performance.now()));
    await new Promise((r) => ws.once('open', r));
    sockets.push(ws);
  }
  const times: number[] = [];
  const payload = new Uint8Array(bytes + 1).fill(7);
  for (let round = 0; round < ROUNDS; round++) {
    arrival.clear();
    const sender = sockets[round % sockets.length]!;
    const t0 = performance.now();
    sender.send(payload);
    while (arrival.size < sockets.length - 1) await new Promise((r) => setTimeout(r, 2));
    for (const [, t] of arrival) times.push(t - t0);
  }
  sockets.forEach((s) => s.close());
  server.proc.kill();
  return times;
}

console.log(`bench/fanout: ${MEMBERS} members + ${PUBLIC} public clients, ${ROUNDS} ballots`);
const signed = await signedRun();
const base = await baselineRun(signed.bytes);
const row = (name: string, xs: number[]) => `${name.padEnd(30)} p50 ${pct(xs, 50).toFixed(1).padStart(7)} ms (${(pct(xs, 50) / pct(base, 50)).toFixed(2)}x)   p99 ${pct(xs, 99).toFixed(1).padStart(7)} ms (${(pct(xs, 99) / pct(base, 99)).toFixed(2)}x)`;
console.log(row('baseline unsigned broadcast', base));
console.log(row('signed: delivered to socket', signed.delivered));
console.log(row('signed: verified on a device', signed.verified));
console.log(`goal p99 <= 1.3x baseline: delivered ${pct(signed.delivered, 99) / pct(base, 99) <= 1.3 ? 'met' : 'NOT met'}, verified ${pct(signed.verified, 99) / pct(base, 99) <= 1.3 ? 'met' : 'NOT met'}`);
process.exit(0);
