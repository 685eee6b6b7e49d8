/**
 * The relay's store on PostgreSQL (`ratsraum serve --store postgres://…`): the same contract as the SQLite
 * store (test/relay/store-suite.ts), shared by every relay process of a data centre. Each write is one
 * statement in its own transaction; its promise resolves after COMMIT, and the relay acknowledges an envelope
 * only then, so a relay killed at any moment loses no acknowledged envelope (synchronous_commit stays on).
 * Migrations are numbered (table `ratsraum_schema`); relays starting together take an advisory lock, so one
 * migrates and the others wait.
 */
import pg from 'pg';
import { type Cert, chainKey } from '../crypto/cert.js';
import { byIssue, currentVersion } from '../core/directory.js';
import type { Frontier, SignedBeacon } from '../core/wire.js';
import { migrate } from './sql.js';
import type { Store, StoredEnvelope } from './store.js';

/** MIGRATIONS[i] brings a database from version i to i+1, in one transaction. */
const MIGRATIONS: string[] = [
  `CREATE TABLE tenants (id TEXT PRIMARY KEY, key TEXT NOT NULL);
   CREATE TABLE cert_versions (tenant TEXT NOT NULL, device TEXT NOT NULL, sig TEXT NOT NULL, cert TEXT NOT NULL, PRIMARY KEY (tenant, sig));
   CREATE INDEX cert_versions_device ON cert_versions (tenant, device);
   CREATE TABLE envelopes (
     n BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
     tenant TEXT NOT NULL, meeting TEXT NOT NULL, doc TEXT NOT NULL, author TEXT NOT NULL, seq INTEGER NOT NULL,
     id TEXT NOT NULL, wire BYTEA NOT NULL, received BIGINT NOT NULL,
     UNIQUE (tenant, meeting, doc, author, seq)
   );
   CREATE UNIQUE INDEX envelopes_id ON envelopes (tenant, meeting, id);
   CREATE INDEX envelopes_meeting_n ON envelopes (tenant, meeting, n);
   CREATE INDEX envelopes_author ON envelopes (tenant, author);
   CREATE TABLE beacons (tenant TEXT NOT NULL, meeting TEXT NOT NULL, author TEXT NOT NULL, scope TEXT NOT NULL, at BIGINT NOT NULL, beacon TEXT NOT NULL, PRIMARY KEY (tenant, meeting, author, scope));`,
];
export const PG_SCHEMA_VERSION = MIGRATIONS.length;
/** Any fixed number: the advisory lock relays take while they migrate. */
export const MIGRATION_LOCK = 0x52617473;

type Row = { doc: string; author: string; seq: number; id: string; wire: Buffer };
const toEnvelope = (r: Row): StoredEnvelope => ({ doc: r.doc, author: r.author, seq: r.seq, id: r.id, wire: new Uint8Array(r.wire) });
const ENVELOPE = 'doc, author, seq, id, wire';

