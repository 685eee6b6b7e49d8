/**
 * The relay's own coturn with TURN REST credentials, attacked with a raw TURN client over UDP
 * (RFC 5389 STUN, RFC 5766 TURN: Allocate, CreatePermission, long-term credentials). Runs inside
 * scripts/netns.mjs (RATSRAUM_ICE_IP), else on 127.0.0.1.
 */
import { createHash, createHmac, randomBytes } from 'node:crypto';
import { createSocket, type Socket } from 'node:dgram';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { credential, startTurn, TURN_REALM, type Turn } from '../../relay/video/turn.js';

const IP = process.env.RATSRAUM_ICE_IP ?? '127.0.0.1';
const COOKIE = 0x2112a442;
const A = { username: 0x0006, integrity: 0x0008, error: 0x0009, realm: 0x0014, nonce: 0x0015, relayed: 0x0016, transport: 0x0019, peer: 0x0012, fingerprint: 0x8028 } as const;

type Attr = [number, Buffer];
const pad = (n: number) => (4 - (n % 4)) % 4;

function encode(type: number, tid: Buffer, attrs: Attr[], key?: Buffer): Buffer {
  const body = (list: Attr[]) => Buffer.concat(list.map(([t, v]) => Buffer.concat([Buffer.from([t >> 8, t & 255, v.length >> 8, v.length & 255]), v, Buffer.alloc(pad(v.length))])));
  const head = (len: number) => {
    const h = Buffer.alloc(20);
    h.writeUInt16BE(type, 0);
    h.writeUInt16BE(len, 2);
    h.writeUInt32BE(COOKIE, 4);
    tid.copy(h, 8);
    return h;
  };
  let b = body(attrs);
  if (!key) return Buffer.concat([head(b.length), b]);
  // RFC 5389 15.4: the HMAC covers the message with its length already counting MESSAGE-INTEGRITY.
  const mac = createHmac('sha1', key).update(Buffer.concat([head(b.length + 24), b])).digest();
  b = Buffer.concat([b, body([[A.integrity, mac]])]);
  return Buffer.concat([head(b.length), b]);
}

function decode(m: Buffer) {
  const attrs = new Map<number, Buffer>();
  for (let i = 20; i + 4 <= m.length; ) {
    const t = m.readUInt16BE(i);
    const n = m.readUInt16BE(i + 2);
    attrs.set(t, m.subarray(i + 4, i + 4 + n));
    i += 4 + n + pad(n);
  }
  const e = attrs.get(A.error);
  return { type: m.readUInt16BE(0), tid: m.subarray(8, 20), attrs, code: e ? e[2]! * 100 + e[3]! : 0 };
}

function xorAddress(ip: string, port: number): Buffer {
  const b = Buffer.alloc(8);
  b[1] = 1;
  b.writeUInt16BE(port ^ (COOKIE >>> 16), 2);
  ip.split('.').forEach((x, i) => (b[4 + i] = Number(x) ^ ((COOKIE >>> (24 - 8 * i)) & 255)));
  return b;
}

class TurnClient {
  private s: Socket;
  private key?: Buffer;
  private realm: Buffer = Buffer.alloc(0);
  private nonce: Buffer = Buffer.alloc(0);
  constructor(private port: number, private user: { username: string; credential: string }) {
    this.s = createSocket('udp4');
  }
  private request(type: number, attrs: Attr[], signed: boolean) {
    const tid = randomBytes(12);
    const auth: Attr[] = signed ? [[A.username, Buffer.from(this.user.username)], [A.realm, this.realm], [A.nonce, this.nonce]] : [];
    const msg = encode(type, tid, [...attrs, ...auth], signed ? this.key : undefined);
    return new Promise<ReturnType<typeof decode>>((ok, fail) => {
      const t = setTimeout(() => fail(new Error('turn: no answer')), 3000);
      const on = (m: Buffer) => {
        const d = decode(m);
        if (!d.tid.equals(tid)) return;
        clearTimeout(t);
        this.s.off('message', on);
        ok(d);
      };
      this.s.on('message', on);
      this.s.send(msg, this.port, IP);
    });
  }
  /** Allocate (RFC 5766 6.1), first unauthenticated for realm and nonce, then with the long-term key. */
  async allocate() {
    const transport: Attr = [A.transport, Buffer.from([17, 0, 0, 0])];
    const first = await this.request(0x0003, [transport], false);
    expect(first.code).toBe(401);
    this.realm = first.attrs.get(A.realm)!;
    this.nonce = first.attrs.get(A.nonce)!;
    this.key = createHash('md5').update(`${this.user.username}:${this.realm}:${this.user.credential}`).digest();
    return this.request(0x0003, [transport], true);
  }
  createPermission(ip: string) {
    return this.request(0x0008, [[A.peer, xorAddress(ip, 9)]], true);
  }
  close() {
    this.s.close();
  }
}

