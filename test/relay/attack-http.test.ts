/**
 * The relay's HTTP side under attack (issue 10, "The relay under attack": CPU, Smaller; finding 11): an
 * anonymous loop on the export and the handbook PDF, a client that forges X-Forwarded-For, admin requests
 * that canonical JSON cannot encode, a replay after a restart, a token tried in another tenant, the
 * identity database read as bytes, and a device the admin certified without enrolment.
 */
import { readFileSync, statSync, writeFileSync, existsSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import * as OTPAuth from 'otpauth';
import { PDFDocument } from 'pdf-lib';
import { afterAll, describe, expect, it, vi } from 'vitest';
import { fromHex, toHex } from '../../crypto/bytes.js';
import { CanonicalError, canonicalJson, MAX_DEPTH } from '../../crypto/canonical.js';
import { issue, ROLES } from '../../crypto/cert.js';
import { generateSeed, signerFromSeed } from '../../crypto/ed25519.js';
import { signAdmin } from '../../core/identity.js';
import { createApp } from '../../relay/app.js';
import { clientAddress } from '../../relay/client-address.js';
import { makeDemo, seedDemo } from '../../relay/demo.js';
import { Hub } from '../../relay/hub.js';
import { Metrics } from '../../relay/metrics.js';
import { type RelayOptions, startRelay } from '../../relay/server.js';
import { openSqlite, type Store } from '../../relay/store.js';
import { openSqliteIdentity } from '../../relay/identity-schema.js';
import { Totp } from '../../relay/totp.js';
import { cleanup, demoRelay, demoSigner, rawClient, tempDir } from '../helpers/relay.js';

const stops: (() => unknown)[] = [];
afterAll(async () => {
  for (const s of stops.reverse()) await s();
});

async function relayWith(relay: Partial<RelayOptions>) {
  const s = await demoRelay({ relay });
  stops.push(() => cleanup(s.dataDir), () => s.relay.close());
  return s;
}

/** A store that counts how often the whole log of a meeting is read: the work an export costs. */
function counting(store: Store) {
  const calls = { all: 0 };
  const counted = new Proxy(store, {
    get(target, key: keyof Store) {
      if (key === 'all') return (...a: Parameters<Store['all']>) => (calls.all++, target.all(...a));
      return target[key];
    },
  });
  return { counted, calls };
}

describe('the relay under attack: CPU of /export and the handbook PDF', () => {
  it('AV-1 (attack: CPU) 50 anonymous exports read the log once; a new envelope or certificate shows in the next export at once', async () => {
    const dir = tempDir();
    const store = openSqlite(join(dir, 'relay.sqlite'));
    stops.push(() => cleanup(dir), async () => await store.close());
    const demo = makeDemo();
    await seedDemo(store, demo);
    const { counted, calls } = counting(store);
    const app = createApp({ store: counted, hub: new Hub(counted, 'test', new Metrics()), metrics: new Metrics(), started: Date.now(), anonymousRate: { burst: 1000, perSecond: 1000 } });
    const path = `/api/${demo.tenant}/${demo.meeting}/export`;
    const first = (await (await app.request(path)).json()) as { envelopes: string[]; certs: { sig: string }[] };
    for (let i = 0; i < 49; i++) expect((await app.request(path)).status).toBe(200);
    expect(calls.all).toBe(1);
    // A verifier that already holds this head downloads nothing.
    const etag = (await app.request(path)).headers.get('etag')!;
    expect((await app.request(path, { headers: { 'if-none-match': etag } })).status).toBe(304);

    // A new public envelope changes the log head: the next export has it.
    const author = toHex((await demoSigner(demo, 'm01')).publicKey);
    const wire = new Uint8Array([1, 2, 3, 4]);
    await store.insert(demo.tenant, demo.meeting, { doc: 'public', author, seq: 1, id: 'f'.repeat(64), wire });
    expect((await app.request(path, { headers: { 'if-none-match': etag } })).status).toBe(200);
    const second = (await (await app.request(path)).json()) as { envelopes: string[] };
    expect(second.envelopes).toHaveLength(first.envelopes.length + 1);
    expect(second.envelopes.at(-1)).toBe(Buffer.from(wire).toString('base64'));
    // A members' envelope is no part of the public record: it does not cost a rebuild.
    await store.insert(demo.tenant, demo.meeting, { doc: 'members', author, seq: 1, id: 'e'.repeat(64), wire });
    await app.request(path);
    expect(calls.all).toBe(2);

    // A certificate signed anew (a revocation, a role change) shows at once too.
    const admin = await signerFromSeed(fromHex(demo.tenantSeed, 32));
    const held = (await store.cert(demo.tenant, author))!;
    const reissued = await issue({ ...held.body, issued: Date.now() }, admin);
    await store.putCert(reissued);
    const third = (await (await app.request(path)).json()) as { certs: { sig: string }[] };
    expect(third.certs.map((c) => c.sig)).toContain(reissued.sig);
    expect(calls.all).toBe(3);

    // Invented meeting names are refused, not built and cached.
    expect((await app.request(`/api/${demo.tenant}/invented-${'x'.repeat(20)}/export`)).status).toBe(404);
    expect(calls.all).toBe(3);
  });

  it('DS-1 AV-1 (attack: CPU) the handbook PDF is rendered once per input; a changed value renders it anew', async () => {
    const s = await relayWith({ anonymousRate: { burst: 1000, perSecond: 1000 } });
    const values = join(s.dataDir, 'handbook', 'values.json');
    mkdirSync(join(s.dataDir, 'handbook'), { recursive: true });
    const mark = `Stadt ${toHex(generateSeed()).slice(0, 12)}`;
    writeFileSync(values, JSON.stringify({ municipality: mark, controller: mark }));
    const renders = vi.spyOn(PDFDocument, 'create');
    try {
      const get = async () => new Uint8Array(await (await fetch(`${s.relay.url}/api/handbook/privacy/de.pdf`)).arrayBuffer());
      const pdfs = await Promise.all(Array.from({ length: 12 }, get));
      for (let i = 0; i < 8; i++) pdfs.push(await get());
      expect(renders).toHaveBeenCalledTimes(1);
      expect(new Set(pdfs.map((p) => Buffer.from(p).toString('base64'))).size).toBe(1);
      expect((await PDFDocument.load(pdfs[0]!)).getAuthor()).toBe(mark);
      renders.mockClear();
      writeFileSync(values, JSON.stringify({ municipality: `${mark} (neu)`, controller: `${mark} (neu)` }));
      const fresh = await get();
      expect(renders).toHaveBeenCalledTimes(1);
      expect((await PDFDocument.load(fresh)).getAuthor()).toBe(`${mark} (neu)`);
    } finally {
      renders.mockRestore();
    }
  });

  it('AV-1 (attack: CPU) an anonymous loop on /export and the PDF gets 429 with Retry-After; forged X-Forwarded-For buys no fresh bucket', async () => {
    const s = await relayWith({ anonymousRate: { burst: 4, perSecond: 0.01 } });
    const exp = `${s.relay.url}/api/${s.demo.tenant}/${s.demo.meeting}/export`;
    const statuses: number[] = [];
    for (let i = 0; i < 4; i++) statuses.push((await fetch(i % 2 ? exp : `${s.relay.url}/api/handbook/security/de.pdf`)).status);
    expect(statuses).toEqual([200, 200, 200, 200]);
    const refused = await fetch(exp);
    expect(refused.status).toBe(429);
    expect(Number(refused.headers.get('retry-after'))).toBeGreaterThanOrEqual(1);
    expect(await refused.json()).toMatchObject({ error: 'rate-limit', message: expect.stringMatching(/too many requests/) });
    // No proxy is configured: the header is the client's own word and changes nothing.
    for (const xff of ['198.51.100.1', '198.51.100.2', '10.0.0.1, 127.0.0.1'])
      expect((await fetch(`${s.relay.url}/api/handbook/privacy/en.pdf`, { headers: { 'x-forwarded-for': xff } })).status).toBe(429);
    // A legitimate member's login is a different limit and still works.
    expect((await fetch(`${s.relay.url}/api/${s.demo.tenant}/login/challenge`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ device: 'ab'.repeat(32) }) })).status).toBe(200);
  });
});

