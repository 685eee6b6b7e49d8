/**
 * Retention on the relay (DS-2; docs/PROTOCOL.md "Retention"): per-tenant periods, kept in the identity database
 * (identity.sqlite, or the data centre's PostgreSQL); a run that deletes what is past its period (that database and `<data>/recordings/<tenant>/`) and leaves a
 * deletion record signed by this data folder's retention key (`<data>/retention.key`), certified by the tenant
 * key through the admin request `retention.save`. Runs on a timer in the relay, from tests, and as
 * `ratsraum retention`. Meeting logs (relay.sqlite) and certificates are never touched.
 */
import { readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { toHex } from '../crypto/bytes.js';
import { publicKeyOf, type Signer, signerFromSeed } from '../crypto/ed25519.js';
import type { AdminRequest } from '../core/identity.js';
import {
  checkPeriods,
  DEFAULT_PERIODS,
  type DeletionBody,
  type DeletionRecord,
  type DeletionsFile,
  type Periods,
  RETENTION_KINDS,
  type RetentionKind,
  recordHash,
  signDeletion,
  trustedNow,
  ZERO_HASH,
} from '../core/retention.js';
import { secretsKey } from './identity-db.js';
import type { Query, Sql } from './sql.js';
import type { Store } from './store.js';

export interface RetentionClock {
  wall(): number;
  /** Monotonic milliseconds (never set back or ahead by an operator). */
  mono(): number;
}
const systemClock: RetentionClock = { wall: () => Date.now(), mono: () => performance.now() };

/** Audit actions that are logins (kind `logins`); every other audit entry is kind `audit`. */
export const LOGIN_ACTIONS = ['login', 'login.failed', 'login.locked', 'session'] as const;
const LOGINS = `(${LOGIN_ACTIONS.map((a) => `'${a}'`).join(', ')})`;

/** One SQL source of a kind: the items of a tenant with the time its period runs from. */
interface Source {
  /** SELECT … AS t FROM … WHERE tenant = ? AND <cond>: one row per item. */
  items: string;
  /** DELETE of exactly those items with t < @cutoff of @tenant. */
  remove: string[];
}

// Per kind the rows it covers. `remove` may list follow-up statements (a revoked device's TOTP secret and sessions).
const SOURCES: Partial<Record<RetentionKind, Source[]>> = {
  invitations: [{ items: 'SELECT COALESCE(used, expires) AS t FROM invitations WHERE tenant = ?', remove: ['DELETE FROM invitations WHERE tenant = @tenant AND COALESCE(used, expires) < @cutoff'] }],
  logins: [
    { items: `SELECT at AS t FROM audit WHERE tenant = ? AND action IN ${LOGINS}`, remove: [`DELETE FROM audit WHERE tenant = @tenant AND action IN ${LOGINS} AND at < @cutoff`] },
    { items: 'SELECT expires AS t FROM sessions WHERE tenant = ?', remove: ['DELETE FROM sessions WHERE tenant = @tenant AND expires < @cutoff'] },
  ],
  audit: [{ items: `SELECT at AS t FROM audit WHERE tenant = ? AND action NOT IN ${LOGINS}`, remove: [`DELETE FROM audit WHERE tenant = @tenant AND action NOT IN ${LOGINS} AND at < @cutoff`] }],
  // PUB-1: a registration is kept from its revocation, else from when it was made; PUB-4: a question from its submission.
  registrations: [{ items: 'SELECT COALESCE(revoked, created) AS t FROM public_registrations WHERE tenant = ?', remove: ['DELETE FROM public_registrations WHERE tenant = @tenant AND COALESCE(revoked, created) < @cutoff'] }],
  questions: [{ items: 'SELECT created AS t FROM questions WHERE tenant = ?', remove: ['DELETE FROM questions WHERE tenant = @tenant AND created < @cutoff'] }],
  'revoked-devices': [
    {
      items: "SELECT updated AS t FROM enrolments WHERE tenant = ? AND state = 'revoked'",
      remove: [
        "DELETE FROM totp WHERE tenant = @tenant AND device IN (SELECT device FROM enrolments WHERE tenant = @tenant AND state = 'revoked' AND updated < @cutoff)",
        "DELETE FROM sessions WHERE tenant = @tenant AND device IN (SELECT device FROM enrolments WHERE tenant = @tenant AND state = 'revoked' AND updated < @cutoff)",
        "DELETE FROM enrolments WHERE tenant = @tenant AND state = 'revoked' AND updated < @cutoff",
      ],
    },
  ],
};

/** `@name` → `?` with the values in order (a statement may name the tenant twice). */
function bind(sql: string, named: Record<string, string | number>): [string, (string | number)[]] {
  const args: (string | number)[] = [];
  return [sql.replace(/@(\w+)/g, (_m, n: string) => (args.push(named[n]!), '?')), args];
}

/** The newest `at` of the admin's signed requests (JSON text) in `table`. */
const newestRequest = (q: Query, table: string, where = '') =>
  q.get<{ t: number | null }>(
    q.dialect === 'postgres' ? `SELECT MAX((request::json->>'at')::float8) AS t FROM ${table}${where}` : `SELECT MAX(json_extract(request, '$.at')) AS t FROM ${table}${where}`,
  );

export interface RetentionView {
  periods: Periods;
  defaults: Periods;
  relayKey: string;
  certified: boolean;
  records: DeletionRecord[];
}

export class Retention {
  private readonly db: Sql;
  private readonly seed: Uint8Array;
  private signer?: Promise<Signer>;
  /** The trusted time of this process's last run and the monotonic clock then. */
  private base?: { trusted: number; mono: number };
  private running: Promise<unknown> = Promise.resolve();
  private timer?: NodeJS.Timeout;
  readonly relayKey: string;

  /** `db`: the identity database; `<data>/retention.key` signs the records (every relay sharing `db` holds the same one). */
  constructor(private readonly o: { dataDir: string; store: Store; db: Sql; clock?: RetentionClock; log?: (m: string) => void }) {
    this.db = o.db;
    this.seed = secretsKey(join(o.dataDir, 'retention.key'));
    this.relayKey = toHex(publicKeyOf(this.seed));
  }

  private get clock(): RetentionClock {
    return this.o.clock ?? systemClock;
  }

  async periods(tenant: string): Promise<Periods> {
    const own = await this.db.all<{ kind: RetentionKind; minutes: number }>('SELECT kind, minutes FROM retention_periods WHERE tenant = ?', [tenant]);
    return { ...DEFAULT_PERIODS, ...Object.fromEntries(own.map((r) => [r.kind, r.minutes])) };
  }

  /**
   * Saves periods from an admin request the tenant key signed (the route checked the signature); the request is
   * kept as the certification of this relay's retention key, which it must name. Throws a RangeError otherwise.
   */
  async save(tenant: string, signed: { req: AdminRequest; sig: string }, now = Date.now()): Promise<Periods> {
    const data = signed.req.data as { periods?: unknown; relayKey?: unknown } | null;
    if (!data || data.relayKey !== this.relayKey) throw new RangeError(`retention: the request must name this relay's retention key ${this.relayKey}`);
    const periods = checkPeriods(data.periods ?? {});
    await this.db.tx(async (q) => {
      for (const [k, m] of Object.entries(periods)) await q.run('INSERT INTO retention_periods (tenant, kind, minutes, updated) VALUES (?, ?, ?, ?) ON CONFLICT (tenant, kind) DO UPDATE SET minutes = excluded.minutes, updated = excluded.updated', [tenant, k, m, now]);
      await q.run('INSERT INTO retention_certification (tenant, request, sig) VALUES (?, ?, ?) ON CONFLICT (tenant) DO UPDATE SET request = excluded.request, sig = excluded.sig', [tenant, JSON.stringify(signed.req), signed.sig]);
    });
    return this.periods(tenant);
  }

  async records(tenant: string): Promise<DeletionRecord[]> {
    return (await this.db.all<{ body: string; sig: string }>('SELECT body, sig FROM retention_records WHERE tenant = ? ORDER BY seq', [tenant])).map((r) => ({ body: JSON.parse(r.body) as DeletionBody, sig: r.sig }));
  }

  private async certification(tenant: string): Promise<DeletionsFile['certification']> {
    const r = await this.db.get<{ request: string; sig: string }>('SELECT request, sig FROM retention_certification WHERE tenant = ?', [tenant]);
    return r ? { req: JSON.parse(r.request) as AdminRequest, sig: r.sig } : null;
  }

  async view(tenant: string): Promise<RetentionView> {
    return { periods: await this.periods(tenant), defaults: DEFAULT_PERIODS, relayKey: this.relayKey, certified: (await this.certification(tenant)) !== null, records: await this.records(tenant) };
  }

  /** What `ratsraum deletions` prints and `ratsraum verify-deletions` checks. */
  async file(tenant: string): Promise<DeletionsFile> {
    const tenantKey = await this.o.store.tenantKey(tenant);
    if (!tenantKey) throw new RangeError(`retention: unknown tenant '${tenant}'`);
    return { format: 'ratsraum-deletions/v1', tenant, tenantKey, relayKey: this.relayKey, certification: await this.certification(tenant), records: await this.records(tenant) };
  }

  /** The newest time witnessed apart from the wall clock now (core/retention.ts `trustedNow`). */
  private async witnessed(wall: number): Promise<number> {
    const held = (await this.db.get<{ trusted: number }>('SELECT trusted FROM retention_clock WHERE id = 1'))?.trusted;
    let t: number;
    if (this.base) t = this.base.trusted + Math.max(0, Math.floor(this.clock.mono() - this.base.mono));
    else if (held !== undefined) t = held;
    else {
      // The first run of a data folder: the newest time the relay wrote into the data it would delete.
      const newest: number[] = [];
      for (const [table, col] of (['invitations:created', 'audit:at', 'enrolments:updated', 'sessions:created', 'public_registrations:created', 'questions:created'] as const).map((s) => s.split(':') as [string, string]))
        newest.push((await this.db.get<{ t: number | null }>(`SELECT MAX(${col}) AS t FROM ${table}`))?.t ?? 0);
      // A fresh folder holds nothing its clock could date too old: it starts from the wall clock.
      t = Math.max(0, ...newest) || wall;
    }
    // Times other clocks signed: a device's beacon, the admin's requests (the tenant key's device).
    const admin = (await newestRequest(this.db, 'audit', " WHERE actor = 'admin' AND request IS NOT NULL"))?.t ?? 0;
    const certified = (await newestRequest(this.db, 'retention_certification'))?.t ?? 0;
    return Math.max(t, await this.o.store.newestBeacon(), admin, certified);
  }

  /** Deletes, for every tenant, what is past its period; returns the records made. One run at a time. */
  run(): Promise<DeletionRecord[]> {
    const next = this.running.then(() => this.runOnce());
    this.running = next.catch(() => {});
    return next;
  }

  private async runOnce(): Promise<DeletionRecord[]> {
    const wall = this.clock.wall();
    const witnessed = await this.witnessed(wall);
    const now = Math.floor(trustedNow(wall, witnessed));
    if (wall - now > 5 * 60_000) this.o.log?.(`retention: the relay's clock (${new Date(wall).toISOString()}) runs ahead of the witnessed time (${new Date(now).toISOString()}); deleting only up to the witnessed time`);
    const made: DeletionRecord[] = [];
    for (const tenant of await this.o.store.tenants()) {
      const periods = await this.periods(tenant);
      for (const kind of RETENTION_KINDS) {
        const cutoff = now - periods[kind] * 60_000;
        if (kind === 'recordings') made.push(...(await this.deleteRecordings(tenant, periods[kind], now, wall)));
        else {
          const r = await this.deleteRows(tenant, kind, cutoff, periods[kind], now, wall);
          if (r) made.push(r);
        }
      }
    }
    await this.db.run('INSERT INTO retention_clock (id, trusted) VALUES (1, ?) ON CONFLICT (id) DO UPDATE SET trusted = excluded.trusted', [now]);
    this.base = { trusted: now, mono: this.clock.mono() };
    // Deleted rows are zeroed in the database file (secure_delete); the WAL still holds their old pages until a checkpoint.
    if (made.length) await this.db.checkpoint();
    return made;
  }

  private async record(tenant: string, kind: RetentionKind, found: { count: number; from: number; to: number }, period: number, cutoff: number, now: number, wall: number): Promise<{ rec: DeletionRecord; store: (q: Query) => Promise<void> }> {
    const last = await this.db.get<{ body: string }>('SELECT body FROM retention_records WHERE tenant = ? ORDER BY seq DESC LIMIT 1', [tenant]);
    const lastBody = last ? (JSON.parse(last.body) as DeletionBody) : undefined;
    this.signer ??= signerFromSeed(this.seed);
    const rec = await signDeletion(await this.signer, { tenant, seq: (lastBody?.seq ?? 0) + 1, prev: lastBody ? recordHash(lastBody) : ZERO_HASH, kind, ...found, period, cutoff, now, wall });
    // The primary key refuses a record made concurrently (another process or relay on the same database): that run rolls back.
    return { rec, store: async (q) => void (await q.run('INSERT INTO retention_records (tenant, seq, body, sig) VALUES (?, ?, ?, ?)', [tenant, rec.body.seq, JSON.stringify(rec.body), rec.sig])) };
  }

  private async deleteRows(tenant: string, kind: RetentionKind, cutoff: number, period: number, now: number, wall: number): Promise<DeletionRecord | undefined> {
    const sources = SOURCES[kind] ?? [];
    const count = async (q: Query) => {
      const per: { n: number; a: number | null; b: number | null }[] = [];
      for (const s of sources) per.push((await q.get<{ n: number; a: number | null; b: number | null }>(`SELECT COUNT(*) AS n, MIN(t) AS a, MAX(t) AS b FROM (${s.items}) AS items WHERE t < ?`, [tenant, cutoff]))!);
      const hit = per.filter((p) => p.n > 0);
      return { count: hit.reduce((n, p) => n + p.n, 0), from: Math.min(...hit.map((p) => p.a!)), to: Math.max(...hit.map((p) => p.b!)), per };
    };
    const found = await count(this.db);
    if (found.count === 0) return undefined;
    const { rec, store } = await this.record(tenant, kind, { count: found.count, from: found.from, to: found.to }, period, cutoff, now, wall);
    await this.db.tx(async (q) => {
      // What was counted before signing must be exactly what goes: else nothing goes, and the next run tries again.
      const again = await count(q);
      if (again.count !== found.count || again.from !== found.from || again.to !== found.to) throw new Error(`retention: ${kind} of ${tenant} changed while the record was signed`);
      for (const s of sources) for (const sql of s.remove) await q.run(...bind(sql, { tenant, cutoff }));
      await store(q);
    });
    this.o.log?.(`retention: deleted ${found.count} ${kind} of ${tenant} (before ${new Date(cutoff).toISOString()})`);
    return rec;
  }

  /**
   * Recording files under `<data>/recordings/<tenant>/<meeting>/`, by their last modification. A meeting's
   * period is the one its log decided (`legal.recording.retentionDays`, which the relay writes next to the
   * files as `retention.json` when a recording starts), else the tenant's period for recordings. One deletion
   * record per distinct period.
   */
  private async deleteRecordings(tenant: string, tenantPeriod: number, now: number, wall: number): Promise<DeletionRecord[]> {
    const root = join(this.o.dataDir, 'recordings', tenant);
    const byPeriod = new Map<number, { path: string; t: number }[]>();
    for (const meeting of entries(root)) {
      const dir = join(root, meeting);
      if (!statSync(dir).isDirectory()) continue;
      const period = recordingPeriod(dir) ?? tenantPeriod;
      const cutoff = now - period * 60_000;
      const old = byPeriod.get(period) ?? [];
      walkFiles(dir, (path, mtime) => {
        if (mtime < cutoff && path !== join(dir, RECORDING_PERIOD_FILE)) old.push({ path, t: Math.floor(mtime) });
      });
      byPeriod.set(period, old);
    }
    const made: DeletionRecord[] = [];
    for (const [period, old] of byPeriod) {
      const gone = old.filter((f) => {
        try {
          rmSync(f.path);
          return true;
        } catch (e) {
          this.o.log?.(`retention: could not delete ${f.path}: ${(e as Error).message}`);
          return false;
        }
      });
      if (gone.length === 0) continue;
      // The files are gone already: a record that lost its seq to another process is made again with the next one.
      const found = { count: gone.length, from: Math.min(...gone.map((f) => f.t)), to: Math.max(...gone.map((f) => f.t)) };
      let rec: DeletionRecord | undefined;
      for (let attempt = 0; !rec; attempt++) {
        const r = await this.record(tenant, 'recordings', found, period, now - period * 60_000, now, wall);
        try {
          await r.store(this.db);
          rec = r.rec;
        } catch (e) {
          if (attempt >= 2) throw e;
        }
      }
      this.o.log?.(`retention: deleted ${gone.length} recording files of ${tenant} (period ${period} min)`);
      made.push(rec);
    }
    return made;
  }

  /** Runs every `intervalMs` (default 10 minutes) in the background. */
  start(intervalMs = 10 * 60_000): void {
    this.timer = setInterval(() => void this.run().catch((e: Error) => this.o.log?.(`retention: run failed: ${e.message}`)), intervalMs);
    this.timer.unref();
  }

  async close(): Promise<void> {
    clearInterval(this.timer);
    await this.running;
  }
}

/** The file in a meeting's recordings folder that names the period its log decided: `{"retentionDays": n}`. */
export const RECORDING_PERIOD_FILE = 'retention.json';

/** The period (minutes) in a meeting's recordings folder, or undefined if none is written or it is unreadable. */
function recordingPeriod(dir: string): number | undefined {
  try {
    const days = (JSON.parse(readFileSync(join(dir, RECORDING_PERIOD_FILE), 'utf8')) as { retentionDays?: unknown }).retentionDays;
    return Number.isInteger(days) && (days as number) >= 1 && (days as number) <= 3650 ? (days as number) * 24 * 60 : undefined;
  } catch {
    return undefined;
  }
}

function entries(dir: string): string[] {
  try {
    return readdirSync(dir);
  } catch {
    return [];
  }
}

function walkFiles(dir: string, each: (path: string, mtimeMs: number) => void): void {
  for (const n of entries(dir)) {
    const p = join(dir, n);
    const st = statSync(p);
    if (st.isDirectory()) walkFiles(p, each);
    else if (st.isFile()) each(p, st.mtimeMs);
  }
}