describe('TURN for the mesh fallback', () => {
  let dir: string;
  let turn: Turn;
  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'rr-turn-'));
    turn = await startTurn({ dataDir: dir, ip: IP, peers: [IP] });
  }, 60_000);
  afterAll(async () => {
    await turn?.close();
    rmSync(dir, { recursive: true, force: true });
  }, 60_000);

  const allocateWith = async (user: { username: string; credential: string }) => {
    const c = new TurnClient(turn.port, user);
    try {
      const r = await c.allocate();
      return { r, c };
    } catch (e) {
      c.close();
      throw e;
    }
  };
  const minted = (nowMs?: number) => {
    const s = turn.iceServers('device-a', nowMs).find((x) => String(x.urls).startsWith('turn:'))!;
    return { username: s.username!, credential: s.credential! };
  };

  it('DIS-5 (fallback) the relay mints TURN credentials coturn accepts, and an expired or forged one is refused', async () => {
    // Our own process with our own config: the secret lies in <data>/turn, not in /etc.
    const conf = readFileSync(join(dir, 'turn', 'turnserver.conf'), 'utf8');
    expect(conf).toMatch(/^use-auth-secret$/m);
    expect(conf).toMatch(/^no-cli$/m);
    expect(conf).toMatch(new RegExp(`^realm=${TURN_REALM}$`, 'm'));
    const secret = /^static-auth-secret=(\w+)$/m.exec(conf)![1]!;
    const user = minted();
    expect(user.username).toMatch(/^\d+:device-a$/);
    expect(Number(user.username.split(':')[0]) - Date.now() / 1000).toBeGreaterThan(3500);
    expect(user).toEqual(credential(secret, 'device-a', Number(user.username.split(':')[0])));

    const ok = await allocateWith(user);
    expect(ok.r.type).toBe(0x0103); // Allocate success
    expect(ok.r.attrs.get(A.relayed)).toBeDefined();
    // Peers outside the configured addresses are denied (no relaying into the host's other networks).
    expect((await ok.c.createPermission(IP)).type).toBe(0x0108);
    expect((await ok.c.createPermission('10.99.0.77')).code).toBe(403);
    expect((await ok.c.createPermission(IP === '127.0.0.1' ? '127.0.0.2' : '127.0.0.1')).code).toBe(403); // the host's loopback services
    ok.c.close();

    const expired = await allocateWith(minted(Date.now() - 2 * 3600_000));
    expect(expired.r.code).toBe(401);
    expired.c.close();
    const forged = await allocateWith(credential(randomBytes(32).toString('hex'), 'device-a', Math.floor(Date.now() / 1000) + 3600));
    expect(forged.r.code).toBe(401);
    forged.c.close();
    // Someone else's name with a valid password of device-a: the HMAC binds the whole username.
    const renamed = await allocateWith({ username: user.username.replace('device-a', 'device-b'), credential: user.credential });
    expect(renamed.r.code).toBe(401);
    renamed.c.close();
  }, 60_000);

  it('DIS-5 (fallback) a crashed turnserver is restarted with the same secret, so handed-out credentials stay good', async () => {
    const user = minted();
    const before = turn.pid()!;
    process.kill(before, 'SIGKILL');
    await expect.poll(() => turn.pid() !== undefined && turn.pid() !== before, { timeout: 20_000 }).toBe(true);
    // It may take a moment to bind again: retry until it answers.
    await expect
      .poll(async () => {
        try {
          const a = await allocateWith(user);
          a.c.close();
          return a.r.type;
        } catch {
          return 0;
        }
      }, { timeout: 20_000, interval: 200 })
      .toBe(0x0103);
  }, 60_000);
});
