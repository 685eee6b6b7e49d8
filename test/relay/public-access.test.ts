/**
 * PUB-1, PUB-2, PUB-4 and DS-2 on the relay, proven where an outsider would break them: raw public sockets
 * with and without the mailed token, the mail as the local SMTP server received it, the identity database's
 * bytes (no token in clear, nothing written while a viewer watches), HTTP bodies out of bounds, a member's
 * device that tries to read the residents' questions, and the deletion of both kinds by retention.
 */
import { createHash } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { fromHex, toHex } from '../../crypto/bytes.js';
import { type Signer, signerFromSeed } from '../../crypto/ed25519.js';
import { signAdmin } from '../../core/identity.js';
import { questionsListInput } from '../../core/public-access.js';
import { RETENTION_KINDS } from '../../core/retention.js';
import { createApp } from '../../relay/app.js';
import { Metrics } from '../../relay/metrics.js';
import { cleanup, demoRelay, demoSigner, device, online, rawClient, until } from '../helpers/relay.js';
import { localSmtp } from '../helpers/smtp.js';

const MIN = 60_000;
let clock = { wall: Date.now(), mono: 0 };
let s: Awaited<ReturnType<typeof demoRelay>>;
let mail: Awaited<ReturnType<typeof localSmtp>>;
let admin: Signer;

const api = (path: string) => `${s.relay.url}/api/${s.demo.tenant}/${s.demo.meeting}/public/${path}`;
const post = async (path: string, body: unknown, raw = false) => {
  const r = await fetch(raw ? path : api(path), { method: 'POST', headers: { 'content-type': 'application/json' }, body: typeof body === 'string' ? body : JSON.stringify(body) });
  return { status: r.status, json: (await r.json().catch(() => ({}))) as Record<string, unknown> };
};
const adminPost = async (action: Parameters<typeof signAdmin>[2], data: unknown) => {
  const r = await fetch(`${s.relay.url}/api/${s.demo.tenant}/admin`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(await signAdmin(admin, s.demo.tenant, action, data)) });
  expect(r.status, JSON.stringify(await r.clone().json())).toBe(200);
  return (await r.json()) as Record<string, unknown>;
};
const settings = (values: Record<string, string>) => adminPost('settings.save', values);
const identityBytes = () => ['identity.sqlite', 'identity.sqlite-wal'].map((f) => join(s.dataDir, f)).filter(existsSync).map((f) => readFileSync(f));
const tokenOf = (text: string) => /\?access=([A-Za-z0-9_-]{20,100})/.exec(text)?.[1];

beforeAll(async () => {
  mail = await localSmtp();
  s = await demoRelay({
    relay: { smtp: { host: mail.host, port: mail.port, from: 'ratsraum@example.org' }, publicRate: { burst: 30, perSecond: 0.5 }, retention: { intervalMs: 3_600_000, clock: { wall: () => clock.wall, mono: () => clock.mono } } },
  });
  admin = await signerFromSeed(fromHex(s.demo.tenantSeed, 32));
});
afterAll(async () => {
  await s?.relay.close();
  await mail?.close();
  cleanup(s.dataDir);
});

