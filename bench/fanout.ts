/**
 * bench/fanout: 100 member devices and 500 public clients on one relay; a member casts a ballot, and we
 * measure until it has arrived at, and been verified by, every client. Baseline in the same run: an
 * unsigned WebSocket broadcast server forwarding the same bytes to the same number of plain receivers.
 * Both servers run as child processes; all clients run in this process. Goal (issue 3): p99 <= 1.3x.
 *
 * "delivered" is the moment the frame reaches the client's socket, comparable with the baseline.
 * "verified" adds signature check and fold on each device; here 600 devices share one core, so it is an
 * upper bound that grows with the client count (real devices verify in parallel, each its own ballot once).
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
import { openSqlite } from '../relay/store.js';
import { SyncClient } from '../web/sync/client.js';

const MEMBERS = Number(process.env.MEMBERS ?? 100);
const PUBLIC = Number(process.env.PUBLIC ?? 500);
const ROUNDS = Number(process.env.ROUNDS ?? 15);
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
  store.putTenant(tenant, toHex(admin.publicKey));
  const devices: { person: string; signer: Signer }[] = [];
  const certs = [];
  for (let i = 0; i <= MEMBERS; i++) {
    const person = i === 0 ? 'admin' : `p${i}`;
    const roles: Role[] = i === 0 ? ['admin'] : i === 1 ? ['chair', 'member'] : ['member'];
    const signer = await signerFromSeed(generateSeed());
    const cert = await issue({ v: 1, tenant, person, name: person, device: toHex(signer.publicKey), roles, bodies: ['b'], notBefore: 0, notAfter: Date.now() + 86_400_000 }, admin);
    store.putCert(cert);
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
  for (const e of setup.envelopes()) store.insert(tenant, meeting, { doc: e.doc, author: toHex(e.author), seq: e.seq, id: e.id, wire: e.wire });
  store.close();
  return { admin, devices };
}

async function signedRun() {
  const dataDir = mkdtempSync(join(tmpdir(), 'ratsraum-fanout-'));
  const { admin, devices } = await seed(dataDir);
  const relay = await child(`import('./relay/server.ts').then(m => m.startRelay({ dataDir: ${JSON.stringify(dataDir)}, port: 0, quiet: true })).then(r => console.log('port ' + r.port))`);
  const url = `ws://127.0.0.1:${relay.port}/sync`;
  const arrivals = new Map<Replica, number>();
  let watching = false;
  // A WebSocket that stamps the arrival of every envelope frame before the client handles it.
  const stamp = new Map<object, Replica>();
  class StampingSocket extends WebSocket {
    constructor(u: string) {
      super(u);
      this.on('message', (data: ArrayBuffer | Buffer) => {
        const r = stamp.get(this);
        const first = new Uint8Array(data instanceof ArrayBuffer ? data : data.buffer, data instanceof ArrayBuffer ? 0 : data.byteOffset, 1)[0];
        if (watching && r && first === 0x02 && !arrivals.has(r)) arrivals.set(r, performance.now());
      });
    }
  }
  const clients: { replica: Replica; client: SyncClient }[] = [];
  const connect = async (signer?: Signer) => {
    const replica = new Replica({ tenant, meeting, tenantKey: admin.publicKey, docs: signer ? ['public', 'members'] : ['public'], signer });
    class Bound extends StampingSocket {
      constructor(u: string) {
        super(u);
        stamp.set(this, replica);
      }
    }
    const client = new SyncClient({ urls: [url], replica, auth: signer ? { tenant, meeting, signer } : { tenant, meeting, public: true }, WebSocket: Bound as never, beaconMs: 3_600_000 });
    client.start();
    clients.push({ replica, client });
  };
  for (const d of devices.slice(1)) await connect(d.signer);
  for (let i = 0; i < PUBLIC; i++) await connect();
  while (clients.some((c) => c.client.status !== 'online')) await new Promise((r) => setTimeout(r, 50));
  const chair = clients[0]!.replica;
  for (const c of clients.slice(0, MEMBERS)) await c.replica.create('attendance.in', { person: c.replica.directory.get(c.replica.deviceKey!)!.person, place: 'remote' });
  await chair.create('session.open', {});
  await chair.create('vote.open', { vote: 'v', item: null, title: 'Bench', mode: 'open' });
  const total = () => clients.every((c) => c.replica.state.votes.length === 1 && c.replica.log.size === chair.log.size);
  while (!total()) await new Promise((r) => setTimeout(r, 50));

  const delivered: number[] = [];
  const verified: number[] = [];
  for (let round = 0; round < ROUNDS; round++) {
    const voter = clients[1 + (round % (MEMBERS - 1))]!;
    arrivals.clear();
    watching = true;
    const done = new Map<Replica, number>();
    let ballotId = '';
    const unsub = clients.map((c) => c.replica.onChange(() => !done.has(c.replica) && c.replica.log.has(ballotId) && done.set(c.replica, performance.now())));
    const t0 = performance.now();
    ballotId = (await voter.replica.create('vote.cast', { vote: 'v', choice: 'yes' })).id;
    while (done.size < clients.length - 1) await new Promise((r) => setTimeout(r, 5));
    watching = false;
    unsub.forEach((u) => u());
    for (const c of clients) if (c !== voter) {
      delivered.push(arrivals.get(c.replica)! - t0);
      verified.push(done.get(c.replica)! - t0);
    }
  }
  for (const c of clients) c.client.stop();
  relay.proc.kill();
  rmSync(dataDir, { recursive: true, force: true });
  return { delivered, verified, bytes: chair.log.get([...chair.log.all()].at(-1)!.id)!.wire.length };
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
console.log(row('signed: verified and folded', signed.verified));
console.log(`goal p99 <= 1.3x baseline: delivered ${pct(signed.delivered, 99) / pct(base, 99) <= 1.3 ? 'met' : 'NOT met'}, verified ${pct(signed.verified, 99) / pct(base, 99) <= 1.3 ? 'met' : 'NOT met'}`);
process.exit(0);
