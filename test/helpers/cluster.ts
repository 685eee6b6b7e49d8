/**
 * Several relays behind one address, for real: our own redis-server on loopback (Debian's package, never its
 * service; no persistence), relay child processes over one shared store (a SQLite file in WAL mode in one
 * data folder), each started as `startRelay` with `--bus` (relay/bus-redis.ts). A child can be killed with
 * SIGKILL; every process started here is ended by `stop()`.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { createServer } from 'node:net';
import { join } from 'node:path';
import type { Demo } from '../../relay/demo.js';
import { seedDemo } from '../../relay/demo.js';
import { openSqlite } from '../../relay/store.js';
import { tempDir, until } from './relay.js';

export const freePort = (): Promise<number> =>
  new Promise((ok, fail) => {
    const s = createServer();
    s.once('error', fail);
    s.listen(0, '127.0.0.1', () => {
      const port = (s.address() as { port: number }).port;
      s.close(() => ok(port));
    });
  });

/** Whatever a failed or timed-out hook left running ends with the test process. */
const started = new Set<ChildProcess>();
process.on('exit', () => started.forEach((c) => c.kill('SIGKILL')));

function exited(c: ChildProcess): Promise<void> {
  return c.exitCode !== null || c.signalCode !== null ? Promise.resolve() : new Promise((ok) => c.once('exit', () => ok()));
}

export interface Redis {
  url: string;
  stop(): Promise<void>;
}

export async function startRedis(): Promise<Redis> {
  const port = await freePort();
  const dir = tempDir();
  const child = spawn('redis-server', ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no', '--dir', dir, '--loglevel', 'warning'], { stdio: ['ignore', 'pipe', 'pipe'] });
  started.add(child);
  let out = '';
  child.stdout!.on('data', (b: Buffer) => (out += b.toString()));
  child.stderr!.on('data', (b: Buffer) => (out += b.toString()));
  const url = `redis://127.0.0.1:${port}`;
  // Ready once it answers a PING on its port.
  await until(() => /Ready to accept connections/i.test(out) || child.exitCode !== null, 'redis-server starts', 30_000).catch(() => undefined);
  if (child.exitCode !== null) throw new Error(`redis-server did not start: ${out}`);
  return {
    url,
    async stop() {
      child.kill('SIGTERM');
      await exited(child);
    },
  };
}

export interface RelayChild {
  name: string;
  port: number;
  url: string;
  wsUrl: string;
  child: ChildProcess;
  out: () => string;
  kill(signal?: NodeJS.Signals): Promise<void>;
}

/** A relay process over `dataDir` on the bus; `extra`: further RelayOptions as JSON (test limits). */
export async function relayChild(name: string, dataDir: string, bus: string, extra: Record<string, unknown> = {}): Promise<RelayChild> {
  // The free port may be taken by another process before the child listens on it: then once more on another.
  for (let attempt = 1; ; attempt++) {
    try {
      return await relayChildOn(await freePort(), name, dataDir, bus, extra);
    } catch (e) {
      if (attempt >= 3 || !String((e as Error).message).includes('EADDRINUSE')) throw e;
    }
  }
}

async function relayChildOn(port: number, name: string, dataDir: string, bus: string, extra: Record<string, unknown>): Promise<RelayChild> {
  const opts = { dataDir, port, quiet: false, demo: true, bus, ...extra };
  const code = `import('./relay/server.ts').then((m) => m.startRelay(${JSON.stringify(opts)})).then((r) => console.log('ready ' + r.port), (e) => { console.error(e); process.exit(1); })`;
  const child = spawn(process.execPath, ['--import', 'tsx', '-e', code], { stdio: ['ignore', 'pipe', 'pipe'] });
  started.add(child);
  let out = '';
  child.stdout!.on('data', (b: Buffer) => (out += b.toString()));
  child.stderr!.on('data', (b: Buffer) => (out += b.toString()));
  await until(() => out.includes(`ready ${port}`) || child.exitCode !== null, `relay ${name} starts`, 180_000);
  if (child.exitCode !== null) throw new Error(`relay ${name} did not start:\n${out}`);
  const url = `http://127.0.0.1:${port}`;
  return {
    name,
    port,
    url,
    wsUrl: `ws://127.0.0.1:${port}/sync`,
    child,
    out: () => out,
    async kill(signal: NodeJS.Signals = 'SIGTERM') {
      if (child.exitCode === null && child.signalCode === null) child.kill(signal);
      await exited(child);
    },
  };
}

/** A data folder whose store holds the tenants and meetings of `demos`, seeded before any relay opens it. */
export async function sharedStore(demos: Demo[], opts: { sealed?: boolean } = {}): Promise<string> {
  const dataDir = tempDir();
  const store = openSqlite(join(dataDir, 'relay.sqlite'));
  for (const d of demos) await seedDemo(store, d, undefined, opts);
  await store.close();
  return dataDir;
}
