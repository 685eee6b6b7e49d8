/**
 * The relay's store: tenants, device certificates and envelopes in SQLite. WAL with synchronous=NORMAL:
 * a committed (acknowledged) envelope survives kill -9 of the relay; after a power cut the last
 * transactions may be lost, and devices resend them, since they keep every envelope until it is stored.
 * A narrow, Promise-returning interface, so the PostgreSQL store (relay/store-pg.ts) runs the same suite
 * (test/relay/store-suite.ts) and several relays can share one database. The SQLite schema is versioned by
 * `PRAGMA user_version`; MIGRATIONS[i] brings a database from version i to i+1, in one transaction.
 */
import Database from 'better-sqlite3';
import { type Cert, chainKey } from '../crypto/cert.js';
import { byIssue, currentVersion } from '../core/directory.js';
import type { Frontier, SignedBeacon } from '../core/wire.js';

export interface StoredEnvelope {
  doc: string;
  author: string;
  seq: number;
  id: string;
  wire: Uint8Array;
}

export interface Store {
  tenantKey(tenant: string): Promise<string | undefined>;
  putTenant(tenant: string, keyHex: string): Promise<void>;
  tenants(): Promise<string[]>;
  /** Every certificate version of the tenant (history: none replaces another), per device in issue order. */
  certs(tenant: string): Promise<Cert[]>;
  /** The device's certificate as it stands now: its first revocation, else its newest version. */
  cert(tenant: string, device: string): Promise<Cert | undefined>;
  /** Every version of one device, in issue order. */
  certHistory(tenant: string, device: string): Promise<Cert[]>;
  /** The tenant's key and `certHistory` of the device, in one lookup: what checking an entry's author takes. */
  authorCerts(tenant: string, device: string): Promise<{ tenantKey: string | undefined; history: Cert[] }>;
  /** Adds a version (a version already held, by signature, is ignored). */
  putCert(cert: Cert): Promise<void>;
  /** Per chain (`meeting/doc`) of the device, the highest seq stored. */
  chainsOf(tenant: string, device: string): Promise<Record<string, number>>;
  /** The latest signed heads (beacon) of each device and doc scope of a meeting. */
  putBeacon(tenant: string, meeting: string, scope: string, b: SignedBeacon): Promise<void>;
  beacons(tenant: string, meeting: string): Promise<SignedBeacon[]>;
  /** The newest signed time (`at`, ms) of any stored beacon, 0 without one: a clock witness for retention. */
  newestBeacon(): Promise<number>;
  has(tenant: string, meeting: string, id: string): Promise<boolean>;
  /** The subset of `ids` stored for the meeting. */
  hasIds(tenant: string, meeting: string, ids: readonly string[]): Promise<Set<string>>;
  get(tenant: string, meeting: string, id: string): Promise<StoredEnvelope | undefined>;
  at(tenant: string, meeting: string, doc: string, author: string, seq: number): Promise<StoredEnvelope | undefined>;
  /** The author's chain at `seq`, in one lookup: the id stored at `seq`, the `head`, and the envelope at `seq - 1`. */
  chainAt(tenant: string, meeting: string, doc: string, author: string, seq: number): Promise<{ at: string | undefined; head: number; prev: StoredEnvelope | undefined }>;
  /** The stored envelopes among `ids`, in any order (one lookup for an entry's dependencies). */
  getMany(tenant: string, meeting: string, ids: readonly string[]): Promise<StoredEnvelope[]>;
  insert(tenant: string, meeting: string, e: StoredEnvelope): Promise<void>;
  frontier(tenant: string, meeting: string, docs: readonly string[]): Promise<Frontier>;
  /** Envelopes of `docs` the holder of `f` lacks, in insertion order (a valid send order). */
  missingFor(tenant: string, meeting: string, docs: readonly string[], f: Frontier): Promise<StoredEnvelope[]>;
  all(tenant: string, meeting: string, docs: readonly string[]): Promise<StoredEnvelope[]>;
  /** At most `limit` envelopes of the meeting stored after position `after` (0: from the start), in insertion order. */
  page(tenant: string, meeting: string, after: number, limit: number): Promise<(StoredEnvelope & { n: number })[]>;
  /** Envelopes and bytes of wire stored in the meeting, per author (storage quotas). */
  usage(tenant: string, meeting: string): Promise<{ author: string; count: number; bytes: number }[]>;
  meetings(tenant: string): Promise<string[]>;
  count(): Promise<number>;
  ping(): Promise<boolean>;
  close(): Promise<void>;
}

