/**
 * The mesh fallback's PeerJS signalling (relay/video/mesh.ts), attacked with raw PeerJS frames over `ws`:
 * only issued ids get a socket, and nothing crosses from one meeting to another.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import * as envelope from '../../crypto/envelope.js';
import { startRelay } from '../../relay/server.js';
import { createMesh, MESH_MAX, type Mesh, type MeshPeer } from '../../relay/video/mesh.js';
import { cleanup, demoRelay, device, type NodeDevice, online, until } from '../helpers/relay.js';
import { videoSocket, type VideoSocket } from './video-sfu.helpers.js';

interface Raw {
  ws: WebSocket;
  got: { type: string; src?: string; payload?: unknown }[];
  closed: Promise<number>;
}

describe('mesh signalling', () => {
  let server: Server;
  let mesh: Mesh;
  let base: string;
  const sockets: WebSocket[] = [];
  beforeAll(async () => {
    mesh = createMesh();
    server = createServer((_, res) => res.writeHead(404).end());
    server.on('upgrade', (req, socket, head) => mesh.upgrade(req, socket, head) || socket.destroy());
    await new Promise<void>((ok) => server.listen(0, '127.0.0.1', ok));
    base = `ws://127.0.0.1:${(server.address() as AddressInfo).port}/peerjs/peerjs`;
  });
  afterAll(async () => {
    for (const ws of sockets) ws.terminate();
    mesh.close();
    await new Promise<void>((ok) => server.close(() => ok()));
  });

  /** A PeerJS client's socket, as the browser opens it; resolves when the server said OPEN, or the upgrade failed. */
  const open = (p: { peerId: string; token: string }, key = mesh.key) =>
    new Promise<Raw | number>((ok) => {
      const ws = new WebSocket(`${base}?key=${key}&id=${p.peerId}&token=${p.token}`);
      sockets.push(ws);
      const raw: Raw = { ws, got: [], closed: new Promise((c) => ws.once('close', (code) => c(code))) };
      ws.on('unexpected-response', (_, res) => ok(res.statusCode ?? 0));
      ws.on('error', () => {});
      ws.on('message', (d) => {
        const m = JSON.parse(String(d)) as Raw['got'][number];
        if (m.type === 'OPEN') ok(raw);
        else raw.got.push(m);
      });
    });
  const connected = async (p: MeshPeer) => {
    const r = await open(p);
    if (typeof r === 'number') throw new Error(`upgrade refused: ${r}`);
    return r;
  };
  const send = (r: Raw, type: string, dst: string, payload: unknown = { sdp: 'x' }) => r.ws.send(JSON.stringify({ type, dst, payload }));

  it('VID-1 (fallback) only a peer id the relay issued, with its token, gets a PeerJS socket', async () => {
    const a = mesh.join('t/m1', 'anna')!;
    expect(a.peerId).toMatch(/^[0-9a-f]{32}$/);
    expect(await open({ peerId: 'guessed', token: a.token })).toBe(403);
    expect(await open({ peerId: a.peerId, token: 'wrong' })).toBe(403);
    expect(await open(a, 'peerjs')).toBe(403); // PeerJS' default key
    const ok = await connected(a);
    expect(mesh.peers('t/m1')).toEqual([{ person: 'anna', peerId: a.peerId }]);
    mesh.leave(a.peerId);
    expect(await ok.closed).toBe(4403);
    expect(await open(a)).toBe(403);
    expect(mesh.peers('t/m1')).toEqual([]);
  });

  it('VID-1 (fallback) signalling never crosses meetings, and a sixth publisher of a meeting is refused', async () => {
    const [a1, a2] = [mesh.join('t/a', 'a1')!, mesh.join('t/a', 'a2')!];
    const [b1, b2] = [mesh.join('t/b', 'b1')!, mesh.join('t/b', 'b2')!];
    const [ra1, ra2, rb1, rb2] = await Promise.all([a1, a2, b1, b2].map(connected));
    send(ra1!, 'OFFER', b1.peerId); // into another meeting
    send(ra1!, 'EXPIRE', a2.peerId); // a server-only message type
    send(ra1!, 'OFFER', a2.peerId); // allowed: same meeting
    await expect.poll(() => ra2!.got.map((m) => m.type)).toEqual(['OFFER']);
    expect(ra2!.got[0]!.src).toBe(a1.peerId); // the server sets src: no spoofing
    // A1's messages were handled in order before A2 saw its offer; B2's offer reaches B1 after anything of A1's would have.
    send(rb2!, 'OFFER', b1.peerId);
    await expect.poll(() => rb1!.got.length).toBe(1);
    expect(rb1!.got[0]!.src).toBe(b2.peerId);

    for (let i = 2; i < MESH_MAX; i++) expect(mesh.join('t/a', `a${i + 1}`)).not.toBeNull();
    expect(mesh.join('t/a', 'a6')).toBeNull();
    expect(mesh.join('t/b', 'b3')).not.toBeNull(); // the other meeting has room
  });
});

