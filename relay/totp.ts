/**
 * Second factor (SEC-3): a TOTP secret per enrolled device (RFC 6238 via otpauth: SHA-1, 6 digits, 30 s, the
 * defaults authenticator apps expect), kept in the relay's identity database. Checking is rate-limited: after
 * 5 wrong codes the device is locked for 15 minutes; a code is accepted once (no replay within its window).
 */
import type Database from 'better-sqlite3';
import { openIdentityDb } from './identity-db.js';
import * as OTPAuth from 'otpauth';

export const MAX_FAILURES = 5;
export const LOCK_MS = 15 * 60_000;

export type TotpCheck = { ok: true } | { ok: false; code: 'unknown' | 'locked' | 'wrong' | 'replayed'; de: string; en: string; retryAt?: number };

const totpOf = (secret: string, label: string) => new OTPAuth.TOTP({ issuer: 'Ratsraum', label, algorithm: 'SHA1', digits: 6, period: 30, secret: OTPAuth.Secret.fromBase32(secret) });

export class Totp {
  private readonly db: Database.Database;

  constructor(file: string) {
    this.db = openIdentityDb(
      file,
      `CREATE TABLE IF NOT EXISTS totp (
      tenant TEXT NOT NULL, device TEXT NOT NULL, label TEXT NOT NULL, secret TEXT NOT NULL,
      failures INTEGER NOT NULL DEFAULT 0, locked_until INTEGER NOT NULL DEFAULT 0, last_step INTEGER NOT NULL DEFAULT -1,
      PRIMARY KEY (tenant, device))`,
    );
  }

  /** A new secret for the device; the URI is what the QR code shows. */
  create(tenant: string, device: string, label: string): { secret: string; uri: string } {
    const secret = new OTPAuth.Secret({ size: 20 }).base32;
    this.db.prepare('INSERT INTO totp (tenant, device, label, secret) VALUES (?, ?, ?, ?) ON CONFLICT (tenant, device) DO UPDATE SET secret = excluded.secret, label = excluded.label, failures = 0, locked_until = 0, last_step = -1').run(tenant, device, label, secret);
    return { secret, uri: totpOf(secret, label).toString() };
  }

  /** Whether the device has a second factor: then every login to the relay needs it. */
  has(tenant: string, device: string): boolean {
    return !!this.db.prepare('SELECT 1 FROM totp WHERE tenant = ? AND device = ?').get(tenant, device);
  }

  check(tenant: string, device: string, code: string, now = Date.now()): TotpCheck {
    const row = this.db.prepare<[string, string], { label: string; secret: string; failures: number; locked_until: number; last_step: number }>('SELECT label, secret, failures, locked_until, last_step FROM totp WHERE tenant = ? AND device = ?').get(tenant, device);
    if (!row) return { ok: false, code: 'unknown', de: 'Für dieses Gerät ist keine Anmelde-App eingerichtet.', en: 'No authenticator is set up for this device.' };
    if (row.locked_until > now)
      return { ok: false, code: 'locked', retryAt: row.locked_until, de: 'Zu viele falsche Codes. Bitte warten Sie 15 Minuten.', en: 'Too many wrong codes. Please wait 15 minutes.' };
    const delta = /^\d{6}$/.test(code) ? totpOf(row.secret, row.label).validate({ token: code, timestamp: now, window: 1 }) : null;
    if (delta === null) {
      const failures = row.failures + 1;
      const locked = failures >= MAX_FAILURES ? now + LOCK_MS : 0;
      this.db.prepare('UPDATE totp SET failures = ?, locked_until = ? WHERE tenant = ? AND device = ?').run(locked ? 0 : failures, locked, tenant, device);
      return { ok: false, code: 'wrong', de: 'Der Code ist falsch oder abgelaufen.', en: 'The code is wrong or has expired.' };
    }
    const step = Math.floor(now / 30_000) + delta;
    if (step <= row.last_step) return { ok: false, code: 'replayed', de: 'Dieser Code wurde schon verwendet. Bitte warten Sie auf den nächsten.', en: 'This code was already used. Please wait for the next one.' };
    this.db.prepare('UPDATE totp SET failures = 0, last_step = ? WHERE tenant = ? AND device = ?').run(step, tenant, device);
    return { ok: true };
  }

  close(): void {
    this.db.close();
  }
}
