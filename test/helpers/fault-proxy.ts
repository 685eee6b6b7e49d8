/**
 * A TCP fault proxy between devices and a relay: forwards to 127.0.0.1:<port> of the moment, and `cut()`
 * drops every connection through it and refuses new ones (a partitioned line) until `heal()`; `deafen()` keeps
 * the connections open but loses what the devices send from then on (the relay that took a message and died
 * before passing it on), until the next `cut()`.
 */
import { createConnection, createServer, type Socket } from 'node:net';

export async function faultProxy(target: () => number) {
  const sockets = new Set<Socket>();
  let cut = false;
  let deaf = false;
  const server = createServer((client) => {
    if (cut) return client.destroy();
    const upstream = createConnection({ host: '127.0.0.1', port: target() });
    for (const s of [client, upstream]) {
      sockets.add(s);
      s.on('close', () => sockets.delete(s));
      s.on('error', () => {});
    }
    client.on('close', () => upstream.destroy());
    upstream.on('close', () => client.destroy());
    client.on('data', (d) => deaf || upstream.write(d));
    upstream.pipe(client);
  });
  await new Promise<void>((ok) => server.listen(0, '127.0.0.1', ok));
  const port = (server.address() as { port: number }).port;
  return {
    wsUrl: `ws://127.0.0.1:${port}/sync`,
    deafen() {
      deaf = true;
    },
    cut() {
      cut = true;
      deaf = false;
      for (const s of sockets) s.destroy();
    },
    heal() {
      cut = false;
    },
    close: () =>
      new Promise<void>((ok) => {
        for (const s of sockets) s.destroy();
        server.close(() => ok());
      }),
  };
}
