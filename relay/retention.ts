/**
 * Retention on the relay (DS-2; docs/PROTOCOL.md "Retention"): per-tenant periods, kept in identity.sqlite; a
 * run that deletes what is past its period (identity.sqlite and `<data>/recordings/<tenant>/`) and leaves a
 * deletion record signed by this data folder's retention key (`<data>/retention.key`), certified by the tenant
 * key through the admin request `retention.save`. Runs on a timer in the relay, from tests, and as
 * `ratsraum retention`. Meeting logs (relay.sqlite) and certificates are never touched.
 */
import { readdirSync, rmSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import type Database from 'better-sqlite3';
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
import { openIdentityDb, secretsKey } from './identity-db.js';
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
  table: string;
  /** SELECT … AS t FROM … WHERE tenant = ? AND <cond>: one row per item. */
  items: string;
  /** DELETE of exactly those items with t < @cutoff of @tenant. */
  remove: string[];
}

// Per kind the rows it covers. `remove` may list follow-up statements (a revoked device's TOTP secret and sessions).
const SOURCES: Partial<Record<RetentionKind, Source[]>> = {
  invitations: [{ table: 'invitations', items: 'SELECT COALESCE(used, expires) AS t FROM invitations WHERE tenant = ?', remove: ['DELETE FROM invitations WHERE tenant = @tenant AND COALESCE(used, expires) < @cutoff'] }],
  logins: [
    { table: 'audit', items: `SELECT at AS t FROM audit WHERE tenant = ? AND action IN ${LOGINS}`, remove: [`DELETE FROM audit WHERE tenant = @tenant AND action IN ${LOGINS} AND at < @cutoff`] },
    { table: 'sessions', items: 'SELECT expires AS t FROM sessions WHERE tenant = ?', remove: ['DELETE FROM sessions WHERE tenant = @tenant AND expires < @cutoff'] },
  ],
  audit: [{ table: 'audit', items: `SELECT at AS t FROM audit WHERE tenant = ? AND action NOT IN ${LOGINS}`, remove: [`DELETE FROM audit WHERE tenant = @tenant AND action NOT IN ${LOGINS} AND at < @cutoff`] }],
  'revoked-devices': [
    {
      table: 'enrolments',
      items: "SELECT updated AS t FROM enrolments WHERE tenant = ? AND state = 'revoked'",
      remove: [
        "DELETE FROM totp WHERE tenant = @tenant AND device IN (SELECT device FROM enrolments WHERE tenant = @tenant AND state = 'revoked' AND updated < @cutoff)",
        "DELETE FROM sessions WHERE tenant = @tenant AND device IN (SELECT device FROM enrolments WHERE tenant = @tenant AND state = 'revoked' AND updated < @cutoff)",
        "DELETE FROM enrolments WHERE tenant = @tenant AND state = 'revoked' AND updated < @cutoff",
      ],
    },
  ],
};

const SCHEMA = `CREATE TABLE IF NOT EXISTS retention_periods (tenant TEXT NOT NULL, kind TEXT NOT NULL, minutes INTEGER NOT NULL, updated INTEGER NOT NULL, PRIMARY KEY (tenant, kind));
  CREATE TABLE IF NOT EXISTS retention_certification (tenant TEXT PRIMARY KEY, request TEXT NOT NULL, sig TEXT NOT NULL);
  CREATE TABLE IF NOT EXISTS retention_records (tenant TEXT NOT NULL, seq INTEGER NOT NULL, body TEXT NOT NULL, sig TEXT NOT NULL, PRIMARY KEY (tenant, seq));
  CREATE TABLE IF NOT EXISTS retention_clock (id INTEGER PRIMARY KEY CHECK (id = 1), trusted INTEGER NOT NULL);`;

export interface RetentionView {
  periods: Periods;
  defaults: Periods;
  relayKey: string;
  certified: boolean;
  records: DeletionRecord[];
}