describe('public access on the relay', () => {
  it('PUB-1 where the body forbids anonymous viewing a raw public socket without the mailed link is refused; with it, it gets the public document; a revoked link is refused and cuts the live connection', async () => {
    await settings({ public_anonymous: 'nein', public_registration_hours: '0' });
    const info = (await (await fetch(api('info'))).json()) as { anonymous: boolean; registration: { open: boolean } };
    expect(info).toMatchObject({ anonymous: false, registration: { open: true } });

    const none = await rawClient(s.wsUrl, { tenant: s.demo.tenant, meeting: s.demo.meeting, public: true });
    expect(none.errors().map((e) => e.code)).toEqual(['access']);
    await until(() => none.isClosed(), 'refused socket closed');
    expect(none.closeCode()).toBe(4006);
    expect(none.of('welcome')).toEqual([]);
    expect(none.envelopes).toEqual([]);

    expect((await post('register', { email: 'anwohnerin@example.org' })).status).toBe(200);
    await until(() => mail.mails.some((m) => m.to.includes('anwohnerin@example.org')), 'access mail');
    const m = mail.mails.find((x) => x.to.includes('anwohnerin@example.org'))!;
    const token = tokenOf(m.text)!;
    expect(m.text).toContain(`${s.relay.url}/#/public/${s.demo.tenant}/${s.demo.meeting}?access=${token}`);
    expect(m.text).toContain('Aufzeichnung und Weiterverbreitung der Übertragung sind nicht gestattet'); // PUB-2 in the mail too

    // The token is only in the mail: the database holds its hash.
    const hash = createHash('sha256').update(token).digest('hex');
    expect(identityBytes().some((b) => b.includes(token))).toBe(false);
    expect(identityBytes().some((b) => b.includes(hash))).toBe(true);

    const viewer = await rawClient(s.wsUrl, { tenant: s.demo.tenant, meeting: s.demo.meeting, public: true, access: token });
    expect(viewer.of('welcome')[0]).toMatchObject({ role: 'public', docs: ['public'] });
    expect(viewer.errors()).toEqual([]);

    expect((await post('revoke', { token })).json).toEqual({ revoked: true });
    await until(() => viewer.isClosed(), 'viewer cut off');
    expect(viewer.closeCode()).toBe(4006);
    const again = await rawClient(s.wsUrl, { tenant: s.demo.tenant, meeting: s.demo.meeting, public: true, access: token });
    expect(again.errors().map((e) => e.code)).toEqual(['access']);
    expect((await post('access', { token })).json).toEqual({ valid: false });
  });

  it('PUB-1 the administration lists registrations and revokes one: the link stops working at once; registration after the deadline is refused with the reason', async () => {
    await settings({ public_anonymous: 'nein', public_registration_hours: '0' });
    expect((await post('register', { email: 'nachbar@example.org' })).status).toBe(200);
    await until(() => mail.mails.some((m) => m.to.includes('nachbar@example.org')), 'access mail');
    const token = tokenOf(mail.mails.find((x) => x.to.includes('nachbar@example.org'))!.text)!;
    const viewer = await rawClient(s.wsUrl, { tenant: s.demo.tenant, meeting: s.demo.meeting, public: true, access: token });
    expect(viewer.of('welcome')).toHaveLength(1);

    const list = (await adminPost('public.registrations', { meeting: s.demo.meeting })).registrations as { id: string; email: string; revoked: number | null }[];
    const row = list.find((r) => r.email === 'nachbar@example.org' && r.revoked === null)!;
    expect(Object.keys(row).sort()).toEqual(['created', 'email', 'id', 'meeting', 'revoked']); // nothing about viewing
    await adminPost('public.revoke', { id: row.id });
    await until(() => viewer.isClosed(), 'viewer cut off by the administration');
    expect((await post('access', { token })).json).toEqual({ valid: false });

    // The demo meeting starts in an hour: a deadline of two hours before the start has passed.
    await settings({ public_registration_hours: '2' });
    const late = await post('register', { email: 'spaet@example.org' });
    expect(late.status).toBe(403);
    expect(late.json).toMatchObject({ code: 'deadline' });
    expect(String(late.json.de)).toMatch(/^Die Anmeldefrist ist abgelaufen \(Anmeldung war bis .+ möglich\)\.$/);
    expect(mail.mails.some((m) => m.to.includes('spaet@example.org'))).toBe(false);
    await settings({ public_registration_hours: '0', public_anonymous: '' });
  });

  it('PUB-1 viewers are counted, not tracked: a viewer watching writes nothing to the identity database, and /metrics counts public connections without naming anyone', async () => {
    await settings({ public_anonymous: 'nein' });
    expect((await post('register', { email: 'zaehlen@example.org' })).status).toBe(200);
    await until(() => mail.mails.some((m) => m.to.includes('zaehlen@example.org')), 'access mail');
    const token = tokenOf(mail.mails.find((x) => x.to.includes('zaehlen@example.org'))!.text)!;
    const before = identityBytes().map((b) => createHash('sha256').update(b).digest('hex'));
    const viewers = await Promise.all([1, 2, 3].map(() => rawClient(s.wsUrl, { tenant: s.demo.tenant, meeting: s.demo.meeting, public: true, access: token })));
    expect(viewers.every((v) => v.of('welcome').length === 1)).toBe(true);
    const metrics = await (await fetch(`${s.relay.url}/metrics`)).text();
    expect(metrics).toMatch(/connections\{role="public"\} 3/);
    expect(metrics).not.toContain('zaehlen');
    for (const v of viewers) v.close();
    await until(() => viewers.every((v) => v.isClosed()), 'viewers gone');
    expect(identityBytes().map((b) => createHash('sha256').update(b).digest('hex'))).toEqual(before);
    await settings({ public_anonymous: '' });
  });
});

