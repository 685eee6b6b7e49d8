/**
 * The tenant's audit log (SEC-4): every admin change as the request the admin key signed (anyone holding
 * the tenant key can re-check it), and what the relay itself decided about identities (enrolments,
 * failed and locked logins). Append-only; filtered by action, actor, text and time; exported whole.
 * Beside it, the replay guard of the admin API: every signed request once, across restarts.
 */
import type Database from 'better-sqlite3';
import { toHex } from '../crypto/bytes.js';
import { sha256 } from '../crypto/hash.js';
import type { AuditEntry } from '../core/identity.js';
import { openIdentityDb } from './identity-db.js';

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
  private readonly db: Database.Database;

  constructor(file: string) {
    this.db = openIdentityDb(
      file,
      `CREATE TABLE IF NOT EXISTS audit (
        n INTEGER PRIMARY KEY AUTOINCREMENT, tenant TEXT NOT NULL, at INTEGER NOT NULL, actor TEXT NOT NULL, action TEXT NOT NULL,
        person TEXT, summary TEXT NOT NULL, request TEXT, sig TEXT UNIQUE);
       CREATE INDEX IF NOT EXISTS audit_tenant ON audit (tenant, n);
       CREATE TABLE IF NOT EXISTS admin_requests (hash TEXT PRIMARY KEY, expires INTEGER NOT NULL);
       CREATE INDEX IF NOT EXISTS admin_requests_expires ON admin_requests (expires);`,
    );
  }

  add(tenant: string, e: Omit<AuditEntry, 'n'>): void {
    this.db.prepare('INSERT INTO audit (tenant, at, actor, action, person, summary, request, sig) VALUES (?, ?, ?, ?, ?, ?, ?, ?)').run(tenant, e.at, e.actor, e.action, e.person, e.summary, e.request, e.sig);
  }

  /**
   * Claims a signed admin request (the bytes its signature covers, so a re-encoded signature is the same
   * request) until `expires`: true the first time, false for a replay. Kept on disk, so a restart forgets nothing.
   */
  claim(signedInput: Uint8Array, expires: number, now = Date.now()): boolean {
    this.db.prepare('DELETE FROM admin_requests WHERE expires < ?').run(now);
    return this.db.prepare('INSERT INTO admin_requests (hash, expires) VALUES (?, ?) ON CONFLICT (hash) DO NOTHING').run(toHex(sha256(signedInput)), expires).changes === 1;
  }

  list(tenant: string, f: AuditFilter = {}): AuditEntry[] {
    const where = ['tenant = ?'];
    const args: (string | number)[] = [tenant];
    if (f.action) where.push('action = ?'), args.push(f.action);
    if (f.actor) where.push('actor = ?'), args.push(f.actor);
    if (f.person) where.push('person = ?'), args.push(f.person);
    if (f.from !== undefined) where.push('at >= ?'), args.push(f.from);
    if (f.to !== undefined) where.push('at <= ?'), args.push(f.to);
    if (f.text) where.push("(summary LIKE ? ESCAPE '\\' OR person LIKE ? ESCAPE '\\')"), args.push(...Array(2).fill(`%${f.text.replace(/[\\%_]/g, (c) => `\\${c}`)}%`));
    const limit = Math.min(Math.max(f.limit ?? 1000, 1), 10_000);
    return this.db.prepare<(string | number)[], AuditEntry>(`SELECT n, at, actor, action, person, summary, request, sig FROM audit WHERE ${where.join(' AND ')} ORDER BY n DESC LIMIT ${limit}`).all(...args);
  }

  close(): void {
    this.db.close();
  }
}
