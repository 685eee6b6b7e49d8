/**
 * The tables of the relay's identity database (invitations, enrolments and sessions, second factors, audit
 * log, settings, public registrations, questions, retention) and of the OParl directory, per dialect: on
 * SQLite idempotent statements run on every open (identity.sqlite, directory.sqlite in the data folder); on
 * PostgreSQL one list of numbered migrations (table `ratsraum_identity_schema`) beside the session log's.
 */
import { oparlSchema } from './oparl/store.js';
import { migrate, openPostgresSql, openSqliteSql, type Sql } from './sql.js';

export const SQLITE_IDENTITY = `
  CREATE TABLE IF NOT EXISTS invitations (
    hash TEXT PRIMARY KEY, tenant TEXT NOT NULL, person TEXT NOT NULL, email TEXT NOT NULL,
    created INTEGER NOT NULL, expires INTEGER NOT NULL, used INTEGER, grant_json TEXT NOT NULL DEFAULT '{}');
  CREATE TABLE IF NOT EXISTS tenant_setups (
    tenant TEXT PRIMARY KEY, name TEXT NOT NULL, hash TEXT NOT NULL, created INTEGER NOT NULL, expires INTEGER NOT NULL, used INTEGER);
  CREATE TABLE IF NOT EXISTS enrolments (
    tenant TEXT NOT NULL, device TEXT NOT NULL, person TEXT NOT NULL, grant_json TEXT NOT NULL, token_hash TEXT NOT NULL,
    dh TEXT, state TEXT NOT NULL, created INTEGER NOT NULL, updated INTEGER NOT NULL, PRIMARY KEY (tenant, device));
  CREATE TABLE IF NOT EXISTS sessions (
    hash TEXT PRIMARY KEY, tenant TEXT NOT NULL, device TEXT NOT NULL, created INTEGER NOT NULL, expires INTEGER NOT NULL);
  CREATE INDEX IF NOT EXISTS sessions_device ON sessions (tenant, device);
  CREATE TABLE IF NOT EXISTS totp (
    tenant TEXT NOT NULL, device TEXT NOT NULL, label TEXT NOT NULL, secret TEXT NOT NULL,
    failures INTEGER NOT NULL DEFAULT 0, locked_until INTEGER NOT NULL DEFAULT 0, last_step INTEGER NOT NULL DEFAULT -1,
    PRIMARY KEY (tenant, device));
  CREATE TABLE IF NOT EXISTS audit (
    n INTEGER PRIMARY KEY AUTOINCREMENT, tenant TEXT NOT NULL, at INTEGER NOT NULL, actor TEXT NOT NULL, action TEXT NOT NULL,
    person TEXT, summary TEXT NOT NULL, request TEXT, sig TEXT UNIQUE);
  CREATE INDEX IF NOT EXISTS audit_tenant ON audit (tenant, n);
  CREATE TABLE IF NOT EXISTS admin_requests (hash TEXT PRIMARY KEY, expires INTEGER NOT NULL);
  CREATE INDEX IF NOT EXISTS admin_requests_expires ON admin_requests (expires);
  CREATE TABLE IF NOT EXISTS tenant_settings (tenant TEXT NOT NULL, name TEXT NOT NULL, value TEXT NOT NULL, updated INTEGER NOT NULL, PRIMARY KEY (tenant, name));
  CREATE TABLE IF NOT EXISTS public_registrations (
    id TEXT PRIMARY KEY, tenant TEXT NOT NULL, meeting TEXT NOT NULL, email TEXT NOT NULL,
    hash TEXT NOT NULL UNIQUE, created INTEGER NOT NULL, revoked INTEGER);
  CREATE INDEX IF NOT EXISTS public_registrations_meeting ON public_registrations (tenant, meeting);
  CREATE TABLE IF NOT EXISTS questions (
    tenant TEXT NOT NULL, meeting TEXT NOT NULL, no INTEGER NOT NULL, name TEXT NOT NULL, email TEXT,
    text TEXT NOT NULL, created INTEGER NOT NULL, PRIMARY KEY (tenant, meeting, no));
  CREATE TABLE IF NOT EXISTS question_numbers (tenant TEXT NOT NULL, meeting TEXT NOT NULL, last INTEGER NOT NULL, PRIMARY KEY (tenant, meeting));
  CREATE TABLE IF NOT EXISTS retention_periods (tenant TEXT NOT NULL, kind TEXT NOT NULL, minutes INTEGER NOT NULL, updated INTEGER NOT NULL, PRIMARY KEY (tenant, kind));
  CREATE TABLE IF NOT EXISTS retention_certification (tenant TEXT PRIMARY KEY, request TEXT NOT NULL, sig TEXT NOT NULL);
  CREATE TABLE IF NOT EXISTS retention_records (tenant TEXT NOT NULL, seq INTEGER NOT NULL, body TEXT NOT NULL, sig TEXT NOT NULL, PRIMARY KEY (tenant, seq));
  CREATE TABLE IF NOT EXISTS retention_clock (id INTEGER PRIMARY KEY CHECK (id = 1), trusted INTEGER NOT NULL);`;