export class Retention {
  private readonly db: Database.Database;
  private readonly seed: Uint8Array;
  private signer?: Promise<Signer>;
  /** The trusted time of this process's last run and the monotonic clock then. */
  private base?: { trusted: number; mono: number };
  private running: Promise<unknown> = Promise.resolve();
  private timer?: NodeJS.Timeout;
  readonly relayKey: string;

  constructor(private readonly o: { dataDir: string; store: Store; clock?: RetentionClock; log?: (m: string) => void }) {
    this.db = openIdentityDb(join(o.dataDir, 'identity.sqlite'), SCHEMA);
    this.seed = secretsKey(join(o.dataDir, 'retention.key'));
    this.relayKey = toHex(publicKeyOf(this.seed));
  }

  private get clock(): RetentionClock {
    return this.o.clock ?? systemClock;
  }

  periods(tenant: string): Periods {
    const own = this.db.prepare<[string], { kind: RetentionKind; minutes: number }>('SELECT kind, minutes FROM retention_periods WHERE tenant = ?').all(tenant);
    return { ...DEFAULT_PERIODS, ...Object.fromEntries(own.map((r) => [r.kind, r.minutes])) };
  }

  /**
   * Saves periods from an admin request the tenant key signed (the route checked the signature); the request is
   * kept as the certification of this relay's retention key, which it must name. Throws a RangeError otherwise.
   */
  save(tenant: string, signed: { req: AdminRequest; sig: string }, now = Date.now()): Periods {
    const data = signed.req.data as { periods?: unknown; relayKey?: unknown } | null;
    if (!data || data.relayKey !== this.relayKey) throw new RangeError(`retention: the request must name this relay's retention key ${this.relayKey}`);
    const periods = checkPeriods(data.periods ?? {});
    const put = this.db.prepare('INSERT INTO retention_periods (tenant, kind, minutes, updated) VALUES (?, ?, ?, ?) ON CONFLICT (tenant, kind) DO UPDATE SET minutes = excluded.minutes, updated = excluded.updated');
    this.db.transaction(() => {
      for (const [k, m] of Object.entries(periods)) put.run(tenant, k, m, now);
      this.db.prepare('INSERT INTO retention_certification (tenant, request, sig) VALUES (?, ?, ?) ON CONFLICT (tenant) DO UPDATE SET request = excluded.request, sig = excluded.sig').run(tenant, JSON.stringify(signed.req), signed.sig);
    })();
    return this.periods(tenant);
  }

  records(tenant: string): DeletionRecord[] {
    return this.db.prepare<[string], { body: string; sig: string }>('SELECT body, sig FROM retention_records WHERE tenant = ? ORDER BY seq').all(tenant).map((r) => ({ body: JSON.parse(r.body) as DeletionBody, sig: r.sig }));
  }

  private certification(tenant: string): DeletionsFile['certification'] {
    const r = this.db.prepare<[string], { request: string; sig: string }>('SELECT request, sig FROM retention_certification WHERE tenant = ?').get(tenant);
    return r ? { req: JSON.parse(r.request) as AdminRequest, sig: r.sig } : null;
  }

  view(tenant: string): RetentionView {
    return { periods: this.periods(tenant), defaults: DEFAULT_PERIODS, relayKey: this.relayKey, certified: this.certification(tenant) !== null, records: this.records(tenant) };
  }

  /** What `ratsraum deletions` prints and `ratsraum verify-deletions` checks. */
  file(tenant: string): DeletionsFile {
    const tenantKey = this.o.store.tenantKey(tenant);
    if (!tenantKey) throw new RangeError(`retention: unknown tenant '${tenant}'`);
    return { format: 'ratsraum-deletions/v1', tenant, tenantKey, relayKey: this.relayKey, certification: this.certification(tenant), records: this.records(tenant) };
  }

  private hasTable(name: string): boolean {
    return this.db.prepare("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = ?").get(name) !== undefined;
  }

