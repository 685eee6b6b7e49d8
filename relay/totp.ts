/**
 * Second factor (SEC-3): a TOTP secret per enrolled device (RFC 6238 via otpauth: SHA-1, 6 digits, 30 s, the
 * defaults authenticator apps expect), kept in the relay's identity database, encrypted with
 * XChaCha20-Poly1305 under the key in `<data>/secrets.key` and bound to its tenant and device (a row copied
 * to another device does not decrypt). Clear secrets of older versions are encrypted when the database opens.
 * Checking is rate-limited: after 5 wrong codes the device is locked for 15 minutes; a code is accepted
 * once (no replay within its window).
 */
import { xchacha20poly1305 } from '@noble/ciphers/chacha.js';
import * as OTPAuth from 'otpauth';
import { concat, fromBase64, fromUtf8, randomBytes, toBase64, utf8 } from '../crypto/bytes.js';
import { secretsKey } from './identity-db.js';
import type { Sql } from './sql.js';

export const MAX_FAILURES = 5;
export const LOCK_MS = 15 * 60_000;

export type TotpCheck = { ok: true } | { ok: false; code: 'unknown' | 'locked' | 'wrong' | 'replayed'; de: string; en: string; retryAt?: number };

const SEALED = 'xc20p1:';
const aad = (tenant: string, device: string) => utf8(`ratsraum/totp/v1\n${tenant}\n${device}`);

const totpOf = (secret: string, label: string) => new OTPAuth.TOTP({ issuer: 'Ratsraum', label, algorithm: 'SHA1', digits: 6, period: 30, secret: OTPAuth.Secret.fromBase32(secret) });

export class Totp {
  private constructor(
    private readonly db: Sql,
    private readonly key: Uint8Array,
  ) {}

  /** `keyFile`: `<data>/secrets.key`, beside the relay (every relay sharing a database holds the same one). */
  static async open(db: Sql, keyFile: string): Promise<Totp> {
    const t = new Totp(db, secretsKey(keyFile));
    await t.sealClearRows();
    await t.checkKey();
    return t;
  }

  /** A replaced or lost secrets.key would fail every login later; say so at start instead. */
  private async checkKey(): Promise<void> {
    const row = await this.db.get<{ tenant: string; device: string; secret: string }>('SELECT tenant, device, secret FROM totp LIMIT 1');
    if (!row) return;
    try {
      this.open(row.tenant, row.device, row.secret);
    } catch {
      throw new Error('totp: secrets.key does not open the sealed TOTP secrets of the identity database (restore the key file that belongs to this database)');
    }
  }

  private seal(tenant: string, device: string, secret: string): string {
    const nonce = randomBytes(24);
    return SEALED + toBase64(concat(nonce, xchacha20poly1305(this.key, nonce, aad(tenant, device)).encrypt(utf8(secret))));
  }

  private open(tenant: string, device: string, stored: string): string {
    if (!stored.startsWith(SEALED)) throw new Error(`totp: the secret of ${tenant}/${device} is not sealed`);
    const b = fromBase64(stored.slice(SEALED.length));
    return fromUtf8(xchacha20poly1305(this.key, b.subarray(0, 24), aad(tenant, device)).decrypt(b.subarray(24)));
  }

  /** Rows written by versions that kept secrets in clear; then the clear pages are checkpointed away. */
  private async sealClearRows(): Promise<void> {
    const clear = await this.db.all<{ tenant: string; device: string; secret: string }>(`SELECT tenant, device, secret FROM totp WHERE secret NOT LIKE '${SEALED}%'`);
    if (clear.length === 0) return;
    await this.db.tx(async (q) => {
      for (const r of clear) await q.run('UPDATE totp SET secret = ? WHERE tenant = ? AND device = ?', [this.seal(r.tenant, r.device, r.secret), r.tenant, r.device]);
    });
    await this.db.checkpoint();
  }

  /** A new secret for the device; the URI is what the QR code shows. */
  async create(tenant: string, device: string, label: string): Promise<{ secret: string; uri: string }> {
    const secret = new OTPAuth.Secret({ size: 20 }).base32;
    await this.db.run(
      'INSERT INTO totp (tenant, device, label, secret) VALUES (?, ?, ?, ?) ON CONFLICT (tenant, device) DO UPDATE SET secret = excluded.secret, label = excluded.label, failures = 0, locked_until = 0, last_step = -1',
      [tenant, device, label, this.seal(tenant, device, secret)],
    );
    return { secret, uri: totpOf(secret, label).toString() };
  }

