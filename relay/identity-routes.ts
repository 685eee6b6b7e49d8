/**
 * Enrolment, login with the second factor, and the admin API (docs/PROTOCOL.md, "Enrolment and login").
 * Devices: invitation → key → authenticator → first code → the admin's device signs the certificate →
 * login with signed challenge plus code → session. Admin: requests signed by the tenant key, each change
 * kept in the audit log. Every body is checked against a schema and a size limit; errors name the problem
 * in English (`error`) and German (`de`).
 */
import { Hono, type Context } from 'hono';
import { bodyLimit } from 'hono/body-limit';
import * as v from 'valibot';
import { fromHex, randomBytes, toHex } from '../crypto/bytes.js';
import { type Cert, type CertBody, check as checkCert, ROLES } from '../crypto/cert.js';
import { verify } from '../crypto/ed25519.js';
import { fingerprint } from '../crypto/hash.js';
import { ADMIN_ACTIONS, adminInput, dhInput, enrolInput, sessionInput, setupInput, type AdminRequest } from '../core/identity.js';
import type { AuditLog } from './audit-log.js';
import type { Enrolments } from './enrolment.js';
import type { Hub } from './hub.js';
import { type Invitations, sendInvitation, type SmtpConfig } from './invitations.js';
import type { MasterData } from './master-data.js';
import { saveSchema, type TenantSettings } from './settings.js';
import { rateLimit } from './rate-limit.js';
import type { Store } from './store.js';
import type { Totp } from './totp.js';
import type { Retention } from './retention.js';
import type { Registrations } from './public-registrations.js';

export interface IdentityDeps {
  store: Store;
  hub: Hub;
  invitations: Invitations;
  totp: Totp;
  enrolments: Enrolments;
  audit: AuditLog;
  directory: MasterData;
  settings: TenantSettings;
  /** PUB-1: the public's registrations (actions `public.registrations`, `public.revoke`). */
  registrations?: Registrations;
  /** DS-2: retention periods and deletion records (actions `retention`, `retention.save`). */
  retention?: Retention;
  smtp?: SmtpConfig;
  /** The origin invitation links must name (the browser makes them); the host the admin reached when unset. */
  publicUrl?: string;
  municipality?: (tenant: string) => Promise<string>;
  /** Attempts per client address: burst and refill per second (the benchmark raises it). */
  rate?: { burst: number; perSecond: number };
  /** Reverse proxies whose X-Forwarded-For names the client (relay/client-address.ts). */
  trustedProxies?: readonly string[];
  sessionTtlMs?: number;
}

const NAME = /^[A-Za-z0-9_.:-]{1,128}$/;
const hex = (n: number) => v.pipe(v.string(), v.regex(new RegExp(`^[0-9a-f]{${n}}$`)));
const token = v.pipe(v.string(), v.regex(/^[A-Za-z0-9_-]{20,100}$/));
const code = v.pipe(v.string(), v.maxLength(16));
const text = (max: number) => v.pipe(v.string(), v.trim(), v.minLength(1), v.maxLength(max));
const certSchema = v.object({ body: v.record(v.string(), v.unknown()), sig: hex(128) });

const schemas = {
  enrolStart: v.strictObject({ token, device: hex(64), dh: v.optional(hex(64)), dhSig: v.optional(hex(128)), sig: hex(128) }),
  setup: v.strictObject({ token, key: hex(64), sig: hex(128) }),
  enrolConfirm: v.strictObject({ token, device: hex(64), code }),
  challenge: v.strictObject({ device: hex(64) }),
  login: v.strictObject({ device: hex(64), nonce: hex(64), sig: hex(128), code }),
  admin: v.strictObject({
    req: v.strictObject({ tenant: text(128), action: v.picklist(ADMIN_ACTIONS), at: v.pipe(v.number(), v.integer()), nonce: hex(32), data: v.unknown() }),
    sig: hex(128),
  }),
  invite: v.strictObject({
    person: v.pipe(v.string(), v.regex(NAME)),
    name: text(200),
    email: v.pipe(v.string(), v.trim(), v.email(), v.maxLength(254)),
    roles: v.pipe(v.array(v.picklist(ROLES)), v.minLength(1), v.maxLength(ROLES.length)),
    bodies: v.pipe(v.array(v.pipe(v.string(), v.regex(NAME))), v.maxLength(50)),
    ttlHours: v.optional(v.pipe(v.number(), v.integer(), v.minValue(1), v.maxValue(24 * 30))),
    // Finding 10: the administration's browser makes token and link from the tenant key it holds.
    token,
    link: v.pipe(v.string(), v.maxLength(2000)),
  }),
  cert: v.strictObject({ cert: certSchema }),
  session: v.strictObject({ device: hex(64) }),
  oparl: v.strictObject({ source: text(2000) }),
  audit: v.strictObject({
    action: v.optional(v.pipe(v.string(), v.maxLength(64))),
    actor: v.optional(v.pipe(v.string(), v.maxLength(200))),
    person: v.optional(v.pipe(v.string(), v.maxLength(128))),
    text: v.optional(v.pipe(v.string(), v.maxLength(200))),
    from: v.optional(v.pipe(v.number(), v.integer())),
    to: v.optional(v.pipe(v.number(), v.integer())),
  }),
};

