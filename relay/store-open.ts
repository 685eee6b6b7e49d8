/**
 * Which store a relay uses (`--store`, RATSRAUM_STORE): SQLite in the data folder (the embedded default), or
 * a PostgreSQL database shared by several relay processes. The same setting places the identity database
 * and the OParl directory.
 */
import { join } from 'node:path';
import { openPostgresIdentity, openSqliteDirectory, openSqliteIdentity } from './identity-schema.js';
import type { Sql } from './sql.js';
import { openSqlite, type Store } from './store.js';
import { openPostgres } from './store-pg.js';

export const isPostgresUrl = (spec: string | undefined): boolean => !!spec && /^postgres(ql)?:\/\//.test(spec);

const refuse = (spec: string): never => {
  throw new RangeError(`--store: 'sqlite' or a postgres:// URL, got '${spec.replace(/\/\/[^@/]*@/, '//…@')}'`);
};

export async function openStore(dataDir: string, spec = process.env.RATSRAUM_STORE): Promise<Store> {
  if (!spec || spec === 'sqlite') return openSqlite(join(dataDir, 'relay.sqlite'));
  if (isPostgresUrl(spec)) return openPostgres(spec);
  return refuse(spec);
}

/** The identity database and the OParl directory: two files in the data folder, or tables beside the session log's in PostgreSQL. */
export interface IdentityDatabases {
  identity: Sql;
  directory: Sql;
  close(): Promise<void>;
}

export async function openIdentityDatabases(dataDir: string, spec = process.env.RATSRAUM_STORE): Promise<IdentityDatabases> {
  if (isPostgresUrl(spec)) {
    const db = await openPostgresIdentity(spec!);
    return { identity: db, directory: db, close: () => db.close() };
  }
  if (spec && spec !== 'sqlite') refuse(spec);
  const identity = await openSqliteIdentity(join(dataDir, 'identity.sqlite'));
  const directory = openSqliteDirectory(join(dataDir, 'directory.sqlite'));
  return { identity, directory, close: async () => void (await Promise.all([identity.close(), directory.close()])) };
}