  /** Whether the device has a second factor: then every login to the relay needs it. */
  async has(tenant: string, device: string): Promise<boolean> {
    return !!(await this.db.get('SELECT 1 AS one FROM totp WHERE tenant = ? AND device = ?', [tenant, device]));
  }

  /**
   * One transaction that locks the row (PostgreSQL: FOR UPDATE; SQLite: BEGIN IMMEDIATE), so two relays checking
   * the same code at once accept it once, and failures count on whichever relay they hit.
   */
  check(tenant: string, device: string, code: string, now = Date.now()): Promise<TotpCheck> {
    return this.db.tx(async (q) => {
      const row = await q.get<{ label: string; secret: string; failures: number; locked_until: number; last_step: number }>(
        `SELECT label, secret, failures, locked_until, last_step FROM totp WHERE tenant = ? AND device = ?${q.dialect === 'postgres' ? ' FOR UPDATE' : ''}`,
        [tenant, device],
      );
      if (!row) return { ok: false, code: 'unknown', de: 'Für dieses Gerät ist keine Anmelde-App eingerichtet.', en: 'No authenticator is set up for this device.' };
      if (row.locked_until > now)
        return { ok: false, code: 'locked', retryAt: row.locked_until, de: 'Zu viele falsche Codes. Bitte warten Sie 15 Minuten.', en: 'Too many wrong codes. Please wait 15 minutes.' };
      const delta = /^\d{6}$/.test(code) ? totpOf(this.open(tenant, device, row.secret), row.label).validate({ token: code, timestamp: now, window: 1 }) : null;
      if (delta === null) {
        const failures = row.failures + 1;
        const locked = failures >= MAX_FAILURES ? now + LOCK_MS : 0;
        await q.run('UPDATE totp SET failures = ?, locked_until = ? WHERE tenant = ? AND device = ?', [locked ? 0 : failures, locked, tenant, device]);
        return { ok: false, code: 'wrong', de: 'Der Code ist falsch oder abgelaufen.', en: 'The code is wrong or has expired.' };
      }
      const step = Math.floor(now / 30_000) + delta;
      if (step <= row.last_step) return { ok: false, code: 'replayed', de: 'Dieser Code wurde schon verwendet. Bitte warten Sie auf den nächsten.', en: 'This code was already used. Please wait for the next one.' };
      await q.run('UPDATE totp SET failures = 0, last_step = ? WHERE tenant = ? AND device = ?', [step, tenant, device]);
      return { ok: true };
    });
  }

  /** DIS-5: the rows as stored (secrets sealed), for a backup relay that holds the same secrets.key (relay/replication.ts). */
  rows(): Promise<TotpRow[]> {
    return this.db.all<TotpRow>('SELECT tenant, device, label, secret, failures, locked_until, last_step FROM totp');
  }

  /** A row from the primary: its secret must open with this relay's key; a code spent there stays spent here. */
  async merge(r: TotpRow): Promise<void> {
    this.open(r.tenant, r.device, r.secret); // throws when the backup's secrets.key is not the primary's
    const max = this.db.dialect === 'postgres' ? 'GREATEST' : 'MAX';
    await this.db.run(
      `INSERT INTO totp (tenant, device, label, secret, failures, locked_until, last_step) VALUES (?, ?, ?, ?, ?, ?, ?)
       ON CONFLICT (tenant, device) DO UPDATE SET label = excluded.label, secret = excluded.secret,
         failures = ${max}(totp.failures, excluded.failures), locked_until = ${max}(totp.locked_until, excluded.locked_until), last_step = ${max}(totp.last_step, excluded.last_step)`,
      [r.tenant, r.device, r.label, r.secret, r.failures, r.locked_until, r.last_step],
    );
  }
}

export interface TotpRow {
  tenant: string;
  device: string;
  label: string;
  secret: string;
  failures: number;
  locked_until: number;
  last_step: number;
}
