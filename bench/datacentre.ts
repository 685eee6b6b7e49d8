/**
 * bench/datacentre (issue 15): a council evening in a data centre. MEETINGS meetings at once, each with
 * MEMBERS member devices and PUBLIC public clients, over RELAYS relay processes on one SQLite store and a
 * real redis-server as their bus; then the same on one relay with SQLite and no bus; and, as the baseline
 * in the same run, an unsigned broadcast server with one room per meeting over as many sockets.
 *
 * Per meeting: the chair's device casts a ballot on relay j % RELAYS; one member device (replica + sync
 * client) on the next relay verifies and folds it ("verified": the ballot crossed relays), and the other
 * members and the public are protocol listeners spread over all relays ("delivered": the frame reached their
 * socket). All meetings vote at the same time. Then a burst: every chair signs BURST entries at once, timed
 * until every meeting's observer holds them (envelopes/s). Sockets per relay from /health, RSS from /proc.
 * MEETINGS, MEMBERS, PUBLIC, RELAYS, ROUNDS, BURST scale it (environment). STORE=postgres runs the relays on one
 * PostgreSQL server instead (a throw-away server on loopback, a fresh database per run; test/helpers/postgres.ts).
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { readFileSync, rmSync } from 'node:fs';
import WebSocket from 'ws';
import { toHex } from '../crypto/bytes.js';
import { type Cert, issue, type Role } from '../crypto/cert.js';
import { generateSeed, type Signer, signerFromSeed } from '../crypto/ed25519.js';
import { Replica } from '../core/replica.js';
import { decodeServerFrame } from '../core/wire.js';
import { answerChallenge } from './challenge.js';
import { openStore } from '../relay/store-open.js';
import { SyncClient } from '../web/sync/client.js';
import { freePort, startRedis } from '../test/helpers/cluster.js';
import { tempDir } from '../test/helpers/relay.js';
import { startPostgres } from '../test/helpers/postgres.js';

const MEETINGS = Number(process.env.MEETINGS ?? 10);
const MEMBERS = Number(process.env.MEMBERS ?? 90);
const PUBLIC = Number(process.env.PUBLIC ?? 1000);
const RELAYS = Number(process.env.RELAYS ?? 2);
const ROUNDS = Number(process.env.ROUNDS ?? 10);
const BURST = Number(process.env.BURST ?? 30);
const postgres = process.env.STORE === 'postgres' ? await startPostgres() : undefined;
const storeName = postgres ? 'PostgreSQL' : 'SQLite';
const tenant = 'bench';
const meetingId = (j: number) => `abend-${j}`;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const waitFor = async (cond: () => boolean, what: string, ms = 300_000) => {
  const end = Date.now() + ms;
  while (!cond()) {
    if (Date.now() > end) throw new Error(`bench/datacentre: timed out waiting for ${what}`);
    await sleep(5);
  }
};
const pct = (xs: number[], p: number) => [...xs].sort((a, b) => a - b)[Math.min(xs.length - 1, Math.floor((p / 100) * xs.length))]!;

interface Seeded {
  admin: Signer;
  /** Per meeting: the devices, [0] the chair. */
  devices: Signer[][];
}

