/**
 * A small async SQL seam for the relay's identity and directory databases: the same statements (with `?`
 * placeholders) run on SQLite (better-sqlite3, the embedded default) and on PostgreSQL (`pg`, shared by the
 * relays of a data centre). Where the dialects differ a module writes both statements and picks by `dialect`.
 * Every promise resolves after the statement (or the transaction's COMMIT) is done.
 */
import { resolve } from 'node:path';
import Database from 'better-sqlite3';
import pg from 'pg';

export type SqlArg = string | number | null | Uint8Array;
export type Dialect = 'sqlite' | 'postgres';

export interface Query {
  readonly dialect: Dialect;
  all<R>(sql: string, args?: readonly SqlArg[]): Promise<R[]>;
  get<R>(sql: string, args?: readonly SqlArg[]): Promise<R | undefined>;
  /** Resolves to the number of rows the statement changed. */
  run(sql: string, args?: readonly SqlArg[]): Promise<number>;
}

export interface Sql extends Query {
  /** Runs `fn` in one transaction (BEGIN IMMEDIATE on SQLite, one pooled client on PostgreSQL): all of it, or nothing. */
  tx<T>(fn: (q: Query) => Promise<T>): Promise<T>;
  /** SQLite: moves the WAL's pages into the file and truncates it, so deleted rows are gone from the disk too. */
  checkpoint(): Promise<void>;
  close(): Promise<void>;
}

/** Byte order of text in ORDER BY, the same on both (SQLite compares bytes, PostgreSQL's collation may not). */
export const bytewise = (q: Query): string => (q.dialect === 'postgres' ? 'COLLATE "C"' : 'COLLATE BINARY');

const fileLocks = new Map<string, { held?: Promise<void> }>();

const sqliteArg = (a: SqlArg) => (a instanceof Uint8Array && !Buffer.isBuffer(a) ? Buffer.from(a) : a);

/** SQLite in WAL mode; `schema` (idempotent statements) runs on open. */
export function openSqliteSql(file: string, schema = ''): Sql {
  const db = new Database(file);
  db.pragma('journal_mode = WAL');
  db.pragma('busy_timeout = 5000');
  // Deleted and overwritten rows (old TOTP secrets, spent tokens) are zeroed in the file, not left in free space.
  db.pragma('secure_delete = ON');
  if (schema) db.exec(schema);
  const statements = new Map<string, Database.Statement>();
  const prepared = (sql: string) => {
    let s = statements.get(sql);
    if (!s) statements.set(sql, (s = db.prepare(sql)));
    return s;
  };
  const direct: Query = {
    dialect: 'sqlite',
    all: async <R>(sql: string, args: readonly SqlArg[] = []) => prepared(sql).all(...args.map(sqliteArg)) as R[],
    get: async <R>(sql: string, args: readonly SqlArg[] = []) => prepared(sql).get(...args.map(sqliteArg)) as R | undefined,
    run: async (sql, args = []) => prepared(sql).run(...args.map(sqliteArg)).changes,
  };
  // While a transaction awaits between its statements, statements from outside it wait their turn, on every
  // connection of this process to the file: another connection's write would otherwise wait for the lock
  // synchronously (busy_timeout), blocking the event loop the transaction needs to finish.
  const lock = file === ':memory:' ? {} : (fileLocks.get(resolve(file)) ?? fileLocks.set(resolve(file), {}).get(resolve(file))!);
  // The check and what follows it run without a gap (no await between them), so nothing slips in between.
  const whenFree = async <T>(f: () => T): Promise<Awaited<T>> => {
    while (lock.held) await lock.held;
    return await f();
  };
  return {
    dialect: 'sqlite',
    all: <R>(sql: string, args?: readonly SqlArg[]) => whenFree(() => direct.all<R>(sql, args)),
    get: <R>(sql: string, args?: readonly SqlArg[]) => whenFree(() => direct.get<R>(sql, args)),
    run: (sql, args) => whenFree(() => direct.run(sql, args)),
    async tx<T>(fn: (q: Query) => Promise<T>): Promise<T> {
      while (lock.held) await lock.held;
      let release!: () => void;
      lock.held = new Promise((r) => (release = r));
      try {
        db.exec('BEGIN IMMEDIATE');
        try {
          const r = await fn(direct);
          db.exec('COMMIT');
          return r;
        } catch (e) {
          if (db.inTransaction) db.exec('ROLLBACK');
          throw e;
        }
      } finally {
        lock.held = undefined;
        release();
      }
    },
    checkpoint: () => whenFree(() => void db.pragma('wal_checkpoint(TRUNCATE)')),
    close: () => whenFree(() => void db.close()),
  };
}