/** An error with its German text for the UI. */
class Refusal extends Error {
  constructor(
    readonly status: 400 | 401 | 403 | 404 | 409 | 429 | 503,
    readonly code: string,
    message: string,
    readonly de: string,
    readonly retryAt?: number,
  ) {
    super(message);
  }
}

function parse<T extends v.GenericSchema>(schema: T, value: unknown): v.InferOutput<T> {
  const r = v.safeParse(schema, value);
  if (!r.success)
    throw new Refusal(400, 'bad-request', `invalid request: ${r.issues.map((i) => `${(i.path ?? []).map((p) => p.key).join('.') || 'body'} ${i.message}`).join('; ')}`, 'Die Anfrage ist ungültig.');
  return r.output;
}

const CLOCK_SKEW_MS = 5 * 60_000;

/**
 * The only link an invitation mail may carry: `<origin>/#/enrol/<tenant>/<token>?fp=<fingerprint of the tenant key>`,
 * the origin being the configured public URL, else this relay's host as the admin reached it (behind a TLS proxy
 * the scheme differs). The relay checks the link; it never makes one (finding 10).
 */
function checkInvitationLink(link: string, o: { tenant: string; token: string; tenantKey: string; publicUrl?: string; host: string }): string {
  const m = /^(https?:\/\/([A-Za-z0-9.:[\]-]+))\/#\/enrol\/([^/?#]+)\/([^/?#]+)\?fp=([0-9a-f]{32})$/.exec(link);
  const fp = fingerprint(fromHex(o.tenantKey, 32));
  const origin = !!m && (o.publicUrl !== undefined ? m[1] === o.publicUrl.replace(/\/+$/, '') : m[2] === o.host);
  if (!m || !origin || m[3] !== o.tenant || m[4] !== o.token || m[5] !== fp.replace(/ /g, ''))
    throw new Refusal(400, 'bad-link', 'the invitation link does not name this relay, tenant, token and tenant key', 'Der Einladungslink passt nicht zu diesem Server, dieser Kommune oder ihrem Schlüssel.');
  return fp;
}
const CHALLENGE_TTL_MS = 2 * 60_000;