async function seed(dataDir: string, spec: string | undefined): Promise<Seeded> {
  const admin = await signerFromSeed(generateSeed());
  const store = await openStore(dataDir, spec ?? 'sqlite');
  await store.putTenant(tenant, toHex(admin.publicKey));
  const adminDevice = await signerFromSeed(generateSeed());
  const adminCert = await issue({ v: 1, tenant, person: 'admin', name: 'admin', device: toHex(adminDevice.publicKey), roles: ['admin'], bodies: [], notBefore: 0, notAfter: Date.now() + 86_400_000 }, admin);
  await store.putCert(adminCert);
  const devices: Signer[][] = [];
  for (let j = 0; j < MEETINGS; j++) {
    const list: Signer[] = [];
    const certs: Cert[] = [adminCert];
    for (let i = 1; i <= MEMBERS; i++) {
      const roles: Role[] = i === 1 ? ['chair', 'member'] : ['member'];
      const signer = await signerFromSeed(generateSeed());
      const cert = await issue({ v: 1, tenant, person: `p${j}-${i}`, name: `p${j}-${i}`, device: toHex(signer.publicKey), roles, bodies: [`b${j}`], notBefore: 0, notAfter: Date.now() + 86_400_000 }, admin);
      await store.putCert(cert);
      certs.push(cert);
      list.push(signer);
    }
    const setup = new Replica({ tenant, meeting: meetingId(j), tenantKey: admin.publicKey, docs: ['public', 'members'], signer: adminDevice });
    await setup.addCerts(certs);
    await setup.create('meeting.setup', {
      body: { id: `b${j}`, name: `Rat ${j}`, type: 'rat', statutoryMembers: MEMBERS },
      factions: [{ id: 'f', name: 'F' }],
      persons: list.map((_, i) => ({ id: `p${j}-${i + 1}`, name: `p${j}-${i + 1}`, faction: 'f', voting: true })),
      meeting: { id: meetingId(j), title: `Sitzung ${j}`, start: Date.now(), place: 'Saal' },
    });
    for (const e of setup.envelopes()) await store.insert(tenant, meetingId(j), { doc: e.doc, author: toHex(e.author), seq: e.seq, id: e.id, wire: e.wire });
    devices.push(list);
  }
  await store.close();
  return { admin, devices };
}

const children: ChildProcess[] = [];
process.on('exit', () => children.forEach((c) => c.kill('SIGKILL'))); // a failed or stopped run leaves no relay behind
for (const sig of ['SIGINT', 'SIGTERM'] as const) process.on(sig, () => process.exit(1));

function child(code: string): Promise<{ proc: ChildProcess; port: number }> {
  const proc = spawn(process.execPath, ['--import', 'tsx', '-e', code], { stdio: ['ignore', 'pipe', 'inherit'] });
  children.push(proc);
  return new Promise((ok) =>
    proc.stdout!.on('data', (b: Buffer) => {
      const m = /port (\d+)/.exec(b.toString());
      if (m) ok({ proc, port: Number(m[1]) });
    }),
  );
}

const relayChild = async (dataDir: string, bus: string | undefined, store: string | undefined) => {
  const port = await freePort();
  // Thousands of logins at once on a loaded machine: no login timeout, no per-address cap (all come from 127.0.0.1).
  const opts = { dataDir, port, quiet: true, demo: true, bus, ...(store ? { store } : {}), hub: { authTimeoutMs: 600_000, limits: { perAddress: 1_000_000 }, rate: { burst: 1_000_000, perSecond: 1_000_000 } } };
  return child(`import('./relay/server.ts').then(m => m.startRelay(${JSON.stringify(opts)})).then(r => console.log('port ' + r.port))`);
};

const rssMiB = (pid: number) => Number(/VmRSS:\s+(\d+)/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))![1]) / 1024;

/** A logged-in protocol client that stamps the first envelopes frame while its meeting is watched. */
function listener(url: string, meeting: string, auth: Signer | null, onEnvelopes: (ws: WebSocket) => void): Promise<WebSocket> {
  const ws = new WebSocket(url);
  ws.binaryType = 'arraybuffer';
  return new Promise((ok, fail) => {
    ws.once('error', fail);
    ws.once('close', (code) => fail(new Error(`listener closed (${code}) before its welcome`)));
    ws.on('message', async (data: ArrayBuffer) => {
      const bytes = new Uint8Array(data);
      if (bytes[0] === 0x02) return onEnvelopes(ws);
      const f = decodeServerFrame(bytes);
      if (f.type !== 'control') return;
      if (f.message.t === 'challenge') ws.send(await answerChallenge(auth, tenant, meeting, f.message));
      if (f.message.t === 'welcome') ok(ws);
      if (f.message.t === 'error') fail(new Error(`${f.message.code}: ${f.message.message}`));
    });
  });
}

async function inBatches<T>(jobs: (() => Promise<T>)[], size = 200): Promise<T[]> {
  const out: T[] = [];
  for (let i = 0; i < jobs.length; i += size) out.push(...(await Promise.all(jobs.slice(i, i + size).map((j) => j()))));
  return out;
}

