/**
 * The mesh fallback's signalling (no SFU): the PeerJS server of npm `peer`, on the relay's own HTTP server
 * under /peerjs (no second port, no HTTP API: ids are never handed out by PeerJS, discovery is off). The relay
 * issues each /video session of a logged-in device an unguessable peer id and token; the PeerJS socket is
 * taken only with an issued pair, and a signalling message reaches only a peer of the same meeting. At most
 * MESH_MAX publishers per meeting: every member sends to every other, which a browser bears for about five.
 */
import { randomBytes } from 'node:crypto';
import type { IncomingMessage } from 'node:http';
import { createRequire } from 'node:module';
import type { Duplex } from 'node:stream';
import { ExpressPeerServer } from 'peer';
import { WebSocketServer, type WebSocket } from 'ws';
import type { VideoConn } from './connection.js';
import type { MeshBackend } from './service.js';
import type { Turn } from './turn.js';

export const MESH_MAX = 5;
export const MESH_PATH = '/peerjs';
/** PeerJS clients open `<path>/peerjs?key=…&id=…&token=…`. */
export const MESH_SOCKET_PATH = `${MESH_PATH}/peerjs`;
/** PeerJS' own signalling messages a client may send (OPEN, ERROR, ID-TAKEN and EXPIRE come from the server). */
const RELAYED = new Set(['OFFER', 'ANSWER', 'CANDIDATE', 'LEAVE']);

export interface MeshPeer {
  peerId: string;
  token: string;
  person: string;
}

export interface Mesh {
  readonly path: string;
  readonly key: string;
  /** A peer identity for one /video session in a meeting (`room`); null when MESH_MAX already publish there. */
  join(room: string, person: string): MeshPeer | null;
  /** The session ended or its member was removed: the id is void and its PeerJS socket closed. */
  leave(peerId: string): void;
  /** Who can be called in a meeting, for the /video `presence`. */
  peers(room: string): { person: string; peerId: string }[];
  /** Takes an upgrade of the PeerJS socket path (true), or leaves it to others (false). */
  upgrade(req: IncomingMessage, socket: Duplex, head: Buffer): boolean;
  close(): void;
}

interface Issued extends MeshPeer {
  room: string;
  ws?: WebSocket;
}

const hex = (n: number) => randomBytes(n).toString('hex');

export function createMesh(o: { log?: (m: string) => void } = {}): Mesh {
  const log = o.log ?? (() => {});
  const key = hex(16);
  const issued = new Map<string, Issued>();
  const wss = new WebSocketServer({ noServer: true, maxPayload: 64 * 1024 });
  // The server argument only reaches createWebSocketServer, which hands out our own noServer socket server.
  const peerServer = ExpressPeerServer({} as never, { key, allow_discovery: false, concurrent_limit: 10_000, createWebSocketServer: () => wss });
  peerServer.on('error', (e: Error) => log(`mesh: ${e.message}`));
  // PeerJS starts its socket server when its Express app is mounted; the Express app itself never serves.
  const require = createRequire(import.meta.url);
  const express = createRequire(require.resolve('peer'))('express') as () => { use(path: string, app: unknown): void };
  express().use(MESH_PATH, peerServer);

  /** Only signalling between two issued peers of the same meeting passes. */
  const permitted = (from: Issued, data: unknown): boolean => {
    let m: { type?: unknown; dst?: unknown };
    try {
      m = JSON.parse(String(data)) as typeof m;
    } catch {
      return false;
    }
    if (m.type === 'HEARTBEAT') return true;
    const to = typeof m.dst === 'string' ? issued.get(m.dst) : undefined;
    return RELAYED.has(m.type as string) && !!to && to.room === from.room && to !== from;
  };

  const refuse = (socket: Duplex, status: string) => socket.end(`HTTP/1.1 ${status}\r\nConnection: close\r\nContent-Length: 0\r\n\r\n`);

  return {
    path: MESH_PATH,
    key,
    join(room, person) {
      if ([...issued.values()].filter((p) => p.room === room).length >= MESH_MAX) return null;
      const p: Issued = { peerId: hex(16), token: hex(16), person, room };
      issued.set(p.peerId, p);
      return { peerId: p.peerId, token: p.token, person };
    },
    leave(peerId) {
      const p = issued.get(peerId);
      issued.delete(peerId);
      p?.ws?.close(4403, 'left');
    },
    peers(room) {
      return [...issued.values()].filter((p) => p.room === room).map(({ person, peerId }) => ({ person, peerId }));
    },
    upgrade(req, socket, head) {
      const url = new URL(req.url ?? '/', 'http://x');
      if (url.pathname !== MESH_SOCKET_PATH) return false;
      const p = issued.get(url.searchParams.get('id') ?? '');
      if (!p || url.searchParams.get('token') !== p.token || url.searchParams.get('key') !== key) {
        refuse(socket, '403 Forbidden');
        return true;
      }
      wss.handleUpgrade(req, socket, head, (ws) => {
        if (issued.get(p.peerId) !== p) return ws.close(4403, 'left');
        p.ws?.close(4409, 'replaced');
        p.ws = ws;
        // PeerJS reads messages through ws.on('message'): filter there, before its handler relays them.
        const on = ws.on.bind(ws);
        ws.on = ((ev: string, f: (...a: unknown[]) => void) =>
          on(ev, ev === 'message' ? (data: unknown, binary: unknown) => (permitted(p, data) ? f(data, binary) : log(`mesh: dropped a message of ${p.person}`)) : f)) as typeof ws.on;
        ws.once('close', () => p.ws === ws && delete p.ws);
        wss.emit('connection', ws, req);
      });
      return true;
    },
    close() {
      for (const p of issued.values()) p.ws?.terminate();
      issued.clear();
      wss.close();
    },
  };
}

/** The mesh as relay/video/service.ts plugs it in: a peer id per device session, TURN credentials per device. */
export function meshBackend(mesh: Mesh, turn: Turn | undefined): MeshBackend {
  const room = (tenant: string, meeting: string) => `${tenant}\n${meeting}`;
  const ids = new WeakMap<VideoConn, string>();
  return {
    ready(conn) {
      const p = mesh.join(room(conn.ticket.tenant, conn.ticket.meeting), conn.person);
      if (!p) return null;
      ids.set(conn, p.peerId);
      return { mesh: { path: mesh.path, key: mesh.key, peerId: p.peerId, token: p.token }, iceServers: turn?.iceServers(conn.ticket.device ?? conn.person) ?? [] };
    },
    peers: (tenant, meeting) => mesh.peers(room(tenant, meeting)),
    left(conn) {
      const id = ids.get(conn);
      if (id) mesh.leave(id);
    },
  };
}