  /** The newest time witnessed apart from the wall clock now (core/retention.ts `trustedNow`). */
  private witnessed(wall: number): number {
    const held = this.db.prepare<[], { trusted: number }>('SELECT trusted FROM retention_clock WHERE id = 1').get()?.trusted;
    let t: number;
    if (this.base) t = this.base.trusted + Math.max(0, Math.floor(this.clock.mono() - this.base.mono));
    else if (held !== undefined) t = held;
    else {
      // The first run of a data folder: the newest time the relay wrote into the data it would delete.
      const newest = (['invitations:created', 'audit:at', 'enrolments:updated', 'sessions:created'] as const)
        .map((s) => s.split(':') as [string, string])
        .filter(([table]) => this.hasTable(table))
        .map(([table, col]) => this.db.prepare<[], { t: number | null }>(`SELECT MAX(${col}) AS t FROM ${table}`).get()?.t ?? 0);
      // A fresh folder holds nothing its clock could date too old: it starts from the wall clock.
      t = Math.max(0, ...newest) || wall;
    }
    // Times other clocks signed: a device's beacon, the admin's requests (the tenant key's device).
    const admin = this.hasTable('audit') ? (this.db.prepare<[], { t: number | null }>("SELECT MAX(json_extract(request, '$.at')) AS t FROM audit WHERE actor = 'admin' AND request IS NOT NULL").get()?.t ?? 0) : 0;
    const certified = this.db.prepare<[], { t: number | null }>("SELECT MAX(json_extract(request, '$.at')) AS t FROM retention_certification").get()?.t ?? 0;
    return Math.max(t, this.o.store.newestBeacon(), admin, certified);
  }

  /** Deletes, for every tenant, what is past its period; returns the records made. One run at a time. */
  run(): Promise<DeletionRecord[]> {
    const next = this.running.then(() => this.runOnce());
    this.running = next.catch(() => {});
    return next;
  }

  private async runOnce(): Promise<DeletionRecord[]> {
    const wall = this.clock.wall();
    const witnessed = this.witnessed(wall);
    const now = Math.floor(trustedNow(wall, witnessed));
    if (wall - now > 5 * 60_000) this.o.log?.(`retention: the relay's clock (${new Date(wall).toISOString()}) runs ahead of the witnessed time (${new Date(now).toISOString()}); deleting only up to the witnessed time`);
    const made: DeletionRecord[] = [];
    for (const tenant of this.o.store.tenants()) {
      const periods = this.periods(tenant);
      for (const kind of RETENTION_KINDS) {
        const cutoff = now - periods[kind] * 60_000;
        const r = kind === 'recordings' ? await this.deleteRecordings(tenant, cutoff, periods[kind], now, wall) : await this.deleteRows(tenant, kind, cutoff, periods[kind], now, wall);
        if (r) made.push(r);
      }
    }
    this.db.prepare('INSERT INTO retention_clock (id, trusted) VALUES (1, ?) ON CONFLICT (id) DO UPDATE SET trusted = excluded.trusted').run(now);
    this.base = { trusted: now, mono: this.clock.mono() };
    // Deleted rows are zeroed in the database file (secure_delete); the WAL still holds their old pages until a checkpoint.
    if (made.length) this.db.pragma('wal_checkpoint(TRUNCATE)');
    return made;
  }

  private async record(tenant: string, kind: RetentionKind, found: { count: number; from: number; to: number }, period: number, cutoff: number, now: number, wall: number): Promise<{ rec: DeletionRecord; store: () => void }> {
    const last = this.db.prepare<[string], { body: string }>('SELECT body FROM retention_records WHERE tenant = ? ORDER BY seq DESC LIMIT 1').get(tenant);
    const lastBody = last ? (JSON.parse(last.body) as DeletionBody) : undefined;
    this.signer ??= signerFromSeed(this.seed);
    const rec = await signDeletion(await this.signer, { tenant, seq: (lastBody?.seq ?? 0) + 1, prev: lastBody ? recordHash(lastBody) : ZERO_HASH, kind, ...found, period, cutoff, now, wall });
    // The primary key refuses a record made concurrently (another process on the same folder): that run rolls back.
    return { rec, store: () => void this.db.prepare('INSERT INTO retention_records (tenant, seq, body, sig) VALUES (?, ?, ?, ?)').run(tenant, rec.body.seq, JSON.stringify(rec.body), rec.sig) };
  }

