/**
 * One-time, expiring links (VID-5, SEC-3), kept in the relay's identity database apart from the session log:
 * invitations of members, and the setup link of a new tenant (`ratsraum tenant create`). Only a hash of each
 * token is stored; redeeming marks it used in the same statement that checks it, so a link works once even if
 * two devices race. The administration's browser makes invitation tokens and links (finding 10); the relay
 * stores the hash and sends the mail over SMTP (nodemailer).
 */
import nodemailer from 'nodemailer';
import { randomBytes, toBase64, toHex, utf8 } from '../crypto/bytes.js';
import { sha256 } from '../crypto/hash.js';
import type { Sql } from './sql.js';

export type RedeemFailure = 'unknown' | 'used' | 'expired';

const MESSAGES: Record<RedeemFailure, { de: string; en: string }> = {
  unknown: { de: 'Diese Einladung ist ungültig.', en: 'This invitation is not valid.' },
  used: { de: 'Diese Einladung wurde bereits verwendet. Bitten Sie die Verwaltung um eine neue.', en: 'This invitation has already been used. Ask the administration for a new one.' },
  expired: { de: 'Diese Einladung ist abgelaufen. Bitten Sie die Verwaltung um eine neue.', en: 'This invitation has expired. Ask the administration for a new one.' },
};

export type SetupFailure = 'unknown' | 'used' | 'expired';

const SETUP_MESSAGES: Record<SetupFailure, { de: string; en: string }> = {
  unknown: { de: 'Dieser Einrichtungslink ist ungültig.', en: 'This setup link is not valid.' },
  used: { de: 'Diese Kommune ist bereits eingerichtet; der Einrichtungslink gilt nur einmal.', en: 'This municipality is already set up; the setup link works once.' },
  expired: { de: 'Dieser Einrichtungslink ist abgelaufen. Erzeugen Sie auf dem Server mit „ratsraum tenant create“ einen neuen.', en: 'This setup link has expired. Create a new one on the server with "ratsraum tenant create".' },
};

export type SetupChecked = { ok: true; tenant: string; name: string; expires: number } | { ok: false; code: SetupFailure; de: string; en: string };

/** What the admin grants with the invitation: the certificate the device will receive names these. */
export interface Grant {
  name: string;
  roles: string[];
  bodies: string[];
}

export type Redeemed = { ok: true; tenant: string; person: string; email: string; grant: Grant } | { ok: false; code: RedeemFailure; de: string; en: string };

const tokenHash = (token: string) => toHex(sha256(utf8(token)));
/** URL-safe token: 32 random bytes. */
export const newToken = () => toBase64(randomBytes(32)).replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, '');

export class Invitations {
  constructor(private readonly db: Sql) {}

  /** `token`: made by the administration's browser, which puts it into the link it signs; a fresh one otherwise. */
  async create(o: { tenant: string; person: string; email: string; grant?: Grant; token?: string; ttlMs?: number; now?: number }): Promise<{ token: string; expires: number }> {
    const now = o.now ?? Date.now();
    const token = o.token ?? newToken();
    const expires = now + (o.ttlMs ?? 72 * 3_600_000);
    const grant = o.grant ?? { name: o.person, roles: ['member'], bodies: [] };
    await this.db.run('INSERT INTO invitations (hash, tenant, person, email, created, expires, grant_json) VALUES (?, ?, ?, ?, ?, ?, ?)', [tokenHash(token), o.tenant, o.person, o.email, now, expires, JSON.stringify(grant)]);
    return { token, expires };
  }

  /** Whether the token could be redeemed for `tenant` now, without using it up. */
  async peek(tenant: string, token: string, now = Date.now()): Promise<Redeemed> {
    const row = await this.db.get<{ tenant: string; person: string; email: string; expires: number; used: number | null; grant_json: string }>(
      'SELECT tenant, person, email, expires, used, grant_json FROM invitations WHERE hash = ?',
      [tokenHash(token)],
    );
    const fail = (code: RedeemFailure): Redeemed => ({ ok: false, code, ...MESSAGES[code] });
    if (!row || row.tenant !== tenant) return fail('unknown'); // another tenant's token looks unknown: no oracle across tenants
    if (row.used !== null) return fail('used');
    if (row.expires <= now) return fail('expired');
    return { ok: true, tenant: row.tenant, person: row.person, email: row.email, grant: JSON.parse(row.grant_json) as Grant };
  }