async function signedRun(relays: number) {
  const dataDir = tempDir();
  const store = await postgres?.createDatabase();
  const s = await seed(dataDir, store);
  const redis = relays > 1 ? await startRedis() : undefined;
  process.on('exit', () => void redis?.stop());
  const procs = await Promise.all(Array.from({ length: relays }, () => relayChild(dataDir, redis?.url, store)));
  const urls = procs.map((p) => `ws://127.0.0.1:${p.port}/sync`);
  const device = (signer: Signer, j: number, url: string) => {
    const replica = new Replica({ tenant, meeting: meetingId(j), tenantKey: s.admin.publicKey, docs: ['public', 'members'], signer });
    const client = new SyncClient({ urls: [url], replica, auth: { tenant, meeting: meetingId(j), signer }, WebSocket: WebSocket as never, beaconMs: 3_600_000 });
    client.start();
    return { replica, client };
  };
  const meetings = s.devices.map((list, j) => ({
    j,
    voter: device(list[0]!, j, urls[j % relays]!),
    observer: device(list[1]!, j, urls[(j + 1) % relays]!),
    watching: false,
    arrivals: new Map<WebSocket, number>(),
    listeners: [] as WebSocket[],
  }));
  const t0 = performance.now();
  for (const m of meetings) {
    const stamp = (ws: WebSocket) => m.watching && !m.arrivals.has(ws) && m.arrivals.set(ws, performance.now());
    const jobs = [...s.devices[m.j]!.slice(2).map((signer, i) => () => listener(urls[i % relays]!, meetingId(m.j), signer, stamp)), ...Array.from({ length: PUBLIC }, (_, i) => () => listener(urls[i % relays]!, meetingId(m.j), null, stamp))];
    m.listeners = await inBatches(jobs);
  }
  const connectS = (performance.now() - t0) / 1000;
  await waitFor(() => meetings.every((m) => m.voter.client.status === 'online' && m.observer.client.status === 'online'), 'devices online');
  await Promise.all(
    meetings.map(async (m) => {
      for (const d of [m.voter, m.observer]) await d.replica.create('attendance.in', { person: d.replica.directory.get(d.replica.deviceKey!)!.person, place: 'remote' });
      await m.voter.replica.create('session.open', {});
    }),
  );
  const delivered: number[] = [];
  const verified: number[] = [];
  for (let round = 0; round < ROUNDS; round++) {
    await Promise.all(
      meetings.map(async (m) => {
        const vote = `v${round}`;
        await m.voter.replica.create('vote.open', { vote, item: null, title: 'Bench', mode: 'open' });
        await waitFor(() => m.observer.replica.state.votes.some((v) => v.id === vote), 'vote open at the observer');
        await sleep(50);
        m.arrivals.clear();
        m.watching = true;
        const t = performance.now();
        await m.voter.replica.create('vote.cast', { vote, choice: 'yes' });
        await waitFor(() => m.observer.replica.state.votes.find((v) => v.id === vote)!.ballots.length === 1, 'ballot verified');
        verified.push(performance.now() - t);
        await waitFor(() => m.arrivals.size === m.listeners.length, 'ballot delivered');
        m.watching = false;
        for (const a of m.arrivals.values()) delivered.push(a - t);
        await m.voter.replica.create('vote.close', { vote });
      }),
    );
  }
  // Burst: every chair signs BURST entries at once; envelopes/s until every observer holds them all.
  const before = meetings.map((m) => m.observer.replica.log.size);
  const tb = performance.now();
  await Promise.all(meetings.map(async (m) => {
    for (let i = 0; i < BURST; i++) await m.voter.replica.create('attendance.in', { person: m.voter.replica.directory.get(m.voter.replica.deviceKey!)!.person, place: i % 2 ? 'onsite' : 'remote' });
  }));
  await waitFor(() => meetings.every((m, i) => m.observer.replica.log.size >= before[i]! + BURST), 'burst at the observers');
  const envelopesPerSecond = (MEETINGS * BURST) / ((performance.now() - tb) / 1000);
  const perRelay = await Promise.all(
    procs.map(async (p) => {
      const h = (await (await fetch(`http://127.0.0.1:${p.port}/health`)).json()) as { connections: { device: number; public: number } };
      return { sockets: h.connections.device + h.connections.public, rss: rssMiB(p.proc.pid!) };
    }),
  );
  for (const m of meetings) {
    m.voter.client.stop();
    m.observer.client.stop();
    m.listeners.forEach((l) => l.terminate());
  }
  for (const p of procs) p.proc.kill('SIGKILL');
  await redis?.stop();
  rmSync(dataDir, { recursive: true, force: true });
  return { delivered, verified, envelopesPerSecond, perRelay, connectS };
}

