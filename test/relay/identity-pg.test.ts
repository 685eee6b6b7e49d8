/**
 * The identity database's contract (test/relay/identity-suite.ts) on PostgreSQL, against a real server started
 * for this file (test/helpers/postgres.ts): two relays' pools on one database, which is what relays on several
 * hosts share. `dump` reads every row of every table as text through a client of its own.
 */
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PG_IDENTITY_SCHEMA_VERSION } from '../../relay/identity-schema.js';
import { openIdentityDatabases } from '../../relay/store-open.js';
import { openPostgres } from '../../relay/store-pg.js';
import { pgQuery as query, type Postgres, startPostgres } from '../helpers/postgres.js';
import { cleanup, tempDir } from '../helpers/relay.js';
import { identitySuite } from './identity-suite.js';

let server: Postgres;
beforeAll(async () => {
  server = await startPostgres();
}, 120_000);
afterAll(() => server?.stop(), 60_000);

identitySuite('identity database on PostgreSQL', async () => {
  const url = await server.createDatabase();
  const dataDir = tempDir();
  // Both relays start at once: one migrates, the other waits for it.
  const [a, b] = await Promise.all([openIdentityDatabases(dataDir, url), openIdentityDatabases(dataDir, url)]);
  const store = await openPostgres(url);
  const dump = async () => {
    const tables = await query<{ tablename: string }>(url, "SELECT tablename FROM pg_tables WHERE schemaname = 'public' ORDER BY tablename");
    const rows: string[] = [];
    for (const { tablename } of tables) for (const r of await query<{ row: string }>(url, `SELECT t::text AS row FROM ${tablename} t`)) rows.push(r.row);
    return Buffer.from(rows.join('\n'));
  };
  return {
    a,
    b,
    store,
    dataDir,
    dump,
    close: async () => {
      await Promise.all([a.close(), b.close(), store.close()]);
      cleanup(dataDir);
    },
  };
});

describe('identity schema versions on PostgreSQL', { timeout: 60_000 }, () => {
  it('AV-1 the identity tables migrate once beside the session log; a database from a newer relay is refused', async () => {
    const url = await server.createDatabase();
    const dir = tempDir();
    try {
      const opened = await Promise.all([0, 1, 2].map(() => openIdentityDatabases(dir, url)));
      await Promise.all(opened.map((d) => d.close()));
      expect(await query(url, 'SELECT version FROM ratsraum_identity_schema')).toEqual([{ version: PG_IDENTITY_SCHEMA_VERSION }]);
      const tables = (await query<{ tablename: string }>(url, "SELECT tablename FROM pg_tables WHERE schemaname = 'public'")).map((t) => t.tablename);
      for (const t of ['totp', 'sessions', 'enrolments', 'invitations', 'audit', 'tenant_settings', 'public_registrations', 'questions', 'retention_records', 'oparl_person', 'oparl_import']) expect(tables).toContain(t);
      await query(url, 'UPDATE ratsraum_identity_schema SET version = $1', [PG_IDENTITY_SCHEMA_VERSION + 1]);
      await expect(openIdentityDatabases(dir, url)).rejects.toThrow(/identity database: database schema version .* is newer than this relay/);
    } finally {
      cleanup(dir);
    }
  });
});