const MIGRATIONS: string[] = [
  `CREATE TABLE IF NOT EXISTS tenants (id TEXT PRIMARY KEY, key TEXT NOT NULL);
   CREATE TABLE IF NOT EXISTS certs (tenant TEXT NOT NULL, device TEXT NOT NULL, cert TEXT NOT NULL, PRIMARY KEY (tenant, device));
   CREATE TABLE IF NOT EXISTS envelopes (
     n INTEGER PRIMARY KEY AUTOINCREMENT,
     tenant TEXT NOT NULL, meeting TEXT NOT NULL, doc TEXT NOT NULL, author TEXT NOT NULL, seq INTEGER NOT NULL,
     id TEXT NOT NULL, wire BLOB NOT NULL, received INTEGER NOT NULL,
     UNIQUE (tenant, meeting, doc, author, seq)
   );
   CREATE UNIQUE INDEX IF NOT EXISTS envelopes_id ON envelopes (tenant, meeting, id);`,
  // Sending what a device lacks walks a meeting in insertion order.
  `CREATE INDEX IF NOT EXISTS envelopes_meeting_n ON envelopes (tenant, meeting, n);`,
  // Certificates as history (every version kept), and the latest signed heads per device for export records.
  `CREATE TABLE IF NOT EXISTS cert_versions (tenant TEXT NOT NULL, device TEXT NOT NULL, sig TEXT NOT NULL, cert TEXT NOT NULL, PRIMARY KEY (tenant, sig));
   CREATE INDEX IF NOT EXISTS cert_versions_device ON cert_versions (tenant, device);
   CREATE TABLE IF NOT EXISTS certs (tenant TEXT NOT NULL, device TEXT NOT NULL, cert TEXT NOT NULL, PRIMARY KEY (tenant, device));
   INSERT OR IGNORE INTO cert_versions (tenant, device, sig, cert) SELECT tenant, device, json_extract(cert, '$.sig'), cert FROM certs;
   DROP TABLE certs;
   CREATE TABLE IF NOT EXISTS beacons (tenant TEXT NOT NULL, meeting TEXT NOT NULL, author TEXT NOT NULL, scope TEXT NOT NULL, at INTEGER NOT NULL, beacon TEXT NOT NULL, PRIMARY KEY (tenant, meeting, author, scope));
   CREATE INDEX IF NOT EXISTS envelopes_author ON envelopes (tenant, author);`,
];
export const SCHEMA_VERSION = MIGRATIONS.length;

function migrate(db: Database.Database): void {
  const at = db.pragma('user_version', { simple: true }) as number;
  if (at > MIGRATIONS.length) throw new Error(`relay store: database schema version ${at} is newer than this relay (${MIGRATIONS.length})`);
  for (let v = at; v < MIGRATIONS.length; v++)
    db.transaction(() => {
      db.exec(MIGRATIONS[v]!);
      db.pragma(`user_version = ${v + 1}`);
    })();
}