describe('residents\' question time on the relay', () => {
  const ask = (q: unknown) => post('questions', q);
  const list = async (signer: Signer, at = Date.now()) =>
    post('questions/list', { device: toHex(signer.publicKey), at, sig: toHex(await signer.sign(questionsListInput(s.demo.tenant, s.demo.meeting, at))) });

  it('PUB-4 a question before the deadline is stored and read by the chair\'s signed request in order; after the deadline it is refused with the reason; during the question time it is taken again', async () => {
    await settings({ question_hours: '0' });
    expect((await ask({ name: 'Erika Mustermann', email: 'erika@example.org', text: 'Wann wird die Lindenstraße saniert?' })).json).toEqual({ no: 1 });
    expect((await ask({ name: 'Max Muster', text: 'Gibt es mehr Bänke\nam Spielplatz?' })).json).toEqual({ no: 2 });

    await settings({ question_hours: '2' });
    const late = await ask({ name: 'Zu Spät', text: 'Eine späte Frage' });
    expect(late.status).toBe(403);
    expect(late.json).toMatchObject({ code: 'deadline' });
    expect(String(late.json.de)).toContain('Die Frist für Fragen ist abgelaufen');
    expect(String(late.json.de)).toContain('Während der Einwohnerfragestunde');

    const chair = await demoSigner(s.demo, 'm01');
    const got = await list(chair);
    expect(got.status).toBe(200);
    expect((got.json.questions as { no: number; name: string; text: string }[]).map((q) => [q.no, q.name, q.text])).toEqual([
      [1, 'Erika Mustermann', 'Wann wird die Lindenstraße saniert?'],
      [2, 'Max Muster', 'Gibt es mehr Bänke\nam Spielplatz?'],
    ]);
    expect(JSON.stringify(got.json)).not.toContain('erika@example.org'); // the chair needs no address

    // The chair opens the session and calls the question time: questions are taken again.
    const d = await device(s.demo, 'm01', [s.wsUrl]);
    await online(d);
    await d.replica.create('session.open', {});
    await d.replica.create('item.current', { item: 'top2' });
    await expect.poll(async () => (await ask({ name: 'Im Saal', text: 'Frage während der Fragestunde' })).status, { timeout: 10_000 }).toBe(200);
    d.client.stop();
    await settings({ question_hours: '' });
  });

  it('PUB-4 the endpoint refuses what is out of bounds: a member\'s or a forged request for the list, a stale signature, bodies too large or malformed, and a flood from one address', async () => {
    const member = await demoSigner(s.demo, 'm02');
    expect((await list(member)).status).toBe(403);
    const chair = await demoSigner(s.demo, 'm01');
    expect((await list(chair, Date.now() - 10 * MIN)).json).toMatchObject({ code: 'clock' });
    const at = Date.now();
    const forged = await post('questions/list', { device: toHex(chair.publicKey), at, sig: toHex(await member.sign(questionsListInput(s.demo.tenant, s.demo.meeting, at))) });
    expect(forged.status).toBe(403);

    expect((await ask({ name: 'X', text: 'x'.repeat(2001) })).status).toBe(400);
    expect((await ask({ name: 'X', text: 'ok', extra: 1 })).status).toBe(400);
    expect((await ask({ name: 'X\u0007', text: 'ok' })).status).toBe(400);
    expect((await ask({ name: 'X', text: 'ok', email: 'not-an-address' })).status).toBe(400);
    expect((await post('questions', 'not json')).status).toBe(400);
    expect((await post('questions', JSON.stringify({ name: 'X', text: 'y'.repeat(9000) }))).status).toBe(413);
    // One bucket per address for registering and asking (here a burst of 30, then one every 2 s).
    const statuses: number[] = [];
    for (let i = 0; i < 40; i++) statuses.push((await ask({ name: 'Flut', text: `Frage ${i}` })).status);
    expect(statuses).toContain(429);
  });
});

describe('retention of the public\'s personal data', () => {
  it('DS-2 PUB-1 PUB-4 public registrations and question-time submissions past their period are deleted from the identity database\'s bytes, with a signed record naming kind and count', async () => {
    const relayKey = ((await adminPost('retention', null)) as { relayKey: string }).relayKey;
    await adminPost('retention.save', { periods: Object.fromEntries(RETENTION_KINDS.map((k) => [k, 1])), relayKey });
    expect(identityBytes().some((b) => b.includes('erika@example.org'))).toBe(true);
    expect(identityBytes().some((b) => b.includes('anwohnerin@example.org'))).toBe(true);
    await s.relay.retention.run(); // the trusted time starts from what the relay witnessed: now
    clock = { wall: clock.wall + 10 * MIN, mono: clock.mono + 10 * MIN };
    const made = await s.relay.retention.run();
    const kinds = Object.fromEntries(made.map((r) => [r.body.kind, r.body.count]));
    expect(kinds.registrations).toBeGreaterThanOrEqual(3);
    expect(kinds.questions).toBeGreaterThanOrEqual(3);
    expect(identityBytes().some((b) => b.includes('erika@example.org') || b.includes('Lindenstraße saniert') || b.includes('anwohnerin@example.org'))).toBe(false);
    expect(JSON.stringify(made)).not.toMatch(/erika|anwohnerin|Lindenstra/);
  });
});

describe('the content security policy', () => {
  it('DS-4 every page the relay serves allows connections to its own origin and the configured backup relays only, and no plugins, frames or foreign forms', async () => {
    const app = createApp({ store: s.relay.store, hub: s.relay.hub, metrics: new Metrics(), started: 0, assets: async (c) => c.text('app'), backupRelays: ['wss://backup.musterstadt.de/sync', 'not a url'] });
    const csp = (await app.request('/')).headers.get('content-security-policy')!;
    const d = Object.fromEntries(csp.split(';').map((x) => x.trim().split(/\s+/)).map(([k, ...v]) => [k!, v]));
    expect(d).toEqual({
      'default-src': ["'self'"],
      'connect-src': ["'self'", 'wss://backup.musterstadt.de'],
      'img-src': ["'self'", 'data:'],
      'media-src': ["'self'", 'blob:'],
      'style-src': ["'self'", "'unsafe-inline'"],
      'object-src': ["'none'"],
      'form-action': ["'self'"],
      'base-uri': ["'none'"],
      'frame-ancestors': ["'none'"],
    });
  });
});
