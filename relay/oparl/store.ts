/**
 * Imported OParl master data in SQLite: one table per kind, keyed by (tenant, OParl id), each row
 * remembering the system it came from. An import is previewed as a diff against what is stored and
 * applied in one transaction. Objects a new import from the same system no longer has are marked
 * removed (`removed_at`), never deleted: meetings already held may refer to them.
 */
import type Database from 'better-sqlite3';
import { KINDS, type Kind, type Model } from './model.js';

type Db = Database.Database;
type ColType = 'text' | 'int' | 'bool' | 'json';
interface Col {
  field: string;
  column: string;
  type: ColType;
  required: boolean;
}

const col = (field: string, type: ColType = 'text', required = false, column = field): Col => ({ field, column, type, required });

const SPECS: Record<Kind, { table: string; cols: Col[] }> = {
  bodies: { table: 'oparl_body', cols: [col('name', 'text', true), col('shortName', 'text', false, 'short_name')] },
  organizations: {
    table: 'oparl_organization',
    cols: [col('body', 'text', true), col('name', 'text', true), col('classification'), col('organizationType', 'text', false, 'organization_type')],
  },
  persons: { table: 'oparl_person', cols: [col('name', 'text', true), col('email')] },
  memberships: {
    table: 'oparl_membership',
    cols: [col('person', 'text', true), col('organization', 'text', true), col('role'), col('votingRight', 'bool', true, 'voting_right'), col('start', 'text', false, 'start_date'), col('end', 'text', false, 'end_date')],
  },
  meetings: {
    table: 'oparl_meeting',
    cols: [col('body'), col('organizations', 'json', true), col('name', 'text', true), col('start', 'text', true, 'start_at'), col('end', 'text', false, 'end_at'), col('location'), col('cancelled', 'bool')],
  },
  agendaItems: {
    table: 'oparl_agenda_item',
    cols: [col('meeting', 'text', true), col('number', 'text', true), col('name', 'text', true), col('public', 'bool', true, 'is_public'), col('order', 'int', true, 'position')],
  },
};

const SQL_TYPE: Record<ColType, string> = { text: 'TEXT', int: 'INTEGER', bool: 'INTEGER', json: 'TEXT' };

const SCHEMA =
  KINDS.map((k) => {
    const { table, cols } = SPECS[k];
    const extra = cols.map((c) => `"${c.column}" ${SQL_TYPE[c.type]}${c.required ? ' NOT NULL' : ''}`).join(', ');
    return `CREATE TABLE IF NOT EXISTS ${table} (tenant TEXT NOT NULL, id TEXT NOT NULL, system TEXT NOT NULL, ${extra},
      updated_at TEXT NOT NULL, removed_at TEXT, PRIMARY KEY (tenant, id));
    CREATE INDEX IF NOT EXISTS ${table}_system ON ${table} (tenant, system);`;
  }).join('\n') +
  `CREATE TABLE IF NOT EXISTS oparl_import (n INTEGER PRIMARY KEY AUTOINCREMENT, tenant TEXT NOT NULL, system TEXT NOT NULL, at TEXT NOT NULL, summary TEXT NOT NULL);`;

type SqlValue = string | number | null;

function toSql(c: Col, value: unknown): SqlValue {
  if (value === undefined || value === null) return null;
  if (c.type === 'bool') return value ? 1 : 0;
  if (c.type === 'json') return JSON.stringify(value);
  return value as string | number;
}

function fromSql(c: Col, value: SqlValue): unknown {
  if (value === null) return undefined;
  if (c.type === 'bool') return value === 1;
  if (c.type === 'json') return JSON.parse(value as string);
  return value;
}

export interface KindChanges {
  added: string[];
  /** `fields` names model fields; "system" when it came from another system, "removed" when it returns. */
  updated: { id: string; fields: string[] }[];
  /** `deleted`: the source marked it deleted (rather than just no longer listing it). */
  removed: { id: string; deleted: boolean }[];
  unchanged: number;
  counts: { added: number; updated: number; removed: number; unchanged: number };
}

export interface Preview {
  system: string;
  kinds: Record<Kind, KindChanges>;
  total: { added: number; updated: number; removed: number; unchanged: number };
}

type Row = Record<string, SqlValue>;

export class OparlStore {
  constructor(private db: Db) {}

  private hasSchema(): boolean {
    return !!this.db.prepare(`SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'oparl_import'`).get();
  }