  /** Redeems the token for `tenant`: once, before it expires (the UPDATE that takes it checks it is unused, on any relay). */
  async redeem(tenant: string, token: string, now = Date.now()): Promise<Redeemed> {
    const r = await this.peek(tenant, token, now);
    if (!r.ok) return r;
    if ((await this.db.run('UPDATE invitations SET used = ? WHERE hash = ? AND used IS NULL', [now, tokenHash(token)])) !== 1) return { ok: false, code: 'used', ...MESSAGES.used };
    return r;
  }

  /** Invitations of a tenant for the admin view (no tokens: only their hashes are kept). */
  list(tenant: string): Promise<{ person: string; email: string; created: number; expires: number; used: number | null }[]> {
    return this.db.all('SELECT person, email, created, expires, used FROM invitations WHERE tenant = ? ORDER BY created DESC', [tenant]);
  }

  /** A one-time setup link for a tenant that has no key yet; a new one replaces an unused one. Undefined once the tenant is set up. */
  async createSetup(o: { tenant: string; name: string; ttlMs?: number; now?: number }): Promise<{ token: string; expires: number } | undefined> {
    const now = o.now ?? Date.now();
    const token = newToken();
    const expires = now + (o.ttlMs ?? 24 * 3_600_000);
    const changed = await this.db.run(
      `INSERT INTO tenant_setups (tenant, name, hash, created, expires) VALUES (?, ?, ?, ?, ?)
       ON CONFLICT (tenant) DO UPDATE SET name = excluded.name, hash = excluded.hash, created = excluded.created, expires = excluded.expires WHERE tenant_setups.used IS NULL`,
      [o.tenant, o.name, tokenHash(token), now, expires],
    );
    return changed === 1 ? { token, expires } : undefined;
  }

  /** Whether the setup token is valid for `tenant` now; with `take`, it is used up in the same statement. */
  async checkSetup(tenant: string, token: string, o: { take?: boolean; now?: number } = {}): Promise<SetupChecked> {
    const now = o.now ?? Date.now();
    const fail = (code: SetupFailure): SetupChecked => ({ ok: false, code, ...SETUP_MESSAGES[code] });
    const row = await this.db.get<{ hash: string; name: string; expires: number; used: number | null }>('SELECT hash, name, expires, used FROM tenant_setups WHERE tenant = ?', [tenant]);
    // Another tenant's token, a replaced one and a made-up one look the same from outside.
    if (!row || row.hash !== tokenHash(token)) return fail('unknown');
    if (row.used !== null) return fail('used');
    if (row.expires <= now) return fail('expired');
    if (o.take && (await this.db.run('UPDATE tenant_setups SET used = ? WHERE tenant = ? AND hash = ? AND used IS NULL', [now, tenant, row.hash])) !== 1) return fail('used');
    return { ok: true, tenant, name: row.name, expires: row.expires };
  }

  /** The municipality's name given at `ratsraum tenant create`. */
  async tenantName(tenant: string): Promise<string | undefined> {
    return (await this.db.get<{ name: string }>('SELECT name FROM tenant_setups WHERE tenant = ?', [tenant]))?.name;
  }
}

export interface SmtpConfig {
  host: string;
  port: number;
  secure?: boolean;
  from: string;
}

/** Sends the invitation mail; the link (made by the administration's browser) carries the tenant key's fingerprint, which the device checks. */
export async function sendInvitation(smtp: SmtpConfig, m: { to: string; name: string; municipality: string; link: string; fingerprint: string; expires: number }): Promise<void> {
  const transport = nodemailer.createTransport({ host: smtp.host, port: smtp.port, secure: smtp.secure ?? false, ignoreTLS: !smtp.secure && smtp.host === '127.0.0.1' });
  const until = new Date(m.expires).toLocaleString('de-DE', { timeZone: 'Europe/Berlin' });
  const text = [
    `Guten Tag ${m.name},`,
    '',
    `Sie sind eingeladen, Ratsraum für die Sitzungen von ${m.municipality} auf Ihrem eigenen Gerät einzurichten.`,
    `Öffnen Sie diesen Link auf dem Gerät, das Sie verwenden wollen (nur einmal gültig, bis ${until}):`,
    '',
    m.link,
    '',
    `Schlüssel-Fingerabdruck Ihrer Kommune: ${m.fingerprint}`,
    'Ratsraum prüft ihn beim Einrichten. Geben Sie den Link nicht weiter.',
  ].join('\n');
  await transport.sendMail({ from: smtp.from, to: m.to, subject: `Einladung zu Ratsraum – ${m.municipality}`, text });
}
