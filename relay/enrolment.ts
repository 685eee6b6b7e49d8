/**
 * Devices on their way to a certificate, and login sessions (SEC-3), in the relay's identity database.
 * An enrolment moves: second-factor (key registered, authenticator being set up) → awaiting (first code
 * proven, invitation used up; the admin's device signs the certificate) → issued → revoked. The relay
 * never holds the tenant key, so it can vouch for nothing itself. A session is what a login with the
 * second factor yields: a random token, kept only as its hash, that expires.
 */
import { fromHex, randomBytes, toHex, utf8 } from '../crypto/bytes.js';
import { checkPublicKey } from '../crypto/ed25519.js';
import { sha256 } from '../crypto/hash.js';
import type { Grant } from './invitations.js';
import type { Sql } from './sql.js';

export type EnrolmentState = 'second-factor' | 'awaiting' | 'issued' | 'revoked';

export interface Enrolment {
  tenant: string;
  device: string;
  person: string;
  grant: Grant;
  dh: string | null;
  /** The device's signature binding `dh` to its key (core/identity.ts dhInput). */
  dhSig: string | null;
  state: EnrolmentState;
  created: number;
  updated: number;
}

export interface Row {
  tenant: string;
  device: string;
  person: string;
  grant_json: string;
  token_hash: string;
  dh: string | null;
  dh_sig: string | null;
  state: EnrolmentState;
  created: number;
  updated: number;
}

export const SESSION_TTL_MS = 12 * 3_600_000;

const hashOf = (s: string) => toHex(sha256(utf8(s)));
const fromRow = (r: Row): Enrolment => ({ tenant: r.tenant, device: r.device, person: r.person, grant: JSON.parse(r.grant_json) as Grant, dh: r.dh, dhSig: r.dh_sig, state: r.state, created: r.created, updated: r.updated });

export class Enrolments {
  constructor(private readonly db: Sql) {}

  /**
   * Registers a device key for an invitation. The first device binds the invitation: another device with the
   * same token gets 'bound'. A device that is already further along is left as it is ('enrolled').
   */
  begin(e: { tenant: string; device: string; person: string; grant: Grant; token: string; dh?: string; dhSig?: string }, now = Date.now()): Promise<'ok' | 'bound' | 'enrolled'> {
    const refused = checkPublicKey(fromHex(e.device, 32));
    if (refused) throw new RangeError(`enrolment: device key refused (${refused})`); // the route's proof of possession refuses it first
    const hash = hashOf(e.token);
    // One transaction (SQLite: BEGIN IMMEDIATE, so two racing devices cannot both bind); on PostgreSQL the unique
    // index on (tenant, token_hash) refuses the second of two relays racing.
    return this.db
      .tx(async (q) => {
        if (await q.get('SELECT device FROM enrolments WHERE tenant = ? AND token_hash = ? AND device != ?', [e.tenant, hash, e.device])) return 'bound' as const;
        const changed = await q.run(
          `INSERT INTO enrolments (tenant, device, person, grant_json, token_hash, dh, dh_sig, state, created, updated) VALUES (?, ?, ?, ?, ?, ?, ?, 'second-factor', ?, ?)
           ON CONFLICT (tenant, device) DO UPDATE SET person = excluded.person, grant_json = excluded.grant_json, token_hash = excluded.token_hash, dh = excluded.dh, dh_sig = excluded.dh_sig, updated = excluded.updated
           WHERE enrolments.state = 'second-factor'`,
          [e.tenant, e.device, e.person, JSON.stringify(e.grant), hash, e.dh ?? null, e.dhSig ?? null, now, now],
        );
        return changed === 1 ? ('ok' as const) : ('enrolled' as const);
      })
      .catch((err: unknown) => {
        if ((err as { code?: string }).code === '23505') return 'bound' as const;
        throw err;
      });
  }

  async get(tenant: string, device: string): Promise<Enrolment | undefined> {
    const r = await this.db.get<Row>('SELECT * FROM enrolments WHERE tenant = ? AND device = ?', [tenant, device]);
    return r && fromRow(r);
  }

