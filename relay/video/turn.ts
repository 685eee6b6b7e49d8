/**
 * Our own coturn (`turnserver`) for the mesh fallback (DESIGN.md, "Transports and offline"): a config file of
 * its own under `<data>/turn/`, a fresh shared secret per start (TURN REST, draft-uberti-behave-turn-rest-00:
 * `use-auth-secret`), no CLI, no TLS, realm `ratsraum`, peers limited to the configured addresses. Supervised:
 * restarted when it exits, with the same secret so the credentials already handed out stay good.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { createHmac, randomBytes } from 'node:crypto';
import { createSocket } from 'node:dgram';
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { isIPv6 } from 'node:net';
import { join } from 'node:path';
import type { RTCIceServerLike } from '../../core/video-wire.js';
import { stopChild } from './child.js';

export const TURN_REALM = 'ratsraum';
export const TURN_LIFETIME_S = 3600;

export interface TurnOptions {
  dataDir: string;
  /** Address coturn listens and relays on (the relay host's address; tests: RATSRAUM_ICE_IP). */
  ip: string;
  /** UDP port (default: a free one). */
  port?: number;
  /** Host name or address browsers use to reach it (default: `ip`). */
  publicHost?: string;
  /** Peer addresses a TURN allocation may send to; every other address is denied. Default: `[ip]`. */
  peers?: string[];
  bin?: string;
  log?: (m: string) => void;
}

export interface Turn {
  readonly port: number;
  /** The running turnserver's pid (supervision is proven by killing it). */
  pid(): number | undefined;
  /** ICE servers with credentials for one device, good for TURN_LIFETIME_S. */
  iceServers(device: string, nowMs?: number): RTCIceServerLike[];
  close(): Promise<void>;
}

/** TURN REST credentials: username `<expiry>:<device>`, password base64(HMAC-SHA1(secret, username)). */
export function credential(secret: string, device: string, expiry: number): { username: string; credential: string } {
  const username = `${expiry}:${device}`;
  return { username, credential: createHmac('sha1', secret).update(username).digest('base64') };
}

function config(o: TurnOptions & { port: number; secret: string; dir: string }): string {
  const all = isIPv6(o.ip) ? '::-ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff' : '0.0.0.0-255.255.255.255';
  return [
    `listening-ip=${o.ip}`,
    `relay-ip=${o.ip}`,
    `listening-port=${o.port}`,
    `realm=${TURN_REALM}`,
    'use-auth-secret',
    `static-auth-secret=${o.secret}`,
    'fingerprint',
    'no-cli',
    'no-tls',
    'no-dtls',
    'no-tcp-relay',
    'no-multicast-peers',
    'no-software-attribute',
    ...(/^127\.|^::1$/.test(o.ip) ? ['allow-loopback-peers'] : []),
    'no-rfc5780',
    'no-stun-backward-compatibility',
    `denied-peer-ip=${all}`,
    ...(o.peers ?? [o.ip]).map((p) => `allowed-peer-ip=${p}`),
    `userdb=${join(o.dir, 'turndb')}`,
    `pidfile=${join(o.dir, 'turnserver.pid')}`,
    'log-file=stdout',
    'simple-log',
    `max-allocate-lifetime=${TURN_LIFETIME_S}`,
    'user-quota=12',
    'total-quota=200',
    '',
  ].join('\n');
}

async function freeUdpPort(ip: string): Promise<number> {
  const s = createSocket(isIPv6(ip) ? 'udp6' : 'udp4');
  await new Promise<void>((ok, fail) => (s.once('error', fail), s.bind(0, ip, ok)));
  const { port } = s.address();
  await new Promise<void>((ok) => s.close(() => ok()));
  return port;
}

/** One STUN Binding request (RFC 5389 6): true once coturn answers on the port. */
function stunAnswers(ip: string, port: number, timeoutMs: number): Promise<boolean> {
  const s = createSocket(isIPv6(ip) ? 'udp6' : 'udp4');
  const req = Buffer.alloc(20);
  req.writeUInt16BE(0x0001, 0);
  req.writeUInt32BE(0x2112a442, 4);
  randomBytes(12).copy(req, 8);
  return new Promise((done) => {
    const end = (ok: boolean) => (clearTimeout(t), s.close(), done(ok));
    const t = setTimeout(() => end(false), timeoutMs);
    s.on('message', (m) => end(m.length >= 20 && m.readUInt16BE(0) === 0x0101 && m.subarray(8, 20).equals(req.subarray(8, 20))));
    s.on('error', () => end(false));
    s.send(req, port, ip);
  });
}

export async function startTurn(o: TurnOptions): Promise<Turn> {
  const dir = join(o.dataDir, 'turn');
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  const port = o.port ?? (await freeUdpPort(o.ip));
  const secret = randomBytes(32).toString('hex');
  const file = join(dir, 'turnserver.conf');
  writeFileSync(file, config({ ...o, port, secret, dir }), { mode: 0o600 });
  const log = o.log ?? (() => {});
  let child: ChildProcess | undefined;
  let closing = false;
  let restarts = 0;
  let failed: Error | undefined; // spawn itself failed (no turnserver): no restarts, no waiting
  const run = () => {
    // As for Janus: setpriv gives coturn a parent-death signal, so a relay killed hard leaves no coturn behind.
    const cmd = [o.bin ?? 'turnserver', '-c', file];
    const argv = existsSync('/usr/bin/setpriv') ? ['/usr/bin/setpriv', '--pdeathsig', 'SIGKILL', '--', ...cmd] : cmd;
    const c = spawn(argv[0]!, argv.slice(1), { stdio: ['ignore', 'ignore', 'pipe'] });
    child = c;
    c.stderr?.on('data', (d: Buffer) => log(`turn: ${d.toString().trim()}`));
    c.on('error', (e) => ((failed = e), log(`turn: ${e.message}`)));
    c.on('exit', (code, signal) => {
      if (closing) return;
      log(`turn: turnserver exited (${signal ?? code}); restarting`);
      setTimeout(run, Math.min(5000, 100 * 2 ** restarts++)).unref();
    });
  };
  run();
  for (let i = 0; !(await stunAnswers(o.ip, port, 200)); i++) {
    if (i > 50 || failed) {
      closing = true;
      child?.kill('SIGKILL');
      throw new Error(failed ? `turn: ${failed.message}` : `turn: turnserver did not answer on ${o.ip}:${port}`);
    }
  }
  restarts = 0;
  const host = o.publicHost ?? (isIPv6(o.ip) ? `[${o.ip}]` : o.ip);
  return {
    port,
    pid: () => (child?.exitCode === null ? child.pid : undefined),
    iceServers(device, nowMs = Date.now()) {
      const c = credential(secret, device, Math.floor(nowMs / 1000) + TURN_LIFETIME_S);
      return [{ urls: `stun:${host}:${port}` }, { urls: `turn:${host}:${port}?transport=udp`, ...c }];
    },
    async close() {
      closing = true;
      await stopChild(child, 2000);
    },
  };
}