export function identityRoutes(d: IdentityDeps): Hono {
  const app = new Hono();
  const limited = rateLimit({ burst: d.rate?.burst ?? 20, perSecond: d.rate?.perSecond ?? 1, trustedProxies: d.trustedProxies, shared: d.hub.sharedBuckets('identity') });
  const challenges = new Map<string, { tenant: string; device: string; expires: number }>();

  const tenantKeyOf = async (tenant: string): Promise<string> => {
    const key = NAME.test(tenant) ? await d.store.tenantKey(tenant) : undefined;
    if (!key) throw new Refusal(404, 'unknown-tenant', `unknown tenant '${tenant}'`, 'Diese Kommune ist hier nicht eingerichtet.');
    return key;
  };
  const body = async (c: Context) => {
    try {
      return await c.req.json();
    } catch {
      throw new Refusal(400, 'bad-request', 'body is not JSON', 'Die Anfrage ist ungültig.');
    }
  };
  const audit = (tenant: string, e: { actor: string; action: string; person?: string | null; summary: string; request?: string | null; sig?: string | null }) =>
    d.audit.add(tenant, { at: Date.now(), person: null, request: null, sig: null, ...e });

  /** Checks the TOTP code; a wrong one or a lockout is logged (`<step>.failed`, `<step>.locked`) and refused. */
  const secondFactor = async (tenant: string, device: string, code: string, person: string, step: 'enrol' | 'login', now = Date.now()) => {
    const t = await d.totp.check(tenant, device, code.trim(), now);
    if (t.ok) return;
    await audit(tenant, { actor: `device:${device}`, action: `${step}.${t.code === 'locked' ? 'locked' : 'failed'}`, person, summary: t.en });
    throw new Refusal(t.code === 'locked' ? 429 : 401, t.code, t.en, t.de, t.retryAt);
  };

  app.use('*', bodyLimit({ maxSize: 64 * 1024, onError: (c) => c.json({ error: 'too-large', message: 'request body over 64 KiB', de: 'Die Anfrage ist zu groß.', code: 'too-large' }, 413) }));

  // A new tenant (`ratsraum tenant create`): its key is generated in the administration's browser, which
  // registers only the public key, signed by that key and bound to the one-time setup token.
  app.get('/api/:tenant/setup/:token', limited, async (c) => {
    const { tenant, token } = c.req.param();
    const r = await d.invitations.checkSetup(NAME.test(tenant) ? tenant : '', token);
    if (!r.ok) throw new Refusal(r.code === 'unknown' ? 404 : 409, r.code, r.en, r.de);
    return c.json({ tenant, name: r.name, expires: r.expires });
  });

  app.post('/api/:tenant/setup', limited, async (c) => {
    const tenant = c.req.param('tenant');
    const b = parse(schemas.setup, await body(c));
    const fail = (r: { code: string; en: string; de: string }) => new Refusal(r.code === 'unknown' ? 404 : 409, r.code, r.en, r.de);
    const peek = await d.invitations.checkSetup(NAME.test(tenant) ? tenant : '', b.token);
    if (!peek.ok) throw fail(peek);
    if (!(await verify(fromHex(b.sig, 64), setupInput(tenant, b.token, b.key), fromHex(b.key, 32))))
      throw new Refusal(400, 'bad-signature', 'the new tenant key did not prove itself', 'Der neue Schlüssel der Kommune konnte sich nicht nachweisen.');
    if (await d.store.tenantKey(tenant)) throw fail({ code: 'used', en: 'this tenant already has a key', de: 'Diese Kommune hat bereits einen Schlüssel.' });
    const taken = await d.invitations.checkSetup(tenant, b.token, { take: true });
    if (!taken.ok) throw fail(taken);
    await d.store.putTenant(tenant, b.key);
    await audit(tenant, { actor: 'admin', action: 'tenant.setup', summary: `tenant ${tenant} (${taken.name}) set up with key ${fingerprint(fromHex(b.key, 32))}`, request: JSON.stringify({ tenant, key: b.key }), sig: b.sig });
    return c.json({ tenant, name: taken.name, fingerprint: fingerprint(fromHex(b.key, 32)) });
  });

  // 1. The new device registers its key for an invitation and gets its authenticator secret (QR code).
  app.post('/api/:tenant/enrol/start', limited, async (c) => {
    const tenant = c.req.param('tenant');
    await tenantKeyOf(tenant);
    const b = parse(schemas.enrolStart, await body(c));
    const inv = await d.invitations.peek(tenant, b.token);
    if (!inv.ok) throw new Refusal(inv.code === 'unknown' ? 404 : 409, inv.code, inv.en, inv.de);
    if (!(await verify(fromHex(b.sig, 64), enrolInput(tenant, b.token, b.device), fromHex(b.device, 32))))
      throw new Refusal(400, 'bad-signature', 'the device did not prove its key', 'Das Gerät konnte seinen Schlüssel nicht nachweisen.');
    if (b.dh !== undefined && !(b.dhSig !== undefined && (await verify(fromHex(b.dhSig, 64), dhInput(tenant, b.device, b.dh), fromHex(b.device, 32)))))
      throw new Refusal(400, 'bad-signature', 'the device did not bind its X25519 key to its device key (dhSig)', 'Das Gerät konnte seinen Schlüssel für verschlüsselte Inhalte nicht nachweisen.');
    const begun = (await d.store.cert(tenant, b.device)) ? 'enrolled' : await d.enrolments.begin({ tenant, device: b.device, person: inv.person, grant: inv.grant, token: b.token, dh: b.dh, dhSig: b.dhSig });
    if (begun === 'enrolled') throw new Refusal(409, 'enrolled', 'this device key is already enrolled', 'Dieses Gerät ist bereits eingerichtet.');
    if (begun === 'bound') {
      await audit(tenant, { actor: `device:${b.device}`, action: 'enrol.refused', person: inv.person, summary: `device ${fingerprint(fromHex(b.device, 32))} refused: the invitation for ${inv.grant.name} is bound to another device` });
      throw new Refusal(409, 'bound', 'this invitation is already being used on another device', 'Diese Einladung wird bereits auf einem anderen Gerät verwendet. Eine Einladung gilt für genau ein Gerät; bitten Sie die Verwaltung um eine neue.');
    }
    const { secret, uri } = await d.totp.create(tenant, b.device, `${inv.grant.name} (${tenant})`);
    await audit(tenant, { actor: `device:${b.device}`, action: 'enrol.start', person: inv.person, summary: `device ${fingerprint(fromHex(b.device, 32))} registered for ${inv.grant.name}` });
    return c.json({ person: inv.person, name: inv.grant.name, roles: inv.grant.roles, uri, secret });
  });

  // 2. The first code proves the authenticator works; the invitation is used up; the admin's device certifies.
  app.post('/api/:tenant/enrol/confirm', limited, async (c) => {
    const tenant = c.req.param('tenant');
    await tenantKeyOf(tenant);
    const b = parse(schemas.enrolConfirm, await body(c));
    const e = await d.enrolments.get(tenant, b.device);
    if (!e || !(await d.enrolments.startedWith(tenant, b.device, b.token))) throw new Refusal(404, 'unknown', 'no enrolment for this device and invitation', 'Für dieses Gerät läuft keine Einrichtung mit dieser Einladung.');
    if (e.state !== 'second-factor') return c.json({ state: e.state });
    await secondFactor(tenant, b.device, b.code, e.person, 'enrol');
    const r = await d.invitations.redeem(tenant, b.token);
    if (!r.ok) throw new Refusal(409, r.code, r.en, r.de);
    await d.enrolments.setState(tenant, b.device, 'awaiting');
    await audit(tenant, { actor: `device:${b.device}`, action: 'enrol.confirmed', person: e.person, summary: `authenticator of ${e.grant.name} confirmed; awaiting the admin's certificate` });
    return c.json({ state: 'awaiting' });
  });

  // 3. The device waits for its certificate.
  app.get('/api/:tenant/enrol/:device', async (c) => {
    const { tenant, device } = c.req.param();
    await tenantKeyOf(tenant);
    if (!/^[0-9a-f]{64}$/.test(device)) throw new Refusal(400, 'bad-request', 'invalid device key', 'Ungültiger Geräteschlüssel.');
    const e = await d.enrolments.get(tenant, device);
    const cert = await d.store.cert(tenant, device);
    const state = cert?.body.revoked !== undefined ? 'revoked' : cert ? 'issued' : (e?.state ?? 'unknown');
    return c.json({ state, cert: cert ?? null });
  });

  // Login with the second factor: challenge, then signature plus code → session.
  app.post('/api/:tenant/login/challenge', limited, async (c) => {
    const tenant = c.req.param('tenant');
    await tenantKeyOf(tenant);
    const b = parse(schemas.challenge, await body(c));
    const now = Date.now();
    if (challenges.size > 10_000) for (const [k, x] of challenges) if (x.expires <= now) challenges.delete(k);
    if (challenges.size > 10_000) throw new Refusal(429, 'rate-limit', 'too many logins in progress', 'Zu viele Anmeldungen gleichzeitig. Bitte versuchen Sie es gleich noch einmal.');
    const nonce = toHex(randomBytes(32));
    challenges.set(nonce, { tenant, device: b.device, expires: now + CHALLENGE_TTL_MS });
    return c.json({ nonce });
  });

  app.post('/api/:tenant/login', limited, async (c) => {
    const tenant = c.req.param('tenant');
    const tenantKey = await tenantKeyOf(tenant);
    const b = parse(schemas.login, await body(c));
    const ch = challenges.get(b.nonce);
    challenges.delete(b.nonce);
    const now = Date.now();
    if (!ch || ch.tenant !== tenant || ch.device !== b.device || ch.expires <= now) throw new Refusal(401, 'challenge', 'unknown or expired challenge', 'Die Anmeldung hat zu lange gedauert. Bitte noch einmal.');
    const cert = await d.store.cert(tenant, b.device);
    if (cert?.body.revoked !== undefined) throw new Refusal(403, 'revoked', 'this device was revoked', 'Dieses Gerät wurde gesperrt. Wenden Sie sich an die Verwaltung.');
    if (!cert || !(await checkCert(cert, fromHex(tenantKey, 32), now)) || !(await verify(fromHex(b.sig, 64), sessionInput(b.nonce, tenant, b.device), fromHex(b.device, 32))))
      throw new Refusal(401, 'auth', 'unknown device, invalid certificate or bad signature', 'Dieses Gerät ist nicht (mehr) zugelassen.');
    await secondFactor(tenant, b.device, b.code, cert.body.person, 'login', now);
    const s = await d.enrolments.openSession(tenant, b.device, now, d.sessionTtlMs);
    await audit(tenant, { actor: `device:${b.device}`, action: 'login', person: cert.body.person, summary: `${cert.body.name} logged in` });
    return c.json({ session: s.token, expires: s.expires });
  });

  // DS-2: the tenant's retention periods are public (the privacy notice names them); devices prune by them.
  app.get('/api/:tenant/retention', async (c) => {
    const tenant = c.req.param('tenant');
    await tenantKeyOf(tenant);
    if (!d.retention) throw new Refusal(503, 'no-retention', 'retention is not running on this relay', 'Die Aufbewahrungsfristen sind auf diesem Server nicht verfügbar.');
    return c.json({ periods: await d.retention.periods(tenant) });
  });

  // Meetings of the tenant, for a member's start page (titles from the public setup entries).
  app.get('/api/:tenant/meetings', async (c) => {
    const tenant = c.req.param('tenant');
    await tenantKeyOf(tenant);
    return c.json({ meetings: await d.directory.meetings(tenant) });
  });

  app.post('/api/:tenant/admin', async (c) => {
    const tenant = c.req.param('tenant');
    const tenantKey = await tenantKeyOf(tenant);
    const { req, sig } = parse(schemas.admin, await body(c));
    const now = Date.now();
    if (req.tenant !== tenant) throw new Refusal(403, 'wrong-tenant', 'request signed for another tenant', 'Diese Anfrage gilt für eine andere Kommune.');
    if (Math.abs(req.at - now) > CLOCK_SKEW_MS) throw new Refusal(400, 'clock', 'request time is more than 5 minutes off', 'Die Uhr dieses Geräts geht falsch (mehr als 5 Minuten).');
    if (!(await verify(fromHex(sig, 64), adminInput(req as AdminRequest), fromHex(tenantKey, 32))))
      throw new Refusal(403, 'not-admin', 'not signed by the tenant admin key', 'Nur die Verwaltung mit dem Schlüssel der Kommune darf das.');
    // Reads too: a replayed `directory` would hand out the directory. Kept in identity.sqlite until the clock check refuses the request anyway.
    if (!(await d.audit.claim(adminInput(req as AdminRequest), req.at + CLOCK_SKEW_MS, now))) throw new Refusal(409, 'replay', 'this request was already made', 'Diese Anfrage wurde schon ausgeführt.');
    const record = (summary: string, person: string | null = null) => audit(tenant, { actor: 'admin', action: req.action, person, summary, request: JSON.stringify(req), sig });
    const data = req.data;
    switch (req.action) {
      case 'directory': {
        const devices = [...new Set((await d.store.certs(tenant)).map((x) => x.body.device))];
        // Each device's certificate as it stands now (the store keeps every version).
        const certs = await Promise.all(devices.map(async (dev) => (await d.store.cert(tenant, dev))!));
        // Per device, its chains' highest stored seq: a re-issue or revocation names them (`chains`).
        const chains = Object.fromEntries(await Promise.all(devices.map(async (dev) => [dev, await d.store.chainsOf(tenant, dev)] as const)));
        return c.json({
          tenant,
          tenantKey,
          ...(await d.directory.master(tenant)),
          certs,
          chains,
          enrolments: await d.enrolments.list(tenant),
          invitations: await d.invitations.list(tenant),
          meetings: await d.directory.meetings(tenant),
          settings: await d.settings.view(tenant),
        });
      }
      case 'audit':
        return c.json({ entries: await d.audit.list(tenant, parse(schemas.audit, data ?? {})) });
      case 'invite': {
        const i = parse(schemas.invite, data);
        if (!d.smtp) throw new Refusal(503, 'no-smtp', 'no SMTP server is configured', 'Es ist kein Mailserver eingerichtet.');
        const fp = checkInvitationLink(i.link, { tenant, token: i.token, tenantKey, publicUrl: d.publicUrl, host: new URL(c.req.url).host });
        let expires: number;
        try {
          expires = (await d.invitations.create({ tenant, person: i.person, email: i.email, grant: { name: i.name, roles: i.roles, bodies: i.bodies }, token: i.token, ttlMs: (i.ttlHours ?? 72) * 3_600_000 })).expires;
        } catch {
          throw new Refusal(409, 'token-taken', 'this invitation token is taken; make a new one', 'Dieser Einladungscode ist schon vergeben. Bitte noch einmal senden.');
        }
        const named = await d.municipality?.(tenant);
        const municipality = named && named !== tenant ? named : (await d.invitations.tenantName(tenant) ?? tenant);
        try {
          await sendInvitation(d.smtp, { to: i.email, name: i.name, municipality, link: i.link, fingerprint: fp, expires });
        } catch (e) {
          d.hub.log(`relay: sending the invitation to ${i.email} failed: ${(e as Error).message}`);
          throw new Refusal(503, 'smtp', `the mail could not be sent: ${(e as Error).message}`, 'Die E-Mail konnte nicht versandt werden. Bitte prüfen Sie den Mailserver.');
        }
        await record(`invited ${i.name} <${i.email}> as ${i.roles.join(', ')}`, i.person);
        return c.json({ sent: true, expires });
      }
      case 'certify':
      case 'revoke': {
        const cert = parse(schemas.cert, data).cert as unknown as Cert;
        const revoking = req.action === 'revoke';
        const b = cert.body;
        if (!(await checkCert(cert, fromHex(tenantKey, 32))) || b.tenant !== tenant || (b.revoked !== undefined) !== revoking)
          throw new Refusal(400, 'bad-cert', revoking ? 'not a revocation signed by the tenant key' : 'not a certificate signed by the tenant key', 'Das Zertifikat ist ungültig.');
        const held = await d.store.cert(tenant, b.device);
        if (held?.body.revoked !== undefined) throw new Refusal(409, 'revoked', 'this device is revoked for good', 'Dieses Gerät ist gesperrt und bleibt es.');
        const unnamed = held ? chainsUnnamed(b, await d.store.chainsOf(tenant, b.device), revoking) : [];
        if (unnamed.length > 0)
          throw new Refusal(409, 'chains', `the new version must name where it takes over in every chain of the device: ${unnamed.join(', ')}`, 'Die neue Fassung des Zertifikats muss für jede Sitzung angeben, ab welchem Eintrag sie gilt. Bitte die Ansicht neu laden und noch einmal.');
        await d.store.putCert(cert);
        const fp = fingerprint(fromHex(b.device, 32));
        if (revoking) {
          await d.enrolments.setState(tenant, b.device, 'revoked');
          await d.enrolments.endSessions(tenant, b.device);
          d.hub.dropDevice(tenant, b.device);
          await record(`revoked device ${fp} of ${b.name}`, b.person);
        } else {
          if (await d.enrolments.get(tenant, b.device)) await d.enrolments.setState(tenant, b.device, 'issued');
          await record(`certified device ${fp} of ${b.name} as ${b.roles.join(', ')} for ${b.bodies.join(', ') || 'no body'}`, b.person);
        }
        d.hub.pushCerts(tenant, [cert]);
        return c.json({ stored: true });
      }
      case 'settings.save': {
        const changed = await d.settings.save(tenant, parse(saveSchema, data));
        if (changed.length) await record(`settings changed: ${changed.join(', ')}`);
        return c.json(await d.settings.view(tenant));
      }
      case 'public.registrations': {
        const m = parse(v.strictObject({ meeting: v.optional(v.pipe(v.string(), v.regex(NAME))) }), data ?? {}).meeting;
        return c.json({ registrations: await d.registrations?.list(tenant, m) ?? [] });
      }
      case 'public.revoke': {
        const { id } = parse(v.strictObject({ id: v.pipe(v.string(), v.regex(/^[A-Za-z0-9_-]{16}$/)) }), data);
        const r = await d.registrations?.revokeId(tenant, id) ?? (() => { throw new Refusal(404, 'unknown-registration', 'no such registration, or revoked already', 'Diese Anmeldung gibt es nicht oder sie ist schon gesperrt.'); })();
        d.hub.dropPublicAccess(tenant, r.meeting, r.hash);
        await record(`revoked the public access link ${id} of meeting ${r.meeting}`);
        return c.json({ revoked: true });
      }
      case 'retention':
      case 'retention.save': {
        if (!d.retention) throw new Refusal(503, 'no-retention', 'retention is not running on this relay', 'Die Aufbewahrungsfristen sind auf diesem Server nicht verfügbar.');
        if (req.action === 'retention') return c.json(await d.retention.view(tenant));
        try {
          await d.retention.save(tenant, { req: req as AdminRequest, sig }, now);
        } catch (e) {
          throw new Refusal(400, 'bad-retention', (e as Error).message, 'Die Aufbewahrungsfristen sind ungültig (ganze Minuten, höchstens 30 Jahre) oder nennen nicht den Schlüssel dieses Servers.');
        }
        await record(`retention periods saved: ${Object.entries((data as { periods?: Record<string, number> }).periods ?? {}).map(([k, m]) => `${k} ${m} min`).join(', ') || 'defaults'}`);
        return c.json(await d.retention.view(tenant));
      }
      // The console's own admin device (web/views/admin/create-meeting.ts) syncs with a session the tenant key asks
      // for: whoever holds that key can certify any device anyway, so this grants nothing a TOTP login would guard.
      case 'session': {
        const { device } = parse(schemas.session, data);
        const cert = await d.store.cert(tenant, device);
        if (!cert || cert.body.revoked !== undefined || !cert.body.roles.includes('admin') || !(await checkCert(cert, fromHex(tenantKey, 32), now)))
          throw new Refusal(403, 'not-admin-device', 'only a certified admin device gets a session this way', 'Nur ein bestätigtes Gerät der Verwaltung erhält so eine Sitzung.');
        const s = await d.enrolments.openSession(tenant, device, now, d.sessionTtlMs);
        await record(`session for admin device ${fingerprint(fromHex(device, 32))} of ${cert.body.name}`, cert.body.person);
        return c.json({ session: s.token, expires: s.expires });
      }
      case 'oparl.preview':
      case 'oparl.import': {
        const { source } = parse(schemas.oparl, data);
        const r = await d.directory.importOparl(tenant, source, req.action === 'oparl.preview').catch((e: Error) => {
          throw new Refusal(400, 'oparl', e.message, `Der OParl-Import ist gescheitert: ${e.message}`);
        });
        if (r.applied) await record(`imported OParl ${source}: ${r.preview.total.added} added, ${r.preview.total.updated} updated, ${r.preview.total.removed} removed`);
        return c.json(r);
      }
    }
  });

  app.onError((err, c) => {
    if (err instanceof Refusal) {
      if (err.status === 429 && err.retryAt) c.header('Retry-After', String(Math.max(1, Math.ceil((err.retryAt - Date.now()) / 1000))));
      return c.json({ error: err.code, message: err.message, de: err.de, code: err.code, ...(err.retryAt ? { retryAt: err.retryAt } : {}) }, err.status);
    }
    throw err;
  });
  return app;
}

/**
 * The chains a re-issue or revocation fails to name as it must (docs/PROTOCOL.md "Certificate"): a re-issue
 * keeps every stored entry with the earlier version (its cut at least the stored head), a revocation names
 * every chain and lets at most what is stored stand.
 */
function chainsUnnamed(b: CertBody, stored: Record<string, number>, revoking: boolean): string[] {
  return Object.entries(stored)
    .filter(([key, head]) => {
      const cut = b.chains?.[key];
      return cut === undefined || (revoking ? cut > head : cut < head);
    })
    .map(([key, head]) => `${key} (stored up to ${head})`);
}