  private ensureSchema() {
    if (!this.hasSchema()) this.db.exec(SCHEMA);
  }

  /** What `apply` would change; writes nothing (not even the schema). */
  preview(tenant: string, model: Model): Preview {
    const deleted = new Set(model.deleted);
    const schema = this.hasSchema();
    const kinds = {} as Record<Kind, KindChanges>;
    const total = { added: 0, updated: 0, removed: 0, unchanged: 0 };
    for (const k of KINDS) {
      const { table, cols } = SPECS[k];
      const rows = new Map<string, Row>();
      if (schema) for (const r of this.db.prepare<[string], Row>(`SELECT * FROM ${table} WHERE tenant = ?`).all(tenant)) rows.set(r.id as string, r);
      const ch: KindChanges = { added: [], updated: [], removed: [], unchanged: 0, counts: { added: 0, updated: 0, removed: 0, unchanged: 0 } };
      const objects = model[k] as unknown as Record<string, Record<string, unknown>>;
      for (const [id, obj] of Object.entries(objects)) {
        const row = rows.get(id);
        if (!row) {
          ch.added.push(id);
          continue;
        }
        const fields = cols.filter((c) => row[c.column] !== toSql(c, obj[c.field])).map((c) => c.field);
        if (row.system !== model.system) fields.push('system');
        if (row.removed_at !== null) fields.push('removed');
        if (fields.length) ch.updated.push({ id, fields });
        else ch.unchanged++;
      }
      for (const [id, row] of rows)
        if (row.system === model.system && row.removed_at === null && !Object.hasOwn(objects, id)) ch.removed.push({ id, deleted: deleted.has(id) });
      ch.counts = { added: ch.added.length, updated: ch.updated.length, removed: ch.removed.length, unchanged: ch.unchanged };
      for (const key of ['added', 'updated', 'removed', 'unchanged'] as const) total[key] += ch.counts[key];
      kinds[k] = ch;
    }
    return { system: model.system, kinds, total };
  }

  /** Writes the import in one transaction: all of it, or on any failure nothing. Returns what changed. */
  apply(tenant: string, model: Model): Preview {
    const now = new Date().toISOString();
    return this.db.transaction(() => {
      this.ensureSchema();
      const p = this.preview(tenant, model);
      for (const k of KINDS) {
        const { table, cols } = SPECS[k];
        const names = cols.map((c) => `"${c.column}"`);
        const upsert = this.db.prepare(
          `INSERT INTO ${table} (tenant, id, system, updated_at, removed_at, ${names.join(', ')}) VALUES (?, ?, ?, ?, NULL, ${names.map(() => '?').join(', ')})
           ON CONFLICT (tenant, id) DO UPDATE SET system = excluded.system, updated_at = excluded.updated_at, removed_at = NULL, ${names.map((n) => `${n} = excluded.${n}`).join(', ')}`,
        );
        const objects = model[k] as unknown as Record<string, Record<string, unknown>>;
        const ch = p.kinds[k];
        for (const id of [...ch.added, ...ch.updated.map((u) => u.id)]) upsert.run(tenant, id, model.system, now, ...cols.map((c) => toSql(c, objects[id]![c.field])));
        const remove = this.db.prepare(`UPDATE ${table} SET removed_at = ? WHERE tenant = ? AND id = ?`);
        for (const r of ch.removed) remove.run(now, tenant, r.id);
      }
      this.db.prepare('INSERT INTO oparl_import (tenant, system, at, summary) VALUES (?, ?, ?, ?)').run(tenant, model.system, now, JSON.stringify(p.total));
      return p;
    }).immediate();
  }

  /** Stored objects of one kind, removed ones included (with `removedAt`). */
  list<K extends Kind>(tenant: string, kind: K): (Model[K][string] & { removedAt?: string; system: string })[] {
    if (!this.hasSchema()) return [];
    const { table, cols } = SPECS[kind];
    return this.db
      .prepare<[string], Row>(`SELECT * FROM ${table} WHERE tenant = ? ORDER BY id`)
      .all(tenant)
      .map((r) => {
        const o: Record<string, unknown> = { id: r.id, system: r.system };
        for (const c of cols) {
          const val = fromSql(c, r[c.column]!);
          if (val !== undefined) o[c.field] = val;
        }
        if (r.removed_at !== null) o.removedAt = r.removed_at;
        return o as unknown as Model[K][string] & { removedAt?: string; system: string };
      });
  }
}
