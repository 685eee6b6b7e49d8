/**
 * Imported OParl master data (SQLite `directory.sqlite`, or the data centre's PostgreSQL): one table per kind, keyed by (tenant, OParl id), each row
 * remembering the system it came from. An import is previewed as a diff against what is stored and
 * applied in one transaction. Objects a new import from the same system no longer has are marked
 * removed (`removed_at`), never deleted: meetings already held may refer to them.
 */
import { bytewise, type Dialect, type Query, type Sql } from '../sql.js';
import { KINDS, type Kind, type Model } from './model.js';

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

/** The directory's tables; created by the relay's identity schema (relay/identity-schema.ts) on either dialect. */
export function oparlSchema(dialect: Dialect): string {
  const serial = dialect === 'postgres' ? 'BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY' : 'INTEGER PRIMARY KEY AUTOINCREMENT';
  return (
    KINDS.map((k) => {
      const { table, cols } = SPECS[k];
      const extra = cols.map((c) => `"${c.column}" ${SQL_TYPE[c.type]}${c.required ? ' NOT NULL' : ''}`).join(', ');
      return `CREATE TABLE IF NOT EXISTS ${table} (tenant TEXT NOT NULL, id TEXT NOT NULL, system TEXT NOT NULL, ${extra},
      updated_at TEXT NOT NULL, removed_at TEXT, PRIMARY KEY (tenant, id));
    CREATE INDEX IF NOT EXISTS ${table}_system ON ${table} (tenant, system);`;
    }).join('\n') + `CREATE TABLE IF NOT EXISTS oparl_import (n ${serial}, tenant TEXT NOT NULL, system TEXT NOT NULL, at TEXT NOT NULL, summary TEXT NOT NULL);`
  );
}

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
  constructor(private readonly db: Sql) {}

  /** What `apply` would change; writes nothing. */
  preview(tenant: string, model: Model): Promise<Preview> {
    return previewOn(this.db, tenant, model);
  }

  /** Writes the import in one transaction: all of it, or on any failure nothing. Returns what changed. */
  apply(tenant: string, model: Model): Promise<Preview> {
    const now = new Date().toISOString();
    return this.db.tx(async (q) => {
      const p = await previewOn(q, tenant, model);
      for (const k of KINDS) {
        const { table, cols } = SPECS[k];
        const names = cols.map((c) => `"${c.column}"`);
        const upsert = `INSERT INTO ${table} (tenant, id, system, updated_at, removed_at, ${names.join(', ')}) VALUES (?, ?, ?, ?, NULL, ${names.map(() => '?').join(', ')})
           ON CONFLICT (tenant, id) DO UPDATE SET system = excluded.system, updated_at = excluded.updated_at, removed_at = NULL, ${names.map((n) => `${n} = excluded.${n}`).join(', ')}`;
        const objects = model[k] as unknown as Record<string, Record<string, unknown>>;
        const ch = p.kinds[k];
        for (const id of [...ch.added, ...ch.updated.map((u) => u.id)]) await q.run(upsert, [tenant, id, model.system, now, ...cols.map((c) => toSql(c, objects[id]![c.field]))]);
        for (const r of ch.removed) await q.run(`UPDATE ${table} SET removed_at = ? WHERE tenant = ? AND id = ?`, [now, tenant, r.id]);
      }
      await q.run('INSERT INTO oparl_import (tenant, system, at, summary) VALUES (?, ?, ?, ?)', [tenant, model.system, now, JSON.stringify(p.total)]);
      return p;
    });
  }

  /** Stored objects of one kind, removed ones included (with `removedAt`). */
  async list<K extends Kind>(tenant: string, kind: K): Promise<(Model[K][string] & { removedAt?: string; system: string })[]> {
    const { table, cols } = SPECS[kind];
    return (await this.db.all<Row>(`SELECT * FROM ${table} WHERE tenant = ? ORDER BY id ${bytewise(this.db)}`, [tenant])).map((r) => {
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

async function previewOn(q: Query, tenant: string, model: Model): Promise<Preview> {
  const deleted = new Set(model.deleted);
  const kinds = {} as Record<Kind, KindChanges>;
  const total = { added: 0, updated: 0, removed: 0, unchanged: 0 };
  for (const k of KINDS) {
    const { table, cols } = SPECS[k];
    const rows = new Map<string, Row>();
    for (const r of await q.all<Row>(`SELECT * FROM ${table} WHERE tenant = ?`, [tenant])) rows.set(r.id as string, r);
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