describe('mesh signalling on the relay', () => {
  it('VID-1 (fallback) the relay takes the PeerJS socket on its own port and serves no PeerJS HTTP API (no ids, no peer list)', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'rr-mesh-'));
    const relay = await startRelay({ dataDir: dir, quiet: true });
    try {
      for (const path of [`/peerjs/${relay.mesh.key}/id`, `/peerjs/${relay.mesh.key}/peers`, '/peerjs/peerjs/id', '/peerjs/'])
        expect((await fetch(relay.url + path)).status, path).toBe(404);
      const ws = relay.url.replace('http', 'ws');
      const status = (url: string) =>
        new Promise<number>((ok) => {
          const s = new WebSocket(url);
          s.on('unexpected-response', (_, res) => ok(res.statusCode ?? 0));
          s.on('open', () => (s.close(), ok(101)));
          s.on('error', () => ok(0));
        });
      expect(await status(`${ws}/peerjs/peerjs?key=${relay.mesh.key}&id=guessed&token=x`)).toBe(403);
      const p = relay.mesh.join('t/m', 'anna')!;
      expect(await status(`${ws}/peerjs/peerjs?key=${relay.mesh.key}&id=${p.peerId}&token=${p.token}`)).toBe(101);
      expect(await status(`${ws}/sync`)).toBe(101); // /sync is untouched
    } finally {
      await relay.close();
      rmSync(dir, { recursive: true, force: true });
    }
  }, 60_000);
});

