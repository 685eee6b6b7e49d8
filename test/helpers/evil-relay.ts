/**
 * A malicious relay for SEC-1 tests: a WebSocket proxy in front of the real relay that can drop, reorder,
 * forge, replay or withhold what it forwards, per connection. It has no device key, so it cannot sign.
 */
import type { AddressInfo } from 'node:net';
import WebSocket, { WebSocketServer } from 'ws';
import { decodeClientFrame, decodeServerFrame, encodeControl, encodeEnvelopes } from '../../core/wire.js';

export interface Link {
  index: number;
  device?: string; // device key hex once the client logged in
}

export interface Tamper {
  /** Envelopes from relay to client: return what the client gets instead. */
  down?(wires: Uint8Array[], link: Link): Uint8Array[] | Promise<Uint8Array[]>;
  /** Envelopes from client to relay: return what the relay gets; `fakeAck` answers the client as if stored. */
  up?(wires: Uint8Array[], link: Link): { forward: Uint8Array[]; fakeAck?: string[] };
  /** Control messages (beacons) from client to relay: false drops them. */
  upControl?(t: string, link: Link): boolean;
}

export async function evilRelay(upstream: string, tamper: Tamper) {
  const wss = new WebSocketServer({ port: 0, host: '127.0.0.1' });
  await new Promise((r) => wss.once('listening', r));
  let n = 0;
  wss.on('connection', (client) => {
    const link: Link = { index: n++ };
    const up = new WebSocket(upstream);
    const pending: Buffer[] = [];
    let chain = Promise.resolve();
    up.on('open', () => pending.splice(0).forEach((b) => up.send(b)));
    up.on('message', (data: Buffer) => {
      chain = chain.then(async () => {
        const bytes = new Uint8Array(data);
        const f = decodeServerFrame(bytes);
        if (f.type === 'envelopes' && tamper.down) {
          const out = await tamper.down(f.wires, link);
          if (out.length > 0 && client.readyState === client.OPEN) client.send(encodeEnvelopes(out));
        } else if (client.readyState === client.OPEN) client.send(bytes);
      });
    });
    client.on('message', (data: Buffer) => {
      const bytes = new Uint8Array(data);
      let out: Uint8Array | undefined = bytes;
      try {
        const f = decodeClientFrame(bytes);
        if (f.type === 'control' && f.message.t === 'login') link.device = f.message.device;
        if (f.type === 'control' && tamper.upControl && !tamper.upControl(f.message.t, link)) out = undefined;
        if (f.type === 'envelopes' && tamper.up) {
          const { forward, fakeAck } = tamper.up(f.wires, link);
          out = forward.length ? encodeEnvelopes(forward) : undefined;
          if (fakeAck?.length) client.send(encodeControl({ t: 'ack', ids: fakeAck }));
        }
      } catch {
        /* garbage passes through untouched: the relay answers it */
      }
      if (!out) return;
      if (up.readyState === up.OPEN) up.send(out);
      else pending.push(Buffer.from(out));
    });
    client.on('close', () => up.close());
    up.on('close', () => client.close());
  });
  const port = (wss.address() as AddressInfo).port;
  return {
    url: `ws://127.0.0.1:${port}`,
    close: () => {
      for (const c of wss.clients) c.terminate();
      return new Promise<void>((r) => wss.close(() => r()));
    },
  };
}
