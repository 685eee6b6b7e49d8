/**
 * The identity database's contract (second factors, enrolments and sessions, invitations, audit log, settings,
 * public registrations, questions, retention, the OParl directory), written once: identity.test.ts runs it on
 * SQLite, identity-pg.test.ts on PostgreSQL. Every case opens the database twice, as two relays do (`a`, `b`:
 * connections of their own, the same key files beside them), and `dump` reads what the database holds without
 * the relay's code, as someone with a copy of it would.
 */
import { join } from 'node:path';
import * as OTPAuth from 'otpauth';
import { describe, expect, it } from 'vitest';
import { toHex } from '../../crypto/bytes.js';
import { generateSeed, publicKeyOf } from '../../crypto/ed25519.js';
import type { AdminRequest } from '../../core/identity.js';
import { verifyDeletions } from '../../core/retention.js';
import { AuditLog } from '../../relay/audit-log.js';
import { Enrolments } from '../../relay/enrolment.js';
import { Invitations } from '../../relay/invitations.js';
import { importOparl } from '../../relay/oparl/command.js';
import { OparlStore } from '../../relay/oparl/store.js';
import { walk } from '../../relay/oparl/walk.js';
import { Registrations } from '../../relay/public-registrations.js';
import { Questions } from '../../relay/questions.js';
import { Retention } from '../../relay/retention.js';
import { TenantSettings } from '../../relay/settings.js';
import type { IdentityDatabases } from '../../relay/store-open.js';
import type { Store } from '../../relay/store.js';
import { MAX_FAILURES, Totp } from '../../relay/totp.js';
import { OPARL_FIXTURES } from '../helpers/oparl-server.js';

export interface IdentityHarness {
  /** Relay A's and relay B's openings of the one database (openIdentityDatabases, as the relay opens it). */
  a: IdentityDatabases;
  b: IdentityDatabases;
  /** The session log's store of the same place (tenants and their keys). */
  store: Store;
  /** The data folder both relays share their key files from (secrets.key, retention.key). */
  dataDir: string;
  /** Every byte the identity database holds, read without the relay's code. */
  dump: () => Promise<Buffer>;
  close: () => Promise<void>;
}

const T = 'musterstadt';
const device = () => toHex(publicKeyOf(generateSeed()));
const grant = { name: 'Ben Becker', roles: ['member'], bodies: ['bv-mitte'] };
const MIN = 60_000;