export function openSqlite(file: string): Store {
  const db = new Database(file);
  db.pragma('journal_mode = WAL');
  db.pragma('synchronous = NORMAL');
  db.pragma('busy_timeout = 5000');
  migrate(db);
  const q = {
    tenantKey: db.prepare<[string], { key: string }>('SELECT key FROM tenants WHERE id = ?'),
    putTenant: db.prepare('INSERT INTO tenants (id, key) VALUES (?, ?) ON CONFLICT (id) DO UPDATE SET key = excluded.key'),
    tenants: db.prepare<[], { id: string }>('SELECT id FROM tenants ORDER BY id'),
    certs: db.prepare<[string], { cert: string }>('SELECT cert FROM cert_versions WHERE tenant = ? ORDER BY device'),
    certHistory: db.prepare<[string, string], { cert: string }>('SELECT cert FROM cert_versions WHERE tenant = ? AND device = ?'),
    authorCerts: db.prepare<{ t: string; d: string }, { key: string | null; cert: string | null }>(
      'SELECT (SELECT key FROM tenants WHERE id = @t) AS key, c.cert FROM (SELECT 1) LEFT JOIN cert_versions c ON c.tenant = @t AND c.device = @d',
    ),
    putCert: db.prepare('INSERT OR IGNORE INTO cert_versions (tenant, device, sig, cert) VALUES (?, ?, ?, ?)'),
    chainsOf: db.prepare<[string, string], { meeting: string; doc: string; s: number }>('SELECT meeting, doc, MAX(seq) AS s FROM envelopes WHERE tenant = ? AND author = ? GROUP BY meeting, doc'),
    putBeacon: db.prepare(
      'INSERT INTO beacons (tenant, meeting, author, scope, at, beacon) VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT (tenant, meeting, author, scope) DO UPDATE SET at = excluded.at, beacon = excluded.beacon WHERE excluded.at > beacons.at',
    ),
    beacons: db.prepare<[string, string], { beacon: string }>('SELECT beacon FROM beacons WHERE tenant = ? AND meeting = ? ORDER BY author, scope'),
    byId: db.prepare<[string, string, string], { doc: string }>('SELECT doc FROM envelopes WHERE tenant = ? AND meeting = ? AND id = ?'),
    get: db.prepare<[string, string, string], StoredEnvelope>('SELECT doc, author, seq, id, wire FROM envelopes WHERE tenant = ? AND meeting = ? AND id = ?'),
    at: db.prepare<[string, string, string, string, number], StoredEnvelope>(
      'SELECT doc, author, seq, id, wire FROM envelopes WHERE tenant = ? AND meeting = ? AND doc = ? AND author = ? AND seq = ?',
    ),
    chainAt: db.prepare<{ t: string; m: string; d: string; a: string; s: number }, { at: string | null; head: number | null } & Partial<StoredEnvelope>>(
      `SELECT (SELECT id FROM envelopes WHERE tenant = @t AND meeting = @m AND doc = @d AND author = @a AND seq = @s) AS at,
              (SELECT MAX(seq) FROM envelopes WHERE tenant = @t AND meeting = @m AND doc = @d AND author = @a) AS head,
              p.doc, p.author, p.seq, p.id, p.wire
       FROM (SELECT 1) LEFT JOIN envelopes p ON p.tenant = @t AND p.meeting = @m AND p.doc = @d AND p.author = @a AND p.seq = @s - 1`,
    ),
    insert: db.prepare('INSERT INTO envelopes (tenant, meeting, doc, author, seq, id, wire, received) VALUES (?, ?, ?, ?, ?, ?, ?, ?)'),
    frontier: db.prepare<[string, string], { doc: string; author: string; s: number }>(
      'SELECT doc, author, MAX(seq) AS s FROM envelopes WHERE tenant = ? AND meeting = ? GROUP BY doc, author',
    ),
    all: db.prepare<[string, string], StoredEnvelope>('SELECT doc, author, seq, id, wire FROM envelopes WHERE tenant = ? AND meeting = ? ORDER BY n'),
    page: db.prepare<[string, string, number, number], StoredEnvelope & { n: number }>(
      'SELECT n, doc, author, seq, id, wire FROM envelopes WHERE tenant = ? AND meeting = ? AND n > ? ORDER BY n LIMIT ?',
    ),
    usage: db.prepare<[string, string], { author: string; count: number; bytes: number }>(
      'SELECT author, COUNT(*) AS count, SUM(length(wire)) AS bytes FROM envelopes WHERE tenant = ? AND meeting = ? GROUP BY author',
    ),
    meetings: db.prepare<[string], { meeting: string }>('SELECT DISTINCT meeting FROM envelopes WHERE tenant = ? ORDER BY meeting'),
    count: db.prepare<[], { c: number }>('SELECT COUNT(*) AS c FROM envelopes'),
  };
  const toEnvelope = (r: StoredEnvelope): StoredEnvelope => ({ ...r, wire: new Uint8Array(r.wire) });

  const store: Sync<Store> = {
    tenantKey: (t) => q.tenantKey.get(t)?.key,
    putTenant: (t, k) => void q.putTenant.run(t, k),
    tenants: () => q.tenants.all().map((r) => r.id),
    certs(t) {
      const byDevice = new Map<string, Cert[]>();
      for (const r of q.certs.all(t)) {
        const c = JSON.parse(r.cert) as Cert;
        byDevice.set(c.body.device, [...(byDevice.get(c.body.device) ?? []), c]);
      }
      return [...byDevice.values()].flatMap((list) => list.sort(byIssue));
    },
    certHistory: (t, d) => q.certHistory.all(t, d).map((r) => JSON.parse(r.cert) as Cert).sort(byIssue),
    authorCerts(t, d) {
      const rows = q.authorCerts.all({ t, d });
      return { tenantKey: rows[0]?.key ?? undefined, history: rows.flatMap((r) => (r.cert ? [JSON.parse(r.cert) as Cert] : [])).sort(byIssue) };
    },
    cert: (t, d) => currentVersion(store.certHistory(t, d)),
    putCert: (c) => void q.putCert.run(c.body.tenant, c.body.device, c.sig, JSON.stringify(c)),
    chainsOf: (t, d) => Object.fromEntries(q.chainsOf.all(t, d).map((r) => [chainKey(r.meeting, r.doc), r.s])),
    putBeacon: (t, m, scope, b) => void q.putBeacon.run(t, m, b.author, scope, b.at, JSON.stringify(b)),
    beacons: (t, m) => q.beacons.all(t, m).map((r) => JSON.parse(r.beacon) as SignedBeacon),
    newestBeacon: () => db.prepare<[], { at: number | null }>('SELECT MAX(at) AS at FROM beacons').get()?.at ?? 0,
    has: (t, m, id) => q.byId.get(t, m, id) !== undefined,
    hasIds: (t, m, ids) => new Set(ids.filter((id) => q.byId.get(t, m, id) !== undefined)),
    get: (t, m, id) => {
      const r = q.get.get(t, m, id);
      return r && toEnvelope(r);
    },
    at: (t, m, d, a, s) => {
      const r = q.at.get(t, m, d, a, s);
      return r && toEnvelope(r);
    },
    chainAt(t, m, d, a, s) {
      const r = q.chainAt.get({ t, m, d, a, s })!;
      return { at: r.at ?? undefined, head: r.head ?? 0, prev: r.id ? { doc: r.doc!, author: r.author!, seq: r.seq!, id: r.id, wire: new Uint8Array(r.wire!) } : undefined };
    },
    getMany: (t, m, ids) => ids.flatMap((id) => {
      const r = q.get.get(t, m, id);
      return r ? [toEnvelope(r)] : [];
    }),
    insert: (t, m, e) => void q.insert.run(t, m, e.doc, e.author, e.seq, e.id, e.wire, Date.now()),
    frontier(t, m, docs) {
      const f: Record<string, Record<string, number>> = {};
      for (const r of q.frontier.all(t, m)) if (docs.includes(r.doc)) (f[r.doc] ??= {})[r.author] = r.s;
      return f as Frontier;
    },
    missingFor(t, m, docs, f) {
      const have = f as Record<string, Record<string, number> | undefined>;
      return q.all
        .all(t, m)
        .filter((r) => docs.includes(r.doc) && r.seq > (have[r.doc]?.[r.author] ?? 0))
        .map(toEnvelope);
    },
    all: (t, m, docs) => q.all.all(t, m).filter((r) => docs.includes(r.doc)).map(toEnvelope),
    page: (t, m, after, limit) => q.page.all(t, m, after, limit).map((r) => ({ ...r, wire: new Uint8Array(r.wire) })),
    usage: (t, m) => q.usage.all(t, m),
    meetings: (t) => q.meetings.all(t).map((r) => r.meeting),
    count: () => q.count.get()!.c,
    ping: () => {
      try {
        return db.prepare('SELECT 1 AS one').get() !== undefined;
      } catch {
        return false;
      }
    },
    close: () => db.close(),
  };
  return promised(store);
}

/** The synchronous form of an async interface: what better-sqlite3 gives. */
type Sync<T> = { [K in keyof T]: T[K] extends (...a: infer A) => Promise<infer R> ? (...a: A) => R : never };

/** SQLite answers at once; the interface is async because PostgreSQL (relay/store-pg.ts) answers later. */
function promised<T extends object>(sync: Sync<T>): T {
  const out: Record<string, unknown> = {};
  for (const [k, f] of Object.entries(sync) as [string, (...a: unknown[]) => unknown][]) out[k] = async (...a: unknown[]) => f(...a);
  return out as T;
}
