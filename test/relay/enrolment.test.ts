/**
 * SEC-3, VID-5, SEC-4: the real path onto a member's own device, over the running relay. The admin invites
 * (signed by the tenant key, mail over SMTP), the device registers its key, sets up TOTP and proves a first
 * code, the admin's device certifies it, the device logs in with signature plus code and gets a session that
 * expires; a revoked device can do nothing more, anywhere. Every admin change is a signed audit entry.
 */
import Database from 'better-sqlite3';
import { join } from 'node:path';
import * as OTPAuth from 'otpauth';
import { afterAll, describe, expect, it } from 'vitest';
import { fromHex, toHex } from '../../crypto/bytes.js';
import { type Cert, type CertBody, issue, revoke } from '../../crypto/cert.js';
import { generateSeed, type Signer, signerFromSeed } from '../../crypto/ed25519.js';
import { type AdminAction, certifiableDh, dhInput, enrolInput, sessionInput, signAdmin } from '../../core/identity.js';
import { dhFromSeed } from '../../crypto/seal.js';
import { Replica } from '../../core/replica.js';
import { encodeControl, encodeEnvelopes, loginInput } from '../../core/wire.js';
import { cleanup, demoRelay, demoSigner, rawClient, until } from '../helpers/relay.js';
import { invitationLink } from '../../web/identity.js';
import { localSmtp } from '../helpers/smtp.js';

const stops: (() => unknown)[] = [];
afterAll(async () => {
  for (const s of stops.reverse()) await s();
});

