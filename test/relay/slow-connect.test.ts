/**
 * A slow line or a busy relay: the opening of a sync connection (upgrade, the relay's challenge) takes several
 * round trips. The client gives it CONNECT_MS (web/sync/client.ts) before it counts the attempt as failed, and only an established
 * connection is judged by the ping's 3 s (AV-1). Before, a challenge later than 3 s made every attempt fail.
 */
import type { AddressInfo } from 'node:net';
import WebSocket, { WebSocketServer } from 'ws';
import { afterAll, describe, expect, it } from 'vitest';
import { cleanup, demoRelay, device, until } from '../helpers/relay.js';

const stops: (() => unknown)[] = [];
afterAll(async () => {
  for (const s of stops.reverse()) await s();
});

/** A line on which the relay's first frames (the challenge) arrive only `ms` after the connection was opened. */
async function slowLine(upstream: string, ms: number) {
  const wss = new WebSocketServer({ port: 0, host: '127.0.0.1' });
  await new Promise((r) => wss.once('listening', r));
  let connections = 0;
  wss.on('connection', (client) => {
    connections++;
    const up = new WebSocket(upstream);
    const from = Date.now() + ms;
    const pending: Buffer[] = [];
    up.on('open', () => pending.splice(0).forEach((b) => up.send(b)));
    up.on('message', (data: Buffer) => setTimeout(() => client.readyState === client.OPEN && client.send(data), Math.max(0, from - Date.now())));
    client.on('message', (data: Buffer) => (up.readyState === up.OPEN ? up.send(data) : pending.push(data)));
    client.on('close', () => up.close());
    up.on('close', () => client.close());
  });
  stops.push(() => {
    for (const c of wss.clients) c.terminate();
    return new Promise<void>((r) => wss.close(() => r()));
  });
  return { url: `ws://127.0.0.1:${(wss.address() as AddressInfo).port}`, connections: () => connections };
}

describe('sync client on a slow line', () => {
  it('AV-1 a device whose relay answers the opening only after 4.5 s gets online on its first attempt', async () => {
    const r = await demoRelay();
    stops.push(() => cleanup(r.dataDir), () => r.relay.close());
    const line = await slowLine(r.wsUrl, 4500);
    const m = await device(r.demo, 'm02', [line.url]);
    stops.push(() => m.client.stop());
    await until(() => m.client.status === 'online', 'online over the slow line', 60_000);
    expect(line.connections()).toBe(1);
    expect(m.statuses).not.toContain('offline');
  }, 90_000);
});