/** `?` → `$1, $2, …`, outside quoted strings and identifiers. */
export function numbered(sql: string): string {
  let n = 0;
  let quote: string | undefined;
  let out = '';
  for (const ch of sql) {
    if (quote) {
      if (ch === quote) quote = undefined;
    } else if (ch === "'" || ch === '"') quote = ch;
    else if (ch === '?') {
      out += `$${++n}`;
      continue;
    }
    out += ch;
  }
  return out;
}

// BIGINT (counts, millisecond times) as a JavaScript number: every value the relay keeps is far below 2^53.
const types = {
  getTypeParser: ((oid: number, format?: 'text' | 'binary') => (oid === pg.types.builtins.INT8 ? (v: string) => Number(v) : pg.types.getTypeParser(oid, format))) as typeof pg.types.getTypeParser,
};

const pgArg = (a: SqlArg) => (a instanceof Uint8Array ? Buffer.from(a.buffer, a.byteOffset, a.byteLength) : a);

function pgQuery(c: pg.Pool | pg.PoolClient): Query {
  const rows = async <R>(sql: string, args: readonly SqlArg[] = []) => (await c.query(numbered(sql), args.map(pgArg))).rows as R[];
  return {
    dialect: 'postgres',
    all: rows,
    get: async <R>(sql: string, args?: readonly SqlArg[]) => (await rows<R>(sql, args))[0],
    run: async (sql, args = []) => (await c.query(numbered(sql), args.map(pgArg))).rowCount ?? 0,
  };
}

/** A pool on a PostgreSQL database; `init` (migrations) runs once before the pool is handed out. */
export async function openPostgresSql(url: string, init: (pool: pg.Pool) => Promise<void>, opts: { max?: number } = {}): Promise<Sql> {
  const pool = new pg.Pool({ connectionString: url, max: opts.max ?? 5, types });
  // An idle connection the server dropped must not take the relay down; the next query reconnects.
  pool.on('error', () => {});
  try {
    await init(pool);
  } catch (e) {
    await pool.end();
    throw e;
  }
  return {
    ...pgQuery(pool),
    async tx<T>(fn: (q: Query) => Promise<T>): Promise<T> {
      const c = await pool.connect();
      try {
        await c.query('BEGIN');
        const r = await fn(pgQuery(c));
        await c.query('COMMIT');
        return r;
      } catch (e) {
        await c.query('ROLLBACK').catch(() => {});
        throw e;
      } finally {
        c.release();
      }
    },
    checkpoint: async () => {},
    close: () => pool.end(),
  };
}

/**
 * Brings a PostgreSQL database to the newest of `migrations` (migrations[i] takes version i to i+1), all in
 * one transaction under an advisory lock: relays starting together wait while one migrates. The version is
 * kept in `table`.
 */
export async function migrate(pool: pg.Pool, o: { table: string; migrations: readonly string[]; lock: number; what: string }): Promise<void> {
  const c = await pool.connect();
  try {
    await c.query('BEGIN');
    await c.query('SELECT pg_advisory_xact_lock($1)', [o.lock]);
    await c.query(`CREATE TABLE IF NOT EXISTS ${o.table} (version INTEGER NOT NULL)`);
    const r = await c.query<{ version: number }>(`SELECT version FROM ${o.table}`);
    if (r.rows.length === 0) await c.query(`INSERT INTO ${o.table} (version) VALUES (0)`);
    const at = r.rows[0]?.version ?? 0;
    if (at > o.migrations.length) throw new Error(`${o.what}: database schema version ${at} is newer than this relay (${o.migrations.length})`);
    for (let v = at; v < o.migrations.length; v++) {
      await c.query(o.migrations[v]!);
      await c.query(`UPDATE ${o.table} SET version = $1`, [v + 1]);
    }
    await c.query('COMMIT');
  } catch (e) {
    await c.query('ROLLBACK').catch(() => {});
    throw e;
  } finally {
    c.release();
  }
}
