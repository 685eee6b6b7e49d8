/**
 * Devices on their way to a certificate, and login sessions (SEC-3), in the relay's identity database.
 * An enrolment moves: second-factor (key registered, authenticator being set up) → awaiting (first code
 * proven, invitation used up; the admin's device signs the certificate) → issued → revoked. The relay
 * never holds the tenant key, so it can vouch for nothing itself. A session is what a login with the
 * second factor yields: a random token, kept only as its hash, that expires.
 */
import type Database from 'better-sqlite3';
import { fromHex, randomBytes, toHex, utf8 } from '../crypto/bytes.js';
import { checkPublicKey } from '../crypto/ed25519.js';
import { sha256 } from '../crypto/hash.js';
import { openIdentityDb } from './identity-db.js';
import type { Grant } from './invitations.js';

export type EnrolmentState = 'second-factor' | 'awaiting' | 'issued' | 'revoked';

export interface Enrolment {
  tenant: string;
  device: string;
  person: string;
  grant: Grant;
  dh: string | null;
  state: EnrolmentState;
  created: number;
  updated: number;
}

interface Row {
  tenant: string;
  device: string;
  person: string;
  grant_json: string;
  token_hash: string;
  dh: string | null;
  state: EnrolmentState;
  created: number;
  updated: number;
}

export const SESSION_TTL_MS = 12 * 3_600_000;

const hashOf = (s: string) => toHex(sha256(utf8(s)));
const fromRow = (r: Row): Enrolment => ({ tenant: r.tenant, device: r.device, person: r.person, grant: JSON.parse(r.grant_json) as Grant, dh: r.dh, state: r.state, created: r.created, updated: r.updated });

export class Enrolments {
  private readonly db: Database.Database;

  constructor(file: string) {
    this.db = openIdentityDb(
      file,
      `CREATE TABLE IF NOT EXISTS enrolments (
        tenant TEXT NOT NULL, device TEXT NOT NULL, person TEXT NOT NULL, grant_json TEXT NOT NULL, token_hash TEXT NOT NULL,
        dh TEXT, state TEXT NOT NULL, created INTEGER NOT NULL, updated INTEGER NOT NULL, PRIMARY KEY (tenant, device));
       CREATE TABLE IF NOT EXISTS sessions (
        hash TEXT PRIMARY KEY, tenant TEXT NOT NULL, device TEXT NOT NULL, created INTEGER NOT NULL, expires INTEGER NOT NULL);
       CREATE INDEX IF NOT EXISTS sessions_device ON sessions (tenant, device);`,
    );
  }

  /**
   * Registers a device key for an invitation. The first device binds the invitation: another device with the
   * same token gets 'bound'. A device that is already further along is left as it is ('enrolled').
   */
  begin(e: { tenant: string; device: string; person: string; grant: Grant; token: string; dh?: string }, now = Date.now()): 'ok' | 'bound' | 'enrolled' {
    const refused = checkPublicKey(fromHex(e.device, 32));
    if (refused) throw new RangeError(`enrolment: device key refused (${refused})`); // the route's proof of possession refuses it first
    const hash = hashOf(e.token);
    const other = this.db.prepare<[string, string, string], { device: string }>('SELECT device FROM enrolments WHERE tenant = ? AND token_hash = ? AND device != ?');
    // better-sqlite3 runs this synchronously in one transaction: two racing devices cannot both bind.
    return this.db.transaction(() => {
      if (other.get(e.tenant, hash, e.device)) return 'bound' as const;
      const r = this.db
        .prepare(
          `INSERT INTO enrolments (tenant, device, person, grant_json, token_hash, dh, state, created, updated) VALUES (?, ?, ?, ?, ?, ?, 'second-factor', ?, ?)
           ON CONFLICT (tenant, device) DO UPDATE SET person = excluded.person, grant_json = excluded.grant_json, token_hash = excluded.token_hash, dh = excluded.dh, updated = excluded.updated
           WHERE enrolments.state = 'second-factor'`,
        )
        .run(e.tenant, e.device, e.person, JSON.stringify(e.grant), hash, e.dh ?? null, now, now);
      return r.changes === 1 ? ('ok' as const) : ('enrolled' as const);
    })();
  }

  get(tenant: string, device: string): Enrolment | undefined {
    const r = this.db.prepare<[string, string], Row>('SELECT * FROM enrolments WHERE tenant = ? AND device = ?').get(tenant, device);
    return r && fromRow(r);
  }

  /** Whether the device began its enrolment with this invitation token. */
  startedWith(tenant: string, device: string, token: string): boolean {
    const r = this.db.prepare<[string, string], Row>('SELECT * FROM enrolments WHERE tenant = ? AND device = ?').get(tenant, device);
    return !!r && r.token_hash === hashOf(token);
  }

  setState(tenant: string, device: string, state: EnrolmentState, now = Date.now()): void {
    this.db.prepare('UPDATE enrolments SET state = ?, updated = ? WHERE tenant = ? AND device = ?').run(state, now, tenant, device);
  }

  list(tenant: string): Enrolment[] {
    return this.db.prepare<[string], Row>('SELECT * FROM enrolments WHERE tenant = ? ORDER BY created').all(tenant).map(fromRow);
  }

  openSession(tenant: string, device: string, now = Date.now(), ttlMs = SESSION_TTL_MS): { token: string; expires: number } {
    const token = toHex(randomBytes(32));
    const expires = now + ttlMs;
    this.db.prepare('DELETE FROM sessions WHERE expires <= ?').run(now);
    this.db.prepare('INSERT INTO sessions (hash, tenant, device, created, expires) VALUES (?, ?, ?, ?, ?)').run(hashOf(token), tenant, device, now, expires);
    return { token, expires };
  }

  session(tenant: string, device: string, token: string, now = Date.now()): 'ok' | 'expired' | 'unknown' {
    const r = this.db.prepare<[string], { tenant: string; device: string; expires: number }>('SELECT tenant, device, expires FROM sessions WHERE hash = ?').get(hashOf(token));
    if (!r || r.tenant !== tenant || r.device !== device) return 'unknown';
    return r.expires > now ? 'ok' : 'expired';
  }

  endSessions(tenant: string, device: string): void {
    this.db.prepare('DELETE FROM sessions WHERE tenant = ? AND device = ?').run(tenant, device);
  }

  close(): void {
    this.db.close();
  }
}