describe('mesh mode of /video', () => {
  it('VID-2 (fallback) without the SFU, the relay still drops a removed member from the mesh: socket closed 4403, peer id gone, rejoin refused; a non-chair\'s order does nothing', async () => {
    const r = await demoRelay({ relay: { video: { janus: false, turn: false } } });
    const devices: NodeDevice[] = [];
    const sockets: VideoSocket[] = [];
    const url = `${r.relay.url.replace('http', 'ws')}/video`;
    const online_ = async (person: string) => {
      const d = await device(r.demo, person, [r.wsUrl]);
      devices.push(d);
      await online(d);
      return d;
    };
    const socket = async (d: NodeDevice) => {
      const s = await videoSocket(url, await d.client.videoTicket());
      sockets.push(s);
      return s;
    };
    try {
      const [chair, m02, m03] = [await online_('m01'), await online_('m02'), await online_('m03')];
      const [sc, s2, s3] = [await socket(chair), await socket(m02), await socket(m03)];
      const listed = (s: VideoSocket) => (s.of('presence').at(-1)?.peers ?? []).map((p) => p.person).sort();
      await until(() => listed(sc).join() === 'm01,m02,m03', 'all three listed');
      // Signed by a member, not the chair: the fold rejects it, the relay does nothing.
      await m02.replica.create('participant.remove', { person: 'm01', scope: 'session' });
      const removals = async () => (await r.relay.store.all(r.demo.tenant, r.demo.meeting, ['public'])).filter((row) => envelope.decode(row.wire).kind === 'participant.remove').length;
      await until(async () => (await removals()) === 1, 'the relay stored the member\'s order');
      await chair.replica.create('participant.remove', { person: 'm03', scope: 'session' });
      expect(await s3.closed()).toBe(4403);
      await until(() => listed(sc).join() === 'm01,m02', 'm03 no longer listed');
      expect(sc.closeCode()).toBeUndefined();
      expect(s2.closeCode()).toBeUndefined();
      const again = await socket(m03);
      expect(await again.closed()).toBe(4403);
      expect(again.of('ready')).toEqual([]);
      expect(r.relay.mesh.peers(`${r.demo.tenant}\n${r.demo.meeting}`).map((p) => p.person).sort()).toEqual(['m01', 'm02']);
    } finally {
      for (const s of sockets) s.ws.terminate();
      for (const d of devices) d.client.stop();
      await r.relay.close();
      cleanup(r.dataDir);
    }
  }, 120_000);

  it('VID-1 (fallback) without the SFU, `ready` gives each device its own peer id and TURN credentials, peers go to devices only, and a sixth publisher is refused with 4409', async () => {
    const r = await demoRelay({ relay: { video: { janus: false } } });
    const devices: NodeDevice[] = [];
    const sockets: VideoSocket[] = [];
    const url = `${r.relay.url.replace('http', 'ws')}/video`;
    const join = async (person: string | null) => {
      const d = await device(r.demo, person, [r.wsUrl]);
      devices.push(d);
      await online(d);
      const s = await videoSocket(url, await d.client.videoTicket());
      sockets.push(s);
      return s;
    };
    try {
      expect(r.relay.video.status().mode).toBe('mesh');
      const five: VideoSocket[] = [];
      for (const p of ['m01', 'm02', 'm03', 'm04', 'm05']) five.push(await join(p));
      const readies = five.map((s) => s.of('ready')[0]!);
      expect(readies.every((x) => x.mode === 'mesh')).toBe(true);
      expect(new Set(readies.map((x) => x.mesh!.peerId)).size).toBe(5);
      expect(new Set(readies.map((x) => x.mesh!.token)).size).toBe(5);
      for (const x of readies) {
        const turn = x.iceServers.find((i) => String(i.urls).startsWith('turn:'));
        expect(turn?.username).toMatch(/^\d+:[0-9a-f]{64}$/); // <expiry>:<device key>
      }
      const pub = await join(null);
      expect(pub.of('ready')[0]!.mesh).toBeUndefined();
      const everyone = readies.map((x, i) => ({ person: ['m01', 'm02', 'm03', 'm04', 'm05'][i]!, peerId: x.mesh!.peerId })).sort((a, b) => a.person.localeCompare(b.person));
      const lastPeers = (s: VideoSocket) => s.of('presence').at(-1)?.peers?.slice().sort((a, b) => a.person.localeCompare(b.person));
      await until(() => JSON.stringify(lastPeers(five[0]!)) === JSON.stringify(everyone), 'every peer listed');
      await until(() => pub.of('presence').length > 0, 'presence at the public');
      expect(pub.got.filter((m) => m.t === 'presence' && 'peers' in m)).toEqual([]); // the public never learns a peer id
      const sixth = await join('m06');
      expect(await sixth.closed()).toBe(4409);
      expect(sixth.of('error')[0]?.code).toBe('mesh-full');
      expect(sixth.of('ready')).toEqual([]);
      // A seat frees when a member leaves: the id is void at once.
      five[4]!.ws.close();
      await until(() => !lastPeers(five[0]!)?.some((p) => p.person === 'm05'), 'm05 gone from the peers');
      expect(r.relay.mesh.peers(`${r.demo.tenant}\n${r.demo.meeting}`).map((p) => p.person)).not.toContain('m05');
      const again = await join('m06');
      expect(again.of('ready')[0]?.mesh?.peerId).toMatch(/^[0-9a-f]{32}$/);
    } finally {
      for (const s of sockets) s.ws.terminate();
      for (const d of devices) d.client.stop();
      await r.relay.close();
      cleanup(r.dataDir);
    }
  }, 120_000);
});