async function baselineRun() {
  const server = await child(`
    const { WebSocketServer } = await import('ws');
    const wss = new WebSocketServer({ port: 0, host: '127.0.0.1' });
    const rooms = new Map();
    wss.on('connection', (ws) => ws.once('message', (room) => {
      room = String(room);
      if (!rooms.has(room)) rooms.set(room, new Set());
      rooms.get(room).add(ws);
      ws.on('message', (d) => { for (const c of rooms.get(room)) if (c !== ws) c.send(d); });
    }));
    wss.on('listening', () => console.log('port ' + wss.address().port));`);
  const url = `ws://127.0.0.1:${server.port}`;
  const rooms = await Promise.all(
    Array.from({ length: MEETINGS }, async (_, j) => {
      const arrival = new Map<WebSocket, number>();
      const jobs = Array.from({ length: MEMBERS + PUBLIC }, () => async () => {
        const ws = new WebSocket(url);
        ws.on('message', () => !arrival.has(ws) && arrival.set(ws, performance.now()));
        await new Promise((r) => ws.once('open', r));
        ws.send(`room-${j}`);
        return ws;
      });
      return { arrival, sockets: await inBatches(jobs) };
    }),
  );
  await sleep(200);
  const times: number[] = [];
  const payload = new Uint8Array(400).fill(7); // about a signed ballot's frame
  for (let round = 0; round < ROUNDS; round++)
    await Promise.all(
      rooms.map(async (r) => {
        r.arrival.clear();
        const t = performance.now();
        r.sockets[round % r.sockets.length]!.send(payload);
        await waitFor(() => r.arrival.size === r.sockets.length - 1, 'baseline broadcast');
        for (const a of r.arrival.values()) times.push(a - t);
      }),
    );
  for (const r of rooms) r.sockets.forEach((ws) => ws.terminate());
  server.proc.kill('SIGKILL');
  return times;
}

console.log(`bench/datacentre: ${MEETINGS} meetings at once, each ${MEMBERS} members + ${PUBLIC} public clients; ${ROUNDS} ballots per meeting, burst ${BURST} per meeting`);
// Each run prints as soon as it ends, so a run stopped later still leaves its figures.
const base = await baselineRun();
const row = (name: string, xs: number[]) => `${name.padEnd(44)} p50 ${pct(xs, 50).toFixed(1).padStart(8)} ms (${(pct(xs, 50) / pct(base, 50)).toFixed(2)}x)   p99 ${pct(xs, 99).toFixed(1).padStart(8)} ms (${(pct(xs, 99) / pct(base, 99)).toFixed(2)}x)`;
console.log(row('baseline unsigned broadcast (1 process)', base));
const report = (name: string, r: Awaited<ReturnType<typeof signedRun>>) => {
  console.log(row(`${name}: delivered to socket`, r.delivered));
  console.log(row(`${name}: verified on a device`, r.verified));
  console.log(`${name}: ${r.envelopesPerSecond.toFixed(0)} envelopes/s (burst, stored and verified at every observer); per relay: ${r.perRelay.map((p) => `${p.sockets} sockets, ${p.rss.toFixed(0)} MiB RSS`).join('; ')}; connecting took ${r.connectS.toFixed(1)} s`);
};
const cluster = await signedRun(RELAYS);
report(`${RELAYS} relays, ${storeName} + Redis`, cluster);
console.log(`goal p99 <= 1.3x baseline (${RELAYS} relays): verified ${pct(cluster.verified, 99) / pct(base, 99) <= 1.3 ? 'met' : 'NOT met'}, delivered ${pct(cluster.delivered, 99) / pct(base, 99) <= 1.3 ? 'met' : 'NOT met'}`);
report(`1 relay, ${storeName}`, await signedRun(1));
await postgres?.stop();
process.exit(0);