export function identitySuite(name: string, open: () => Promise<IdentityHarness>): void {
  const withBoth = (title: string, body: (h: IdentityHarness) => Promise<void>) =>
    it(title, async () => {
      const h = await open();
      try {
        await body(h);
      } finally {
        await h.close();
      }
    });

  describe(name, { timeout: 120_000 }, () => {
    withBoth('SEC-3 a TOTP secret enrolled on relay A checks on relay B; a code spent on one is refused on the other, also when both check it at once; failures lock across relays; no secret is in clear in the database', async (h) => {
      const keyFile = join(h.dataDir, 'secrets.key');
      const [ta, tb] = [await Totp.open(h.a.identity, keyFile), await Totp.open(h.b.identity, keyFile)];
      const dev = device();
      const { secret } = await ta.create(T, dev, 'Ben Becker (musterstadt)');
      expect(await tb.has(T, dev)).toBe(true);
      expect(await tb.has('nachbarstadt', dev)).toBe(false);
      const app = new OTPAuth.TOTP({ secret: OTPAuth.Secret.fromBase32(secret) });
      const t0 = 1_800_000_000_000;
      expect(await tb.check(T, dev, app.generate({ timestamp: t0 }), t0)).toEqual({ ok: true });
      expect(await ta.check(T, dev, app.generate({ timestamp: t0 }), t0 + 1000)).toMatchObject({ ok: false, code: 'replayed' });
      // The next code, sent to both relays at the same moment: exactly one accepts it.
      const next = app.generate({ timestamp: t0 + 30_000 });
      const both = await Promise.all([ta.check(T, dev, next, t0 + 30_000), tb.check(T, dev, next, t0 + 30_000)]);
      expect(both.filter((r) => r.ok)).toHaveLength(1);
      expect(both.find((r) => !r.ok)).toMatchObject({ code: 'replayed' });
      // Wrong codes count wherever they arrive: the fifth locks the device on both.
      for (let i = 0; i < MAX_FAILURES; i++) expect(await [ta, tb][i % 2]!.check(T, dev, '000000', t0 + 40_000)).toMatchObject({ code: 'wrong' });
      expect(await ta.check(T, dev, app.generate({ timestamp: t0 + 60_000 }), t0 + 60_000)).toMatchObject({ code: 'locked' });
      expect(await tb.check(T, dev, app.generate({ timestamp: t0 + 60_000 }), t0 + 60_000)).toMatchObject({ code: 'locked' });
      const bytes = await h.dump();
      expect(bytes.includes(Buffer.from(dev)), 'the dump holds the rows').toBe(true);
      expect(bytes.includes(Buffer.from(secret))).toBe(false);
      expect(bytes.includes(Buffer.from(OTPAuth.Secret.fromBase32(secret).bytes))).toBe(false);
    });

    withBoth('SEC-3 a session opened on relay A is accepted by relay B until it expires and only for its device; revoking on B ends it on A; the database keeps only its hash', async (h) => {
      const [ea, eb] = [new Enrolments(h.a.identity), new Enrolments(h.b.identity)];
      const dev = device();
      const now = 1_800_000_000_000;
      const s = await ea.openSession(T, dev, now, 12 * 60 * MIN);
      expect(await eb.session(T, dev, s.token, now + MIN)).toBe('ok');
      expect(await eb.session(T, device(), s.token, now + MIN)).toBe('unknown');
      expect(await eb.session('nachbarstadt', dev, s.token, now + MIN)).toBe('unknown');
      expect(await eb.session(T, dev, s.token, now + 12 * 60 * MIN)).toBe('expired');
      expect((await h.dump()).includes(Buffer.from(s.token))).toBe(false);
      const again = await ea.openSession(T, dev, now);
      await eb.endSessions(T, dev);
      expect(await ea.session(T, dev, again.token, now + MIN)).toBe('unknown');
    });

    withBoth('SEC-3 one invitation binds one device: two devices starting with the same token on relays A and B at once, one is bound, the other refused; the state moves on either relay', async (h) => {
      const [ea, eb] = [new Enrolments(h.a.identity), new Enrolments(h.b.identity)];
      const [d1, d2] = [device(), device()];
      const started = await Promise.all([ea.begin({ tenant: T, device: d1, person: 'm05', grant, token: 'tok-1' }), eb.begin({ tenant: T, device: d2, person: 'm05', grant, token: 'tok-1' })]);
      const winner = started[0] === 'ok' ? d1 : d2;
      expect([...started].sort()).toEqual(['bound', 'ok']);
      expect(await eb.startedWith(T, winner, 'tok-1')).toBe(true);
      await eb.setState(T, winner, 'awaiting');
      expect(await ea.get(T, winner)).toMatchObject({ person: 'm05', grant, state: 'awaiting' });
      expect(await ea.begin({ tenant: T, device: winner, person: 'm05', grant, token: 'tok-1' })).toBe('enrolled');
      expect((await ea.list(T)).map((e) => e.device)).toEqual([winner]);
    });

    withBoth('VID-5 SEC-3 an invitation made on relay A is redeemed once, whichever relay the two racing devices reach; a setup link is taken once; tokens are stored as hashes only', async (h) => {
      const [ia, ib] = [new Invitations(h.a.identity), new Invitations(h.b.identity)];
      const now = 1_800_000_000_000;
      const { token } = await ia.create({ tenant: T, person: 'm05', email: 'ben@example.org', grant, now });
      expect(await ib.peek('nachbarstadt', token, now)).toMatchObject({ ok: false, code: 'unknown' });
      const redeemed = await Promise.all([ia.redeem(T, token, now + 1), ib.redeem(T, token, now + 1)]);
      expect(redeemed.filter((r) => r.ok)).toHaveLength(1);
      expect(redeemed.find((r) => !r.ok)).toMatchObject({ code: 'used' });
      expect((await ia.list(T)).map((i) => [i.email, i.used])).toEqual([['ben@example.org', now + 1]]);
      const setup = (await ia.createSetup({ tenant: 'neustadt', name: 'Gemeinde Neustadt', now }))!;
      expect(await ib.tenantName('neustadt')).toBe('Gemeinde Neustadt');
      const taken = await Promise.all([ia.checkSetup('neustadt', setup.token, { take: true, now: now + 1 }), ib.checkSetup('neustadt', setup.token, { take: true, now: now + 1 })]);
      expect(taken.filter((r) => r.ok)).toHaveLength(1);
      expect(await ia.createSetup({ tenant: 'neustadt', name: 'x', now })).toBeUndefined();
      const bytes = await h.dump();
      expect(bytes.includes(Buffer.from('ben@example.org'))).toBe(true);
      for (const t of [token, setup.token]) expect(bytes.includes(Buffer.from(t))).toBe(false);
    });

    withBoth('SEC-4 the audit log holds what both relays wrote in one order, filters by action, person, dates and text (wildcards taken literally), and a signed admin request is claimed once across relays', async (h) => {
      const [aa, ab] = [new AuditLog(h.a.identity), new AuditLog(h.b.identity)];
      const e = (at: number, action: string, person: string | null, summary: string) => ({ at, actor: 'admin', action, person, summary, request: null, sig: null });
      await aa.add(T, e(1, 'invite', 'm01', 'invited Anna Schmitz'));
      await ab.add(T, e(2, 'login', 'm01', 'Anna Schmitz logged in'));
      await aa.add(T, e(3, 'certify', 'm02', 'certified 100% of Ben_Becker'));
      await ab.add('nachbarstadt', e(4, 'invite', 'x', 'elsewhere'));
      expect((await ab.list(T)).map((x) => x.at)).toEqual([3, 2, 1]);
      expect((await aa.list(T, { action: 'login' })).map((x) => x.at)).toEqual([2]);
      expect((await aa.list(T, { person: 'm01', from: 2 })).map((x) => x.at)).toEqual([2]);
      expect((await aa.list(T, { text: 'anna' })).map((x) => x.at)).toEqual([2, 1]);
      expect((await aa.list(T, { text: '100%' })).map((x) => x.at)).toEqual([3]);
      expect(await aa.list(T, { text: '1_0' })).toEqual([]);
      expect((await aa.list(T, { limit: 1 })).map((x) => x.at)).toEqual([3]);
      const req = new TextEncoder().encode('signed admin request');
      const claims = await Promise.all([aa.claim(req, 10_000, 0), ab.claim(req, 10_000, 0)]);
      expect(claims.sort()).toEqual([false, true]);
      expect(await aa.claim(req, 20_000, 10_001)).toBe(true); // expired, so it may come again (its clock check refuses it first)
    });

    withBoth('DS-1 PUB-1 PUB-4 settings saved on relay A are in force on relay B; registrations and questions from both relays at once keep one numbering without gaps or doubles', async (h) => {
      const [sa, sb] = [new TenantSettings(h.a.identity, async () => ({ municipality: 'Stadt (Vorgabe)' })), new TenantSettings(h.b.identity, () => ({ municipality: 'Stadt (Vorgabe)' }))];
      expect(await sa.save(T, { municipality: 'Stadt Musterstadt', dpo: 'dsb@musterstadt.example' })).toEqual(['municipality', 'dpo']);
      expect(await sb.values(T)).toMatchObject({ municipality: 'Stadt Musterstadt', dpo: 'dsb@musterstadt.example' });
      expect(await sb.save(T, { dpo: '' })).toEqual(['dpo']);
      expect((await sa.view(T)).missing).toContain('dpo');
      expect((await sa.values('nachbarstadt')).municipality).toBe('Stadt (Vorgabe)');

      const [qa, qb] = [new Questions(h.a.identity), new Questions(h.b.identity)];
      const asked = await Promise.all(Array.from({ length: 12 }, (_, i) => [qa, qb][i % 2]!.add(T, 'sitzung-1', { name: `Person ${i}`, text: `Frage ${i}?` })));
      expect(asked.map((q) => q!.no).sort((x, y) => x - y)).toEqual(Array.from({ length: 12 }, (_, i) => i + 1));
      expect((await qb.list(T, 'sitzung-1')).map((q) => q.no)).toEqual(Array.from({ length: 12 }, (_, i) => i + 1));

      const [ra, rb] = [new Registrations(h.a.identity), new Registrations(h.b.identity)];
      const first = (await ra.register(T, 'sitzung-1', 'erika@example.org'))!;
      expect(await rb.valid(T, 'sitzung-1', first.token)).toBe(true);
      const second = (await rb.register(T, 'sitzung-1', 'erika@example.org'))!; // the mail again: the earlier link stops
      expect(await ra.valid(T, 'sitzung-1', first.token)).toBe(false);
      expect(await ra.valid(T, 'sitzung-2', second.token)).toBe(false);
      expect(await ra.revokeToken(T, 'sitzung-1', second.token)).toBe(true);
      expect(await rb.valid(T, 'sitzung-1', second.token)).toBe(false);
      expect((await rb.list(T, 'sitzung-1')).map((r) => r.revoked !== null)).toEqual([true, true]);
    });

    withBoth('DS-2 PUB-4 a retention run on relay A deletes what is past its period from the shared database and signs a record that verifies; a run on relay B then finds nothing more and continues the chain; a question number is not given again after its question was deleted', async (h) => {
      const tenantKey = toHex(publicKeyOf(generateSeed()));
      await h.store.putTenant(T, tenantKey);
      const now = 1_800_000_000_000;
      const clock = { wall: () => now, mono: () => 0 };
      const [reta, retb] = [new Retention({ dataDir: h.dataDir, store: h.store, db: h.a.identity, clock }), new Retention({ dataDir: h.dataDir, store: h.store, db: h.b.identity, clock })];
      expect(reta.relayKey).toBe(retb.relayKey); // the same retention.key beside both
      const req = { tenant: T, action: 'retention.save', at: now, nonce: '00', data: { periods: { invitations: 1, audit: 1, questions: 1 }, relayKey: reta.relayKey } } as AdminRequest;
      await reta.save(T, { req, sig: 'ab'.repeat(64) });
      expect((await retb.periods(T)).questions).toBe(1);
      const inv = new Invitations(h.a.identity);
      await inv.create({ tenant: T, person: 'old', email: 'old-invitation@example.org', now: now - 30 * MIN, ttlMs: MIN });
      await inv.create({ tenant: T, person: 'new', email: 'new-invitation@example.org', now, ttlMs: 60 * MIN });
      const q = new Questions(h.b.identity);
      await q.add(T, 'sitzung-1', { name: 'Erika Alt', text: 'alte Frage' }, now - 30 * MIN);
      await q.add(T, 'sitzung-1', { name: 'Erika Neu', text: 'neue Frage' }, now);
      await q.add(T, 'sitzung-2', { name: 'Erika Zwei', text: 'einzige Frage' }, now - 30 * MIN);
      await new AuditLog(h.b.identity).add(T, { at: now - 30 * MIN, actor: 'admin', action: 'invite', person: 'old', summary: 'invited old-audit', request: null, sig: null });
      const made = await reta.run();
      expect(made.map((r) => [r.body.kind, r.body.count, r.body.seq])).toEqual([
        ['invitations', 1, 1],
        ['audit', 1, 2],
        ['questions', 2, 3],
      ]);
      const bytes = await h.dump();
      for (const gone of ['old-invitation@example.org', 'Erika Alt', 'Erika Zwei', 'invited old-audit']) expect(bytes.includes(Buffer.from(gone)), gone).toBe(false);
      for (const kept of ['new-invitation@example.org', 'Erika Neu']) expect(bytes.includes(Buffer.from(kept)), kept).toBe(true);
      expect(await retb.run()).toEqual([]);
      // PUB-4: the meeting whose only question retention deleted does not give its number again.
      expect((await new Questions(h.a.identity).add(T, 'sitzung-2', { name: 'Erika Drei', text: 'Frage' }, now))!.no).toBe(2);
      await q.add(T, 'sitzung-1', { name: 'Erika Mittel', text: 'Frage' }, now - 20 * MIN);
      expect((await retb.run()).map((r) => [r.body.kind, r.body.seq])).toEqual([['questions', 4]]);
      const file = await reta.file(T);
      expect(file.records.map((r) => r.body.seq)).toEqual([1, 2, 3, 4]);
      // Signatures and chain hold (the certification here is no real tenant signature: that part stays open).
      expect(await verifyDeletions({ ...file, certification: null })).toMatchObject({ problems: [], records: 4, deleted: { invitations: 1, audit: 1, questions: 3 } });
      await Promise.all([reta.close(), retb.close()]);
    });

    withBoth('ORG-1 an OParl import on relay A is what relay B looks up; the same import again changes nothing; a preview writes nothing', async (h) => {
      const clean = join(OPARL_FIXTURES, 'clean');
      const dry = await importOparl({ source: clean, db: h.b.directory, tenant: T, dryRun: true });
      expect([dry.applied, dry.preview.total.added]).toEqual([false, 35]);
      expect(await new OparlStore(h.a.directory).list(T, 'persons')).toEqual([]);
      expect((await importOparl({ source: clean, db: h.a.directory, tenant: T })).applied).toBe(true);
      const b = new OparlStore(h.b.directory);
      expect((await b.list(T, 'persons')).map((p) => p.name)).toContain('Dr. Jana Schulz');
      expect((await b.list(T, 'agendaItems')).filter((x) => !x.public).map((x) => x.name)).toEqual(['Personalangelegenheit']);
      expect((await b.list(T, 'organizations')).map((o) => o.id)).toEqual((await b.list(T, 'organizations')).map((o) => o.id).sort());
      const { model } = await walk(clean);
      expect((await b.preview(T, model)).total).toEqual({ added: 0, updated: 0, removed: 0, unchanged: 35 });
      expect(await b.list('nachbarstadt', 'persons')).toEqual([]);
    });
  });
}
