/**
 * PUB-1: registrations of the public for a meeting, in the identity database apart from the session log. A row holds
 * the e-mail address, when it was made and when it was revoked, and the hash of the personal access token
 * (the token itself is only in the mail). Nothing else about a viewer is kept: connections are counted by the
 * hub's metrics, never logged per viewer. Deleted by retention (kind `registrations`).
 */
import { toHex, utf8 } from '../crypto/bytes.js';
import { sha256 } from '../crypto/hash.js';
import { newToken } from './invitations.js';
import type { Sql } from './sql.js';

const tokenHash = (token: string) => toHex(sha256(utf8(token)));

export interface RegistrationRow {
  id: string;
  meeting: string;
  email: string;
  created: number;
  revoked: number | null;
}

/** Registrations per meeting the relay accepts at most (a flood of addresses fills no disk). */
const MAX_PER_MEETING = 20_000;

export class Registrations {
  constructor(private readonly db: Sql) {}

  /** A new personal access token for the address; an earlier unrevoked one of the same address is revoked (a lost mail is sent again). */
  async register(tenant: string, meeting: string, email: string, now = Date.now()): Promise<{ token: string } | undefined> {
    const n = (await this.db.get<{ n: number }>('SELECT COUNT(*) AS n FROM public_registrations WHERE tenant = ? AND meeting = ?', [tenant, meeting]))!.n;
    if (n >= MAX_PER_MEETING) return undefined;
    const token = newToken();
    await this.db.tx(async (q) => {
      await q.run('UPDATE public_registrations SET revoked = ? WHERE tenant = ? AND meeting = ? AND email = ? AND revoked IS NULL', [now, tenant, meeting, email]);
      await q.run('INSERT INTO public_registrations (id, tenant, meeting, email, hash, created) VALUES (?, ?, ?, ?, ?, ?)', [newToken().slice(0, 16), tenant, meeting, email, tokenHash(token), now]);
    });
    return { token };
  }

  /** Whether the token is a valid, unrevoked access token of this meeting. Reads only: no use is recorded. */
  async valid(tenant: string, meeting: string, token: string): Promise<boolean> {
    const r = await this.db.get<{ tenant: string; meeting: string; revoked: number | null }>('SELECT tenant, meeting, revoked FROM public_registrations WHERE hash = ?', [tokenHash(token)]);
    return !!r && r.tenant === tenant && r.meeting === meeting && r.revoked === null;
  }

  /** The viewer revokes their own link; true if it was valid. */
  async revokeToken(tenant: string, meeting: string, token: string, now = Date.now()): Promise<boolean> {
    return (await this.db.run('UPDATE public_registrations SET revoked = ? WHERE hash = ? AND tenant = ? AND meeting = ? AND revoked IS NULL', [now, tokenHash(token), tenant, meeting])) === 1;
  }

  /** The administration revokes a registration by its id; returns the meeting and token hash, for cutting live connections. */
  async revokeId(tenant: string, id: string, now = Date.now()): Promise<{ meeting: string; hash: string } | undefined> {
    const r = await this.db.get<{ meeting: string; hash: string }>('SELECT meeting, hash FROM public_registrations WHERE tenant = ? AND id = ? AND revoked IS NULL', [tenant, id]);
    if (!r) return undefined;
    await this.db.run('UPDATE public_registrations SET revoked = ? WHERE tenant = ? AND id = ?', [now, tenant, id]);
    return r;
  }

  list(tenant: string, meeting?: string): Promise<RegistrationRow[]> {
    const sql = `SELECT id, meeting, email, created, revoked FROM public_registrations WHERE tenant = ?${meeting ? ' AND meeting = ?' : ''} ORDER BY created`;
    return this.db.all<RegistrationRow>(sql, meeting ? [tenant, meeting] : [tenant]);
  }
}

export { tokenHash as accessTokenHash };