async function site(opts: { sessionTtlMs?: number } = {}) {
  const smtp = await localSmtp();
  const s = await demoRelay({ relay: { smtp: { host: '127.0.0.1', port: smtp.port, from: 'ratsraum@musterstadt.example' }, sessionTtlMs: opts.sessionTtlMs } });
  stops.push(() => cleanup(s.dataDir), () => s.relay.close(), () => smtp.close());
  const admin = await signerFromSeed(fromHex(s.demo.tenantSeed, 32));
  const url = s.relay.url;
  const post = async (path: string, body: unknown) => {
    const r = await fetch(`${url}${path}`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
    return { status: r.status, json: (await r.json()) as Record<string, unknown> & { error?: string; de?: string; code?: string } };
  };
  const adminCall = async (action: AdminAction, data?: unknown, signer: Signer = admin) => post(`/api/${s.demo.tenant}/admin`, await signAdmin(signer, s.demo.tenant, action, data));
  return { ...s, smtp, admin, url, post, adminCall };
}
type Site = Awaited<ReturnType<typeof site>>;

const totpOf = (uri: string) => OTPAuth.URI.parse(uri) as OTPAuth.TOTP;
/** A code from a later 30-second step than any used before (each code counts once). */
const codeAt = (totp: OTPAuth.TOTP, step: number) => totp.generate({ timestamp: Date.now() + step * 30_000 });

/** Invite b3 (Sevim Arslan), read the link from the mail, enrol a new device key up to the admin's certificate. */
async function enrol(s: Site, opts: { certify?: boolean } = {}) {
  const invited = await s.adminCall('invite', { person: 'b3', name: 'Sevim Arslan', email: 'sevim.arslan@example.org', roles: ['advisory'], bodies: ['bv-mitte'], ...invitationLink(s.admin.publicKey, 'musterstadt', s.url) });
  expect(invited.status, JSON.stringify(invited.json)).toBe(200);
  const mail = s.smtp.mails.at(-1)!;
  const link = /http:\/\/\S+#\/enrol\/musterstadt\/([A-Za-z0-9_-]+)\?fp=([0-9a-f]{32})/.exec(mail.text)!;
  expect(link).not.toBeNull();
  const token = link[1]!;
  const signer = await signerFromSeed(generateSeed());
  const device = toHex(signer.publicKey);
  const start = await s.post('/api/musterstadt/enrol/start', { token, device, sig: toHex(await signer.sign(enrolInput('musterstadt', token, device))) });
  expect(start.status, JSON.stringify(start.json)).toBe(200);
  const totp = totpOf(start.json.uri as string);
  const confirmed = await s.post('/api/musterstadt/enrol/confirm', { token, device, code: codeAt(totp, 0) });
  expect(confirmed.json).toEqual({ state: 'awaiting' });
  let cert: Cert | undefined;
  if (opts.certify !== false) {
    const dir = await s.adminCall('directory');
    const pending = (dir.json.enrolments as { device: string; person: string; state: string; grant: { name: string; roles: string[]; bodies: string[] } }[]).find((e) => e.device === device)!;
    expect(pending).toMatchObject({ person: 'b3', state: 'awaiting', grant: { roles: ['advisory'] } });
    const now = Date.now();
    const body: CertBody = { v: 1, tenant: 'musterstadt', person: pending.person, name: pending.grant.name, device, roles: pending.grant.roles as CertBody['roles'], bodies: pending.grant.bodies, notBefore: now - 60_000, notAfter: now + 365 * 86_400_000 };
    cert = await issue(body, s.admin);
    expect((await s.adminCall('certify', { cert })).status).toBe(200);
  }
  return { token, signer, device, totp, cert };
}

async function login(s: Site, signer: Signer, code: string) {
  const device = toHex(signer.publicKey);
  const { json } = await s.post('/api/musterstadt/login/challenge', { device });
  return s.post('/api/musterstadt/login', { device, nonce: json.nonce, sig: toHex(await signer.sign(sessionInput(json.nonce as string, 'musterstadt', device))), code });
}

/** A sync connection that logs in with a session token (or none). */
async function connect(s: Site, signer: Signer, session?: string) {
  const c = await rawClient(s.wsUrl, { tenant: 'musterstadt', meeting: s.demo.meeting });
  const sig = await signer.sign(loginInput(c.challenge.nonce, 'musterstadt', s.demo.meeting, c.challenge.relay));
  c.ws.send(encodeControl({ t: 'login', tenant: 'musterstadt', meeting: s.demo.meeting, device: toHex(signer.publicKey), sig: toHex(sig), ...(session ? { session } : {}) }));
  await until(() => c.got.some((m) => m.t === 'welcome' || m.t === 'error'), 'login answer');
  return c;
}

describe('enrolment and login', () => {
  it('VID-5 SEC-3 invitation by mail, device key, TOTP with a first code, certificate from the admin, login with signature plus code', async () => {
    const s = await site();
    const { token, signer, device, totp } = await enrol(s);
    expect((await fetch(`${s.url}/api/musterstadt/enrol/${device}`).then((r) => r.json())) as { state: string }).toMatchObject({ state: 'issued' });
    // The invitation is used up: a second device cannot start with it.
    const other = await signerFromSeed(generateSeed());
    const again = await s.post('/api/musterstadt/enrol/start', { token, device: toHex(other.publicKey), sig: toHex(await other.sign(enrolInput('musterstadt', token, toHex(other.publicKey)))) });
    expect(again).toMatchObject({ status: 409, json: { code: 'used', de: expect.stringContaining('bereits verwendet') } });
    // Without a session the relay does not let the device in; with one it does.
    const bare = await connect(s, signer);
    expect(bare.errors().map((e) => e.code)).toEqual(['session']);
    await until(() => bare.isClosed(), 'closed');
    const code = codeAt(totp, 1); // the same code again below, even if a 30 s step passes meanwhile on a loaded machine
    const ok = await login(s, signer, code);
    expect(ok.status, JSON.stringify(ok.json)).toBe(200);
    const c = await connect(s, signer, ok.json.session as string);
    expect(c.of('welcome')[0]).toMatchObject({ person: 'b3' });
    c.close();
    // A signature over another nonce, or a code used before, fails with a clear message.
    const replayed = await login(s, signer, code);
    expect(replayed).toMatchObject({ status: 401, json: { code: 'replayed', de: expect.stringContaining('schon verwendet') } });
  });

  it('SEC-3 wrong codes lock the device for 15 minutes; the start of an enrolment needs proof of the key', async () => {
    const s = await site();
    const { signer, totp } = await enrol(s);
    for (let i = 0; i < 4; i++) expect((await login(s, signer, '000000')).json).toMatchObject({ code: 'wrong', de: 'Der Code ist falsch oder abgelaufen.' });
    expect((await login(s, signer, '000000')).json.code).toBe('wrong');
    const locked = await login(s, signer, codeAt(totp, 1));
    expect(locked).toMatchObject({ status: 429, json: { code: 'locked', de: expect.stringContaining('15 Minuten') } });
    expect(locked.json.retryAt).toBeGreaterThan(Date.now() + 14 * 60_000);
    const audit = await s.adminCall('audit', { person: 'b3', action: 'login.locked' });
    expect((audit.json.entries as unknown[]).length).toBe(1);
    // Someone with the link but without the key it names cannot register.
    await s.adminCall('invite', { person: 'b3', name: 'Sevim Arslan', email: 'sevim.arslan@example.org', roles: ['advisory'], bodies: ['bv-mitte'], ...invitationLink(s.admin.publicKey, 'musterstadt', s.url) });
    const token = /#\/enrol\/musterstadt\/([A-Za-z0-9_-]+)/.exec(s.smtp.mails.at(-1)!.text)![1]!;
    const thief = await signerFromSeed(generateSeed());
    const forged = await s.post('/api/musterstadt/enrol/start', { token, device: toHex(generateSeed()), sig: toHex(await thief.sign(enrolInput('musterstadt', token, toHex(thief.publicKey)))) });
    expect(forged).toMatchObject({ status: 400, json: { code: 'bad-signature' } });
    expect(await s.post('/api/musterstadt/enrol/start', { token: 'x', device: 'nothex' })).toMatchObject({ status: 400, json: { code: 'bad-request' } });
  });

  it('SEC-3 PUB-5 the X25519 key is bound to the device key: the relay refuses an unbound one, and a key the operator swaps in the database is not certified', async () => {
    const s = await site();
    const invited = await s.adminCall('invite', { person: 'b3', name: 'Sevim Arslan', email: 'sevim.arslan@example.org', roles: ['advisory'], bodies: ['bv-mitte'], ...invitationLink(s.admin.publicKey, 'musterstadt', s.url) });
    expect(invited.status).toBe(200);
    const token = /#\/enrol\/musterstadt\/([A-Za-z0-9_-]+)\?/.exec(s.smtp.mails.at(-1)!.text)![1]!;
    const signer = await signerFromSeed(generateSeed());
    const device = toHex(signer.publicKey);
    const dh = toHex(dhFromSeed(generateSeed()).publicKey);
    const sig = toHex(await signer.sign(enrolInput('musterstadt', token, device)));
    // A dh without the device's binding signature, or with one over another key, is refused.
    expect(await s.post('/api/musterstadt/enrol/start', { token, device, dh, sig })).toMatchObject({ status: 400, json: { code: 'bad-signature' } });
    const other = toHex(dhFromSeed(generateSeed()).publicKey);
    expect(await s.post('/api/musterstadt/enrol/start', { token, device, dh, dhSig: toHex(await signer.sign(dhInput('musterstadt', device, other))), sig })).toMatchObject({ status: 400, json: { code: 'bad-signature' } });
    const dhSig = toHex(await signer.sign(dhInput('musterstadt', device, dh)));
    expect((await s.post('/api/musterstadt/enrol/start', { token, device, dh, dhSig, sig })).status).toBe(200);
    type Pending = { device: string; dh?: string | null; dhSig?: string | null };
    const pending = async () => ((await s.adminCall('directory')).json.enrolments as Pending[]).find((e) => e.device === device)!;
    expect(await certifiableDh('musterstadt', await pending())).toBe(dh);
    // The operator writes its own X25519 key into identity.sqlite: the admin's device no longer certifies any dh.
    const operator = toHex(dhFromSeed(generateSeed()).publicKey);
    const db = new Database(join(s.dataDir, 'identity.sqlite'));
    expect(db.prepare('UPDATE enrolments SET dh = ? WHERE device = ?').run(operator, device).changes).toBe(1);
    db.close();
    const swapped = await pending();
    expect(swapped.dh).toBe(operator);
    expect(await certifiableDh('musterstadt', swapped)).toBeUndefined();
    expect(await certifiableDh('nachbarstadt', { device, dh, dhSig })).toBeUndefined(); // bound to the tenant too
  });

  it('SEC-3 sessions expire: the relay asks for a new login with the code', async () => {
    const s = await site({ sessionTtlMs: 300 });
    const { signer, totp } = await enrol(s);
    const ok = await login(s, signer, codeAt(totp, 1));
    await new Promise((r) => setTimeout(r, 400));
    const c = await connect(s, signer, ok.json.session as string);
    expect(c.errors()[0]).toMatchObject({ code: 'session', message: expect.stringContaining('expired') });
  });

  it('SEC-3 a revoked device cannot log in, is cut off, and its later entries are rejected by relay and every replica', async () => {
    const s = await site();
    const { signer, totp, cert } = await enrol(s);
    const session = (await login(s, signer, codeAt(totp, 1))).json.session as string;
    const c = await connect(s, signer, session);
    expect(c.of('welcome')).toHaveLength(1);
    // The member's device writes an entry; a chair's replica holds it.
    const tenantKey = s.admin.publicKey;
    const mine = new Replica({ tenant: 'musterstadt', meeting: s.demo.meeting, tenantKey, docs: ['public', 'members'], signer });
    await mine.addCerts([...(await s.relay.store.certs('musterstadt')), cert!]);
    await mine.receive((await s.relay.store.all('musterstadt', s.demo.meeting, ['public', 'members'])).map((e) => e.wire)); // entries come after the setup
    const before = await mine.create('handbook.ack', { kind: 'security', version: 'a'.repeat(64) }, 'members');
    const watcher = new Replica({ tenant: 'musterstadt', meeting: s.demo.meeting, tenantKey, docs: ['public', 'members'] });
    await watcher.addCerts(await s.relay.store.certs('musterstadt'));
    // Revocation: the admin signs the certificate again; the entries it lets stand are named by position.
    const revocation = await revoke(cert!, Date.now(), s.admin, { [`${s.demo.meeting}/members`]: before.seq });
    expect((await s.adminCall('revoke', { cert: revocation })).status).toBe(200);
    await until(() => c.isClosed(), 'revoked connection closed');
    expect(c.closeCode()).toBe(4003);
    expect(await login(s, signer, codeAt(totp, 2))).toMatchObject({ status: 403, json: { code: 'revoked', de: expect.stringContaining('gesperrt') } });
    const relogin = await connect(s, signer, session);
    expect(relogin.errors()[0]?.code).toBe('revoked');
    // An entry the stolen device makes afterwards (even passed along by a peer) counts nowhere.
    await new Promise((r) => setTimeout(r, 5));
    const after = await mine.create('handbook.ack', { kind: 'privacy', version: 'b'.repeat(64) }, 'members');
    await watcher.receive([...(await s.relay.store.all('musterstadt', s.demo.meeting, ['public', 'members'])).map((e) => e.wire), before.wire, after.wire]);
    expect(watcher.state.acknowledgements.map((a) => a.kind)).toEqual(['security', 'privacy']);
    await watcher.addCerts([revocation]); // the revocation reaches the replica after the entries did
    expect(watcher.state.acknowledgements.map((a) => a.kind)).toEqual(['security']);
    expect(watcher.state.rejected).toContainEqual(expect.objectContaining({ entry: after.id, reason: 'device revoked' }));
    // The relay takes nothing of it any more, whoever passes it on.
    const chair = await rawClient(s.wsUrl, { tenant: 'musterstadt', meeting: s.demo.meeting, login: await demoSigner(s.demo, 'm01') });
    expect(await chair.sendAndWaitError(encodeEnvelopes([before.wire]))).toBe('unknown-device');
    chair.close();
    // A revoked device stays revoked: certifying it again is refused.
    const reissued = await issue({ ...cert!.body, notBefore: Date.now() }, s.admin);
    expect(await s.adminCall('certify', { cert: reissued })).toMatchObject({ status: 409, json: { code: 'revoked' } });
  });
});