  private async deleteRows(tenant: string, kind: RetentionKind, cutoff: number, period: number, now: number, wall: number): Promise<DeletionRecord | undefined> {
    const sources = (SOURCES[kind] ?? []).filter((s) => this.hasTable(s.table));
    const count = () => {
      const per = sources.map((s) => this.db.prepare<[string, number], { n: number; a: number | null; b: number | null }>(`SELECT COUNT(*) AS n, MIN(t) AS a, MAX(t) AS b FROM (${s.items}) WHERE t < ?`).get(tenant, cutoff)!);
      const hit = per.filter((p) => p.n > 0);
      return { count: hit.reduce((n, p) => n + p.n, 0), from: Math.min(...hit.map((p) => p.a!)), to: Math.max(...hit.map((p) => p.b!)), per };
    };
    const found = count();
    if (found.count === 0) return undefined;
    const { rec, store } = await this.record(tenant, kind, { count: found.count, from: found.from, to: found.to }, period, cutoff, now, wall);
    this.db.transaction(() => {
      // What was counted before signing must be exactly what goes: else nothing goes, and the next run tries again.
      const again = count();
      if (again.count !== found.count || again.from !== found.from || again.to !== found.to) throw new Error(`retention: ${kind} of ${tenant} changed while the record was signed`);
      for (const s of sources) for (const sql of s.remove) this.db.prepare(sql).run({ tenant, cutoff });
      store();
    })();
    this.o.log?.(`retention: deleted ${found.count} ${kind} of ${tenant} (before ${new Date(cutoff).toISOString()})`);
    return rec;
  }

  /** Recording files under `<data>/recordings/<tenant>/`, by their last modification. */
  private async deleteRecordings(tenant: string, cutoff: number, period: number, now: number, wall: number): Promise<DeletionRecord | undefined> {
    const root = join(this.o.dataDir, 'recordings', tenant);
    const old: { path: string; t: number }[] = [];
    const walk = (dir: string) => {
      let names: string[];
      try {
        names = readdirSync(dir);
      } catch {
        return;
      }
      for (const n of names) {
        const p = join(dir, n);
        const s = statSync(p);
        if (s.isDirectory()) walk(p);
        else if (s.isFile() && s.mtimeMs < cutoff) old.push({ path: p, t: Math.floor(s.mtimeMs) });
      }
    };
    walk(root);
    const gone = old.filter((f) => {
      try {
        rmSync(f.path);
        return true;
      } catch (e) {
        this.o.log?.(`retention: could not delete ${f.path}: ${(e as Error).message}`);
        return false;
      }
    });
    if (gone.length === 0) return undefined;
    // The files are gone already: a record that lost its seq to another process is made again with the next one.
    const found = { count: gone.length, from: Math.min(...gone.map((f) => f.t)), to: Math.max(...gone.map((f) => f.t)) };
    let rec: DeletionRecord | undefined;
    for (let attempt = 0; !rec; attempt++) {
      const made = await this.record(tenant, 'recordings', found, period, cutoff, now, wall);
      try {
        made.store();
        rec = made.rec;
      } catch (e) {
        if (attempt >= 2) throw e;
      }
    }
    this.o.log?.(`retention: deleted ${gone.length} recording files of ${tenant}`);
    return rec;
  }

  /** Runs every `intervalMs` (default 10 minutes) in the background. */
  start(intervalMs = 10 * 60_000): void {
    this.timer = setInterval(() => void this.run().catch((e: Error) => this.o.log?.(`retention: run failed: ${e.message}`)), intervalMs);
    this.timer.unref();
  }

  async close(): Promise<void> {
    clearInterval(this.timer);
    await this.running;
    this.db.close();
  }
}
