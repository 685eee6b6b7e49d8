/**
 * The tenant's audit log (SEC-4): every admin change as the request the admin key signed (anyone holding
 * the tenant key can re-check it), and what the relay itself decided about identities (enrolments,
 * failed and locked logins). Append-only; filtered by action, actor, text and time; exported whole.
 * Beside it, the replay guard of the admin API: every signed request once, across restarts.
 */
import { toHex } from '../crypto/bytes.js';
import { sha256 } from '../crypto/hash.js';
import type { AuditEntry } from '../core/identity.js';
import type { Sql } from './sql.js';

export interface AuditFilter {
  action?: string;
  actor?: string;
  person?: string;
  text?: string;
  from?: number;
  to?: number;
  limit?: number;
}

export class AuditLog {
  constructor(private readonly db: Sql) {}

  async add(tenant: string, e: Omit<AuditEntry, 'n'>): Promise<void> {
    await this.db.run('INSERT INTO audit (tenant, at, actor, action, person, summary, request, sig) VALUES (?, ?, ?, ?, ?, ?, ?, ?)', [tenant, e.at, e.actor, e.action, e.person, e.summary, e.request, e.sig]);
  }

  /**
   * Claims a signed admin request (the bytes its signature covers, so a re-encoded signature is the same
   * request) until `expires`: true the first time, false for a replay, on any relay of the database. Kept on
   * disk, so a restart forgets nothing.
   */
  async claim(signedInput: Uint8Array, expires: number, now = Date.now()): Promise<boolean> {
    await this.db.run('DELETE FROM admin_requests WHERE expires < ?', [now]);
    return (await this.db.run('INSERT INTO admin_requests (hash, expires) VALUES (?, ?) ON CONFLICT (hash) DO NOTHING', [toHex(sha256(signedInput)), expires])) === 1;
  }

  list(tenant: string, f: AuditFilter = {}): Promise<AuditEntry[]> {
    const where = ['tenant = ?'];
    const args: (string | number)[] = [tenant];
    if (f.action) where.push('action = ?'), args.push(f.action);
    if (f.actor) where.push('actor = ?'), args.push(f.actor);
    if (f.person) where.push('person = ?'), args.push(f.person);
    if (f.from !== undefined) where.push('at >= ?'), args.push(f.from);
    if (f.to !== undefined) where.push('at <= ?'), args.push(f.to);
    // SQLite's LIKE ignores the case of ASCII letters; PostgreSQL's ILIKE does so for all.
    const like = this.db.dialect === 'postgres' ? 'ILIKE' : 'LIKE';
    if (f.text) where.push(`(summary ${like} ? ESCAPE '\\' OR person ${like} ? ESCAPE '\\')`), args.push(...Array(2).fill(`%${f.text.replace(/[\\%_]/g, (c) => `\\${c}`)}%`));
    const limit = Math.min(Math.max(f.limit ?? 1000, 1), 10_000);
    return this.db.all<AuditEntry>(`SELECT n, at, actor, action, person, summary, request, sig FROM audit WHERE ${where.join(' AND ')} ORDER BY n DESC LIMIT ${limit}`, args);
  }
}