/** MIGRATIONS[i] brings a PostgreSQL database from version i to i+1. Times are milliseconds (BIGINT). */
const MIGRATIONS: string[] = [
  `CREATE TABLE invitations (
     hash TEXT PRIMARY KEY, tenant TEXT NOT NULL, person TEXT NOT NULL, email TEXT NOT NULL,
     created BIGINT NOT NULL, expires BIGINT NOT NULL, used BIGINT, grant_json TEXT NOT NULL DEFAULT '{}');
   CREATE TABLE tenant_setups (
     tenant TEXT PRIMARY KEY, name TEXT NOT NULL, hash TEXT NOT NULL, created BIGINT NOT NULL, expires BIGINT NOT NULL, used BIGINT);
   CREATE TABLE enrolments (
     tenant TEXT NOT NULL, device TEXT NOT NULL, person TEXT NOT NULL, grant_json TEXT NOT NULL, token_hash TEXT NOT NULL,
     dh TEXT, dh_sig TEXT, state TEXT NOT NULL, created BIGINT NOT NULL, updated BIGINT NOT NULL, PRIMARY KEY (tenant, device));
   -- One invitation binds one device: of two relays racing, the second insert is refused (SQLite serialises instead).
   CREATE UNIQUE INDEX enrolments_token ON enrolments (tenant, token_hash);
   CREATE TABLE sessions (
     hash TEXT PRIMARY KEY, tenant TEXT NOT NULL, device TEXT NOT NULL, created BIGINT NOT NULL, expires BIGINT NOT NULL);
   CREATE INDEX sessions_device ON sessions (tenant, device);
   CREATE TABLE totp (
     tenant TEXT NOT NULL, device TEXT NOT NULL, label TEXT NOT NULL, secret TEXT NOT NULL,
     failures INTEGER NOT NULL DEFAULT 0, locked_until BIGINT NOT NULL DEFAULT 0, last_step BIGINT NOT NULL DEFAULT -1,
     PRIMARY KEY (tenant, device));
   CREATE TABLE audit (
     n BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY, tenant TEXT NOT NULL, at BIGINT NOT NULL, actor TEXT NOT NULL, action TEXT NOT NULL,
     person TEXT, summary TEXT NOT NULL, request TEXT, sig TEXT UNIQUE);
   CREATE INDEX audit_tenant ON audit (tenant, n);
   CREATE TABLE admin_requests (hash TEXT PRIMARY KEY, expires BIGINT NOT NULL);
   CREATE INDEX admin_requests_expires ON admin_requests (expires);
   CREATE TABLE tenant_settings (tenant TEXT NOT NULL, name TEXT NOT NULL, value TEXT NOT NULL, updated BIGINT NOT NULL, PRIMARY KEY (tenant, name));
   CREATE TABLE public_registrations (
     id TEXT PRIMARY KEY, tenant TEXT NOT NULL, meeting TEXT NOT NULL, email TEXT NOT NULL,
     hash TEXT NOT NULL UNIQUE, created BIGINT NOT NULL, revoked BIGINT);
   CREATE INDEX public_registrations_meeting ON public_registrations (tenant, meeting);
   CREATE TABLE questions (
     tenant TEXT NOT NULL, meeting TEXT NOT NULL, no INTEGER NOT NULL, name TEXT NOT NULL, email TEXT,
     text TEXT NOT NULL, created BIGINT NOT NULL, PRIMARY KEY (tenant, meeting, no));
   CREATE TABLE retention_periods (tenant TEXT NOT NULL, kind TEXT NOT NULL, minutes BIGINT NOT NULL, updated BIGINT NOT NULL, PRIMARY KEY (tenant, kind));
   CREATE TABLE retention_certification (tenant TEXT PRIMARY KEY, request TEXT NOT NULL, sig TEXT NOT NULL);
   CREATE TABLE retention_records (tenant TEXT NOT NULL, seq INTEGER NOT NULL, body TEXT NOT NULL, sig TEXT NOT NULL, PRIMARY KEY (tenant, seq));
   CREATE TABLE retention_clock (id INTEGER PRIMARY KEY CHECK (id = 1), trusted BIGINT NOT NULL);`,
  oparlSchema('postgres'),
  // A question's number is never given twice, also after retention deleted the meeting's questions.
  `CREATE TABLE question_numbers (tenant TEXT NOT NULL, meeting TEXT NOT NULL, last INTEGER NOT NULL, PRIMARY KEY (tenant, meeting));
   INSERT INTO question_numbers (tenant, meeting, last) SELECT tenant, meeting, MAX(no) FROM questions GROUP BY tenant, meeting;`,
];
export const PG_IDENTITY_SCHEMA_VERSION = MIGRATIONS.length;
/** Not the session log's lock: the two lists migrate independently. */
const MIGRATION_LOCK = 0x52617449;

/** identity.sqlite; data folders from before the dh binding get the column (such enrolments are certified without dh). */
export async function openSqliteIdentity(file: string): Promise<Sql> {
  const sql = openSqliteSql(file, SQLITE_IDENTITY);
  // Check and change in one write transaction: two relays starting on one data folder would both add it otherwise.
  await sql.tx(async (q) => {
    if (!(await q.all<{ name: string }>('PRAGMA table_info(enrolments)')).some((c) => c.name === 'dh_sig')) await q.run('ALTER TABLE enrolments ADD COLUMN dh_sig TEXT');
  });
  return sql;
}

export const openSqliteDirectory = (file: string): Sql => openSqliteSql(file, oparlSchema('sqlite'));

/** Identity and directory tables in one PostgreSQL database (the session log's, as a rule). */
export const openPostgresIdentity = (url: string): Promise<Sql> =>
  openPostgresSql(url, (pool) => migrate(pool, { table: 'ratsraum_identity_schema', migrations: MIGRATIONS, lock: MIGRATION_LOCK, what: 'identity database' }));