export async function openPostgres(url: string, opts: { max?: number } = {}): Promise<Store> {
  const pool = new pg.Pool({ connectionString: url, max: opts.max ?? 10 });
  // An idle connection the server dropped must not take the relay down; the next query reconnects.
  pool.on('error', () => {});
  try {
    await migrate(pool, { table: 'ratsraum_schema', migrations: MIGRATIONS, lock: MIGRATION_LOCK, what: 'relay store' });
  } catch (e) {
    await pool.end();
    throw e;
  }
  const rows = async <R extends pg.QueryResultRow>(sql: string, args: unknown[] = []): Promise<R[]> => (await pool.query<R>(sql, args)).rows;
  const one = async <R extends pg.QueryResultRow>(sql: string, args: unknown[] = []): Promise<R | undefined> => (await rows<R>(sql, args))[0];
  const certHistory = async (t: string, d: string) => (await rows<{ cert: string }>('SELECT cert FROM cert_versions WHERE tenant = $1 AND device = $2', [t, d])).map((r) => JSON.parse(r.cert) as Cert).sort(byIssue);

  return {
    tenantKey: async (t) => (await one<{ key: string }>('SELECT key FROM tenants WHERE id = $1', [t]))?.key,
    putTenant: async (t, k) => void (await pool.query('INSERT INTO tenants (id, key) VALUES ($1, $2) ON CONFLICT (id) DO UPDATE SET key = excluded.key', [t, k])),
    tenants: async () => (await rows<{ id: string }>('SELECT id FROM tenants ORDER BY id COLLATE "C"')).map((r) => r.id),
    async certs(t) {
      const byDevice = new Map<string, Cert[]>();
      for (const r of await rows<{ cert: string }>('SELECT cert FROM cert_versions WHERE tenant = $1 ORDER BY device COLLATE "C"', [t])) {
        const c = JSON.parse(r.cert) as Cert;
        byDevice.set(c.body.device, [...(byDevice.get(c.body.device) ?? []), c]);
      }
      return [...byDevice.values()].flatMap((list) => list.sort(byIssue));
    },
    certHistory,
    async authorCerts(t, d) {
      const rs = await rows<{ key: string | null; cert: string | null }>('SELECT (SELECT key FROM tenants WHERE id = $1) AS key, c.cert FROM (SELECT 1) x LEFT JOIN cert_versions c ON c.tenant = $1 AND c.device = $2', [t, d]);
      return { tenantKey: rs[0]?.key ?? undefined, history: rs.flatMap((r) => (r.cert ? [JSON.parse(r.cert) as Cert] : [])).sort(byIssue) };
    },
    cert: async (t, d) => currentVersion(await certHistory(t, d)),
    putCert: async (c) => void (await pool.query('INSERT INTO cert_versions (tenant, device, sig, cert) VALUES ($1, $2, $3, $4) ON CONFLICT DO NOTHING', [c.body.tenant, c.body.device, c.sig, JSON.stringify(c)])),
    chainsOf: async (t, d) =>
      Object.fromEntries((await rows<{ meeting: string; doc: string; s: number }>('SELECT meeting, doc, MAX(seq) AS s FROM envelopes WHERE tenant = $1 AND author = $2 GROUP BY meeting, doc', [t, d])).map((r) => [chainKey(r.meeting, r.doc), r.s])),
    putBeacon: async (t, m, scope, b) =>
      void (await pool.query(
        'INSERT INTO beacons (tenant, meeting, author, scope, at, beacon) VALUES ($1, $2, $3, $4, $5, $6) ON CONFLICT (tenant, meeting, author, scope) DO UPDATE SET at = excluded.at, beacon = excluded.beacon WHERE excluded.at > beacons.at',
        [t, m, b.author, scope, b.at, JSON.stringify(b)],
      )),
    beacons: async (t, m) => (await rows<{ beacon: string }>('SELECT beacon FROM beacons WHERE tenant = $1 AND meeting = $2 ORDER BY author COLLATE "C", scope COLLATE "C"', [t, m])).map((r) => JSON.parse(r.beacon) as SignedBeacon),
    newestBeacon: async () => (await one<{ at: number | null }>('SELECT MAX(at)::float8 AS at FROM beacons'))?.at ?? 0,
    has: async (t, m, id) => (await one('SELECT 1 FROM envelopes WHERE tenant = $1 AND meeting = $2 AND id = $3', [t, m, id])) !== undefined,
    hasIds: async (t, m, ids) => new Set((await rows<{ id: string }>('SELECT id FROM envelopes WHERE tenant = $1 AND meeting = $2 AND id = ANY($3)', [t, m, [...ids]])).map((r) => r.id)),
    get: async (t, m, id) => {
      const r = await one<Row>(`SELECT ${ENVELOPE} FROM envelopes WHERE tenant = $1 AND meeting = $2 AND id = $3`, [t, m, id]);
      return r && toEnvelope(r);
    },
    at: async (t, m, d, a, s) => {
      const r = await one<Row>(`SELECT ${ENVELOPE} FROM envelopes WHERE tenant = $1 AND meeting = $2 AND doc = $3 AND author = $4 AND seq = $5`, [t, m, d, a, s]);
      return r && toEnvelope(r);
    },
    async chainAt(t, m, d, a, s) {
      const r = (await one<{ at: string | null; head: number | null } & Partial<Row>>(
        `SELECT (SELECT id FROM envelopes WHERE tenant = $1 AND meeting = $2 AND doc = $3 AND author = $4 AND seq = $5) AS at,
                (SELECT MAX(seq) FROM envelopes WHERE tenant = $1 AND meeting = $2 AND doc = $3 AND author = $4) AS head,
                p.doc, p.author, p.seq, p.id, p.wire
         FROM (SELECT 1) x LEFT JOIN envelopes p ON p.tenant = $1 AND p.meeting = $2 AND p.doc = $3 AND p.author = $4 AND p.seq = $5::int - 1`,
        [t, m, d, a, s],
      ))!;
      return { at: r.at ?? undefined, head: r.head ?? 0, prev: r.id ? toEnvelope(r as Row) : undefined };
    },
    getMany: async (t, m, ids) => (await rows<Row>(`SELECT ${ENVELOPE} FROM envelopes WHERE tenant = $1 AND meeting = $2 AND id = ANY($3)`, [t, m, [...ids]])).map(toEnvelope),
    // Autocommit: resolved once COMMIT is durable; a duplicate (doc, author, seq) or id is refused (23505).
    // The meeting's lock is taken before the row draws its position and held until COMMIT, so a meeting's
    // positions commit in their order: a reader that sees position n sees every lower one (the cluster's walk
    // by `page` relies on it). Without it a slow insert could commit a lower n after a higher one was read.
    insert: async (t, m, e) =>
      void (await pool.query(
        `WITH locked AS (SELECT pg_advisory_xact_lock(hashtextextended($1::text || E'\\n' || $2::text, 0)))
         INSERT INTO envelopes (tenant, meeting, doc, author, seq, id, wire, received) SELECT $1::text, $2::text, $3::text, $4::text, $5::int, $6::text, $7::bytea, $8::bigint FROM locked`,
        [t, m, e.doc, e.author, e.seq, e.id, Buffer.from(e.wire), Date.now()],
      )),
    async frontier(t, m, docs) {
      const f: Record<string, Record<string, number>> = {};
      for (const r of await rows<{ doc: string; author: string; s: number }>('SELECT doc, author, MAX(seq) AS s FROM envelopes WHERE tenant = $1 AND meeting = $2 AND doc = ANY($3) GROUP BY doc, author', [t, m, [...docs]])) (f[r.doc] ??= {})[r.author] = r.s;
      return f as Frontier;
    },
    async missingFor(t, m, docs, f) {
      const have = f as Record<string, Record<string, number> | undefined>;
      return (await rows<Row>(`SELECT ${ENVELOPE} FROM envelopes WHERE tenant = $1 AND meeting = $2 AND doc = ANY($3) ORDER BY n`, [t, m, [...docs]])).filter((r) => r.seq > (have[r.doc]?.[r.author] ?? 0)).map(toEnvelope);
    },
    all: async (t, m, docs) => (await rows<Row>(`SELECT ${ENVELOPE} FROM envelopes WHERE tenant = $1 AND meeting = $2 AND doc = ANY($3) ORDER BY n`, [t, m, [...docs]])).map(toEnvelope),
    page: async (t, m, after, limit) =>
      (await rows<Row & { n: number }>(`SELECT n::float8 AS n, ${ENVELOPE} FROM envelopes WHERE tenant = $1 AND meeting = $2 AND n > $3 ORDER BY n LIMIT $4`, [t, m, after, limit])).map((r) => ({ ...toEnvelope(r), n: r.n })),
    usage: async (t, m) => rows<{ author: string; count: number; bytes: number }>('SELECT author, COUNT(*)::int AS count, SUM(length(wire))::float8 AS bytes FROM envelopes WHERE tenant = $1 AND meeting = $2 GROUP BY author', [t, m]),
    meetings: async (t) => (await rows<{ meeting: string }>('SELECT meeting FROM envelopes WHERE tenant = $1 GROUP BY meeting ORDER BY meeting COLLATE "C"', [t])).map((r) => r.meeting),
    count: async () => (await one<{ c: number }>('SELECT COUNT(*)::int AS c FROM envelopes'))!.c,
    ping: async () => {
      try {
        return (await one('SELECT 1 AS one')) !== undefined;
      } catch {
        return false;
      }
    },
    close: () => pool.end(),
  };
}
