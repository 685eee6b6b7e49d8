/**
 * The WebSocket endpoint /sync on the Node HTTP server (the `ws` side of the adapter): connection cap per
 * client address, a Peer per socket that reports its send buffer, a heartbeat only a reading peer can
 * answer, and a shutdown that finishes while browsers still hold connections.
 */
import { randomBytes } from 'node:crypto';
import type { Server } from 'node:http';
import { WebSocketServer } from 'ws';
import { LIMITS } from '../../core/wire.js';
import { clientAddress } from '../client-address.js';
import type { Hub, Peer } from '../hub.js';

export interface EndpointOptions {
  /** WebSocket ping interval: a connection that misses one pong is dropped (ms). */
  heartbeatMs?: number;
  trustedProxies?: readonly string[];
  /** How long a closing socket, or the whole endpoint at shutdown, may take before it is cut (ms). */
  graceMs?: number;
  /** WebSocket paths other endpoints on this server take (/video, the mesh's PeerJS socket): left to them. */
  otherPaths?: readonly string[];
  log: (m: string) => void;
}

export interface Endpoint {
  close(): Promise<void>;
}

export function syncEndpoint(server: Server, hub: Hub, o: EndpointOptions): Endpoint {
  const wss = new WebSocketServer({ noServer: true, maxPayload: LIMITS.frame });
  const grace = o.graceMs ?? 1000;
  const perAddress = new Map<string, number>();

  server.on('upgrade', (req, socket, head) => {
    const path = new URL(req.url ?? '/', 'http://x').pathname;
    if (path !== '/sync') return o.otherPaths?.includes(path) ? undefined : socket.destroy();
    const address = clientAddress(req.socket.remoteAddress, req.headers, o.trustedProxies ?? []);
    const open = perAddress.get(address) ?? 0;
    if (open >= hub.limits.perAddress) {
      hub.metrics.count('connections_refused_total', 1, { reason: 'per-address' });
      socket.end('HTTP/1.1 429 Too Many Requests\r\nConnection: close\r\nContent-Length: 0\r\n\r\n');
      return;
    }
    perAddress.set(address, open + 1);
    socket.once('close', () => {
      const n = (perAddress.get(address) ?? 1) - 1;
      if (n > 0) perAddress.set(address, n);
      else perAddress.delete(address);
    });
    wss.handleUpgrade(req, socket, head, (ws) => {
      const waiters: { below: number; f: () => void }[] = [];
      const release = () => {
        for (let i = waiters.length - 1; i >= 0; i--)
          if (ws.readyState !== ws.OPEN || ws.bufferedAmount <= waiters[i]!.below) waiters.splice(i, 1)[0]!.f();
      };
      let cut: ReturnType<typeof setTimeout> | undefined;
      const peer: Peer = {
        send: (f) => ws.readyState === ws.OPEN && ws.send(f, release),
        close: (code, reason) => {
          ws.close(code, reason);
          // A peer that does not read never completes the closing handshake: cut it after a grace.
          cut ??= setTimeout(() => ws.terminate(), grace);
        },
        buffered: () => ws.bufferedAmount,
        drained: (below, f) => {
          waiters.push({ below, f });
          release();
        },
      };
      const session = hub.connect(peer);
      ws.on('message', (data, isBinary) => {
        if (!isBinary) return session.receive(new Uint8Array(0));
        const buf = Array.isArray(data) ? Buffer.concat(data) : Buffer.from(data as ArrayBuffer);
        session.receive(new Uint8Array(buf.buffer, buf.byteOffset, buf.byteLength));
      });
      // Only the answer to our own ping counts: unsolicited pongs kept a peer alive that read nothing.
      let expected: Buffer | undefined;
      let alive = true;
      ws.on('pong', (data) => {
        if (expected?.equals(data)) alive = true;
      });
      const beat = setInterval(() => {
        if (!alive) return ws.terminate(); // half-open, or not reading: the peer never saw our ping
        alive = false;
        expected = randomBytes(16);
        ws.ping(expected);
      }, o.heartbeatMs ?? 30_000);
      ws.on('close', () => {
        clearInterval(beat);
        clearTimeout(cut);
        session.close();
        release();
      });
      ws.on('error', (e) => o.log(`relay: websocket error: ${e.message}`));
    });
  });

  return {
    async close() {
      const closed = new Promise<void>((r) => server.close(() => r()));
      for (const ws of wss.clients) ws.close(1001, 'relay shutting down');
      server.closeIdleConnections();
      const cut = setTimeout(() => {
        for (const ws of wss.clients) ws.terminate();
        server.closeAllConnections();
      }, grace);
      await closed;
      clearTimeout(cut);
      wss.close();
      hub.close();
    },
  };
}