  /** Whether the device began its enrolment with this invitation token. */
  async startedWith(tenant: string, device: string, token: string): Promise<boolean> {
    const r = await this.db.get<Row>('SELECT * FROM enrolments WHERE tenant = ? AND device = ?', [tenant, device]);
    return !!r && r.token_hash === hashOf(token);
  }

  async setState(tenant: string, device: string, state: EnrolmentState, now = Date.now()): Promise<void> {
    await this.db.run('UPDATE enrolments SET state = ?, updated = ? WHERE tenant = ? AND device = ?', [state, now, tenant, device]);
  }

  async list(tenant: string): Promise<Enrolment[]> {
    return (await this.db.all<Row>('SELECT * FROM enrolments WHERE tenant = ? ORDER BY created', [tenant])).map(fromRow);
  }

  async openSession(tenant: string, device: string, now = Date.now(), ttlMs = SESSION_TTL_MS): Promise<{ token: string; expires: number }> {
    const token = toHex(randomBytes(32));
    const expires = now + ttlMs;
    await this.db.run('DELETE FROM sessions WHERE expires <= ?', [now]);
    await this.db.run('INSERT INTO sessions (hash, tenant, device, created, expires) VALUES (?, ?, ?, ?, ?)', [hashOf(token), tenant, device, now, expires]);
    return { token, expires };
  }

  async session(tenant: string, device: string, token: string, now = Date.now()): Promise<'ok' | 'expired' | 'unknown'> {
    const r = await this.db.get<{ tenant: string; device: string; expires: number }>('SELECT tenant, device, expires FROM sessions WHERE hash = ?', [hashOf(token)]);
    if (!r || r.tenant !== tenant || r.device !== device) return 'unknown';
    return r.expires > now ? 'ok' : 'expired';
  }

  async endSessions(tenant: string, device: string): Promise<void> {
    await this.db.run('DELETE FROM sessions WHERE tenant = ? AND device = ?', [tenant, device]);
  }

  /** DIS-5: enrolments and open sessions as stored (token hashes only), for a backup relay (relay/replication.ts). */
  async rows(now = Date.now()): Promise<{ enrolments: Row[]; sessions: SessionRow[] }> {
    return {
      enrolments: await this.db.all<Row>('SELECT tenant, device, person, grant_json, token_hash, dh, dh_sig, state, created, updated FROM enrolments'),
      sessions: await this.db.all<SessionRow>('SELECT hash, tenant, device, created, expires FROM sessions WHERE expires > ?', [now]),
    };
  }

  /** The primary's rows: its enrolment states win; a session opened there is valid here until it expires. */
  merge(x: { enrolments: Row[]; sessions: SessionRow[] }): Promise<void> {
    return this.db.tx(async (q) => {
      for (const r of x.enrolments)
        await q.run(
          `INSERT INTO enrolments (tenant, device, person, grant_json, token_hash, dh, dh_sig, state, created, updated) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
           ON CONFLICT (tenant, device) DO UPDATE SET person = excluded.person, grant_json = excluded.grant_json, token_hash = excluded.token_hash, dh = excluded.dh, dh_sig = excluded.dh_sig, state = excluded.state, updated = excluded.updated
           WHERE excluded.updated >= enrolments.updated`,
          // a primary from before the dh binding sends no dh_sig
          [r.tenant, r.device, r.person, r.grant_json, r.token_hash, r.dh, r.dh_sig ?? null, r.state, r.created, r.updated],
        );
      for (const r of x.sessions) await q.run('INSERT INTO sessions (hash, tenant, device, created, expires) VALUES (?, ?, ?, ?, ?) ON CONFLICT DO NOTHING', [r.hash, r.tenant, r.device, r.created, r.expires]);
    });
  }
}

export interface SessionRow {
  hash: string;
  tenant: string;
  device: string;
  created: number;
  expires: number;
}