describe('the relay under attack: smaller', () => {
  it('AV-1 (attack: X-Forwarded-For) behind the configured proxy each client has its own bucket; the client-written part of the header is ignored', async () => {
    const s = await relayWith({ anonymousRate: { burst: 2, perSecond: 0.01 }, identityRate: { burst: 2, perSecond: 0.01 }, trustedProxies: ['127.0.0.1'] });
    const exp = (xff: string) => fetch(`${s.relay.url}/api/${s.demo.tenant}/${s.demo.meeting}/export`, { headers: { 'x-forwarded-for': xff } }).then((r) => r.status);
    expect([await exp('203.0.113.7'), await exp('203.0.113.7'), await exp('203.0.113.7')]).toEqual([200, 200, 429]);
    // The proxy appends the address it saw; what the client wrote in front proves nothing.
    expect(await exp('198.51.100.99, 203.0.113.7')).toBe(429);
    expect(await exp('203.0.113.8')).toBe(200);
    const challenge = (xff: string) =>
      fetch(`${s.relay.url}/api/${s.demo.tenant}/login/challenge`, { method: 'POST', headers: { 'content-type': 'application/json', 'x-forwarded-for': xff }, body: JSON.stringify({ device: 'ab'.repeat(32) }) }).then((r) => r.status);
    expect([await challenge('203.0.113.7'), await challenge('203.0.113.7'), await challenge('203.0.113.7'), await challenge('203.0.113.9')]).toEqual([200, 200, 429, 200]);
    const limited = await fetch(`${s.relay.url}/api/${s.demo.tenant}/login/challenge`, { method: 'POST', headers: { 'content-type': 'application/json', 'x-forwarded-for': '203.0.113.7' }, body: JSON.stringify({ device: 'ab'.repeat(32) }) });
    expect(Number(limited.headers.get('retry-after'))).toBeGreaterThanOrEqual(1);
    // One IPv6 customer line is a /64: its 2^64 addresses share one bucket.
    expect([await exp('2001:db8:1:2::a'), await exp('2001:db8:1:2::b'), await exp('2001:db8:1:2:ffff::1'), await exp('2001:db8:1:3::a')]).toEqual([200, 200, 429, 200]);
  });

  it('AV-1 (attack: X-Forwarded-For) clientAddress trusts the header only from a configured proxy', () => {
    const h = (xff: string | string[]) => ({ 'x-forwarded-for': xff });
    expect(clientAddress('198.51.100.5', h('1.2.3.4'), [])).toBe('198.51.100.5');
    expect(clientAddress('198.51.100.5', h('1.2.3.4'), ['127.0.0.1'])).toBe('198.51.100.5');
    expect(clientAddress('::ffff:127.0.0.1', h('9.9.9.9, 203.0.113.7'), ['127.0.0.1'])).toBe('203.0.113.7');
    expect(clientAddress('127.0.0.1', h(['9.9.9.9', '203.0.113.7, 10.0.0.2']), ['127.0.0.1', '10.0.0.2'])).toBe('203.0.113.7');
    expect(clientAddress('127.0.0.1', new Headers({ 'X-Forwarded-For': '[2001:DB8::1]' }), ['127.0.0.1'])).toBe('2001:db8::1');
    expect(clientAddress('127.0.0.1', h('not an address'), ['127.0.0.1'])).toBe('127.0.0.1');
    expect(clientAddress('127.0.0.1', {}, ['127.0.0.1'])).toBe('127.0.0.1');
  });

  it('SEC-1 (attack: canonical JSON) floats, non-finite numbers and nesting deeper than 32 throw a CanonicalError', () => {
    const nest = (n: number): unknown => (n === 0 ? 1 : [nest(n - 1)]);
    for (const [value, problem] of [[1.5, 'not-integer'], [2 ** 53, 'not-integer'], [JSON.parse('1e999'), 'not-finite'], [Number.NaN, 'not-finite'], [nest(MAX_DEPTH + 1), 'too-deep'], [{ a: () => 1 }, 'unsupported']] as const) {
      const e = (() => {
        try {
          canonicalJson(value);
        } catch (x) {
          return x;
        }
      })();
      expect(e).toBeInstanceOf(CanonicalError);
      expect((e as CanonicalError).problem).toBe(problem);
    }
    expect(canonicalJson(nest(MAX_DEPTH - 1))).toBe(`${'['.repeat(MAX_DEPTH - 1)}1${']'.repeat(MAX_DEPTH - 1)}`);
  });

  it('AV-1 (attack: canonical JSON) unsigned admin requests with a float, 1e999 or deep nesting get 400 {error, message}, never a 500 or a stack trace', async () => {
    const s = await relayWith({});
    const raw = (data: string) =>
      `{"req":{"tenant":"${s.demo.tenant}","action":"directory","at":${Date.now()},"nonce":"${'0'.repeat(32)}","data":${data}},"sig":"${'0'.repeat(128)}"}`;
    for (const data of ['1.5', '1e999', '-1e999', '{"x":[0.1]}', `${'['.repeat(30_000)}${']'.repeat(30_000)}`, `${'{"a":'.repeat(40)}1${'}'.repeat(40)}`]) {
      const r = await fetch(`${s.relay.url}/api/${s.demo.tenant}/admin`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: raw(data) });
      const text = await r.text();
      expect(r.status, `${data.slice(0, 20)}: ${text}`).toBe(400);
      const json = JSON.parse(text) as Record<string, unknown>;
      expect(json).toMatchObject({ error: 'bad-request', message: expect.any(String) });
      expect(text).not.toMatch(/\bat \S+ \(|\.ts:\d+|Error:/);
    }
    // Any other route of the relay answers JSON too.
    const unknown = await fetch(`${s.relay.url}/api/${s.demo.tenant}/nothing-here`, { method: 'POST', body: 'x' });
    expect(unknown.status).toBe(404);
    expect(await unknown.json()).toMatchObject({ error: 'not-found', message: expect.any(String) });
  });

  it('AV-1 (attack: canonical JSON) an unexpected failure is logged in English and answered with a bare 500', async () => {
    const dir = tempDir();
    const store = openSqlite(join(dir, 'relay.sqlite'));
    stops.push(() => cleanup(dir), async () => await store.close());
    const logs: string[] = [];
    const broken = new Proxy(store, { get: (t, k: keyof Store) => (k === 'tenantKey' ? () => { throw new Error('disk on fire at /var/lib/ratsraum'); } : t[k]) });
    const app = createApp({ store: broken, hub: new Hub(broken, 'test', new Metrics(), (m) => logs.push(m)), metrics: new Metrics(), started: Date.now() });
    const r = await app.request('/api/musterstadt/key');
    expect(r.status).toBe(500);
    const text = await r.text();
    expect(JSON.parse(text)).toEqual({ error: 'internal', message: 'internal error', code: 'internal' });
    expect(text).not.toMatch(/disk on fire|\/var\/lib/);
    expect(logs.join('\n')).toMatch(/^relay: GET \/api\/musterstadt\/key failed: Error: disk on fire/);
  });

  it('SEC-4 (attack: admin replay) a signed admin request replayed after a relay restart is refused', async () => {
    const s = await relayWith({});
    const admin = await signerFromSeed(fromHex(s.demo.tenantSeed, 32));
    const request = JSON.stringify(await signAdmin(admin, s.demo.tenant, 'directory', null));
    const post = (url: string) => fetch(`${url}/api/${s.demo.tenant}/admin`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: request });
    expect((await post(s.relay.url)).status).toBe(200);
    expect((await post(s.relay.url)).status).toBe(409);
    await s.relay.close();
    const again = await startRelay({ dataDir: s.dataDir, quiet: true, demo: true });
    stops.push(() => again.close());
    const replayed = await post(again.url);
    expect(replayed.status).toBe(409);
    expect(await replayed.json()).toMatchObject({ error: 'replay', code: 'replay' });
    // A fresh request of the same admin still works.
    const fresh = await fetch(`${again.url}/api/${s.demo.tenant}/admin`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(await signAdmin(admin, s.demo.tenant, 'directory', null)) });
    expect(fresh.status).toBe(200);
  });

  it('SEC-4 (attack: tenant oracle) an invitation token of another tenant gets the same answer as a made-up one', async () => {
    const s = await relayWith({});
    const other = await signerFromSeed(generateSeed());
    await s.relay.store.putTenant('nachbarstadt', toHex(other.publicKey));
    const { token } = await s.relay.identity.invitations.create({ tenant: s.demo.tenant, person: 'b3', email: 'sevim@example.org', grant: { name: 'Sevim Arslan', roles: ['advisory'], bodies: ['bv-mitte'] } });
    const device = await signerFromSeed(generateSeed());
    const start = async (t: string) => {
      const r = await fetch(`${s.relay.url}/api/nachbarstadt/enrol/start`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ token: t, device: toHex(device.publicKey), sig: '0'.repeat(128) }) });
      return { status: r.status, body: await r.text() };
    };
    const theirs = await start(token);
    const madeUp = await start(`${token.slice(0, -4)}AAAA`);
    expect(theirs).toEqual(madeUp);
    expect(theirs.status).toBe(404);
    expect(theirs.body).not.toMatch(/another|andere/i);
  });

  it('SEC-3 (attack: secrets at rest) no TOTP secret is in the bytes of identity.sqlite; clear rows of older versions are sealed on open; the key is a separate 0600 file', async () => {
    const dir = tempDir();
    stops.push(() => cleanup(dir));
    const file = join(dir, 'identity.sqlite');
    // An identity database as the previous version left it: the secret in clear.
    const old = new Database(file);
    old.pragma('journal_mode = WAL');
    old.exec(`CREATE TABLE totp (tenant TEXT NOT NULL, device TEXT NOT NULL, label TEXT NOT NULL, secret TEXT NOT NULL,
      failures INTEGER NOT NULL DEFAULT 0, locked_until INTEGER NOT NULL DEFAULT 0, last_step INTEGER NOT NULL DEFAULT -1, PRIMARY KEY (tenant, device))`);
    const legacy = new OTPAuth.Secret({ size: 20 }).base32;
    old.prepare('INSERT INTO totp (tenant, device, label, secret) VALUES (?, ?, ?, ?)').run('musterstadt', 'aa'.repeat(32), 'Alt', legacy);
    old.close();
    expect(readFileSync(file).includes(legacy)).toBe(true);

    const db = await openSqliteIdentity(file);
    const totp = await Totp.open(db, join(dir, 'secrets.key'));
    const fresh = await totp.create('musterstadt', 'bb'.repeat(32), 'Neu');
    const t0 = Date.now();
    const code = (secret: string) => new OTPAuth.TOTP({ secret: OTPAuth.Secret.fromBase32(secret) }).generate({ timestamp: t0 });
    expect(await totp.check('musterstadt', 'aa'.repeat(32), code(legacy), t0)).toEqual({ ok: true });
    expect(await totp.check('musterstadt', 'bb'.repeat(32), code(fresh.secret), t0)).toEqual({ ok: true });
    await db.close();

    const bytes = Buffer.concat([file, `${file}-wal`, `${file}-shm`].filter(existsSync).map((f) => readFileSync(f)));
    for (const secret of [legacy, fresh.secret]) {
      expect(bytes.includes(secret)).toBe(false);
      expect(bytes.includes(Buffer.from(OTPAuth.Secret.fromBase32(secret).bytes))).toBe(false);
    }
    const keyFile = join(dir, 'secrets.key');
    expect(statSync(keyFile).mode & 0o777).toBe(0o600);
    // The database without its key file is worth nothing: a new key cannot open the sealed rows.
    const copy = tempDir();
    stops.push(() => cleanup(copy));
    writeFileSync(join(copy, 'identity.sqlite'), readFileSync(file));
    const copied = await openSqliteIdentity(join(copy, 'identity.sqlite'));
    stops.push(() => copied.close());
    await expect(Totp.open(copied, join(copy, 'secrets.key'))).rejects.toThrow(/secrets\.key does not open/);
  });

  it('SEC-3 (finding 11) a device the admin certified without enrolment (no TOTP row) is refused at /sync with code session outside demo mode', async () => {
    const dataDir = tempDir();
    const relay = await startRelay({ dataDir, quiet: true });
    stops.push(() => cleanup(dataDir), () => relay.close());
    const demo = makeDemo();
    await seedDemo(relay.store, demo); // certificates signed by the tenant key, no enrolment, no second factor
    const wsUrl = `${relay.url.replace('http', 'ws')}/sync`;
    // Every role a certificate can name is member-like (crypto/cert.ts ROLES has no `public`): each needs the second factor.
    const admin = await signerFromSeed(fromHex(demo.tenantSeed, 32));
    const signers = await Promise.all(['m01', 'm02', 'b1', 'verwaltung'].map((p) => demoSigner(demo, p)));
    for (const role of ROLES) {
      const signer = await signerFromSeed(generateSeed());
      const now = Date.now();
      await relay.store.putCert(await issue({ v: 1, tenant: demo.tenant, person: `p-${role}`, name: role, device: toHex(signer.publicKey), roles: [role], bodies: ['bv-mitte'], notBefore: now - 60_000, notAfter: now + 3_600_000 }, admin));
      signers.push(signer);
    }
    for (const signer of signers) {
      const c = await rawClient(wsUrl, { tenant: demo.tenant, meeting: demo.meeting, login: signer });
      const who = (await relay.store.cert(demo.tenant, toHex(signer.publicKey)))!.body.roles.join('+');
      expect(c.of('welcome'), who).toHaveLength(0);
      expect(c.errors().map((e) => e.code), who).toEqual(['session']);
      c.close();
    }
    // The public is no device and needs no second factor.
    const pub = await rawClient(wsUrl, { tenant: demo.tenant, meeting: demo.meeting, public: true });
    expect(pub.of('welcome')).toHaveLength(1);
    pub.close();
  });

  it('SEC-3 (finding 11) in demo mode the pre-provisioned demo devices sync without a second factor', async () => {
    const s = await relayWith({});
    const c = await rawClient(s.wsUrl, { tenant: s.demo.tenant, meeting: s.demo.meeting, login: await demoSigner(s.demo, 'm01') });
    expect(c.of('welcome')).toHaveLength(1);
    c.close();
  });
});
