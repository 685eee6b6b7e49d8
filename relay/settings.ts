/**
 * Per-tenant settings (DS-1, SEC-2): the municipality's name, the controller, the data protection officer,
 * the second reporting channel and the other values the handbook and privacy texts name. Saved by a request
 * the tenant key signed (POST /api/<tenant>/admin, action `settings.save`), kept in identity.sqlite, one row
 * per tenant and name. They take precedence over `<data>/handbook/values.json`.
 */
import type Database from 'better-sqlite3';
import * as v from 'valibot';
import { openIdentityDb } from './identity-db.js';

/** Every value the default texts use, in the order the admin form shows them. */
export const SETTING_NAMES = [
  'municipality',
  'controller',
  'dpo',
  'hotline_phone',
  'hotline_email',
  'support',
  'sender',
  'address',
  'hosting',
  'retention_sessions',
  'retention_logs',
] as const;
export type SettingName = (typeof SETTING_NAMES)[number];

/** A placeholder's name as relay/handbook.ts reads it; a municipality's own texts may use further ones. */
const NAME = /^[\w.-]{1,64}$/;
const MAX_NAMES = 64;

// One line of plain text: a newline or a control character could start a Markdown heading or hide text.
const value = v.pipe(v.string(), v.trim(), v.maxLength(300), v.regex(/^[^\p{Cc}]*$/u, 'no control characters or line breaks'));

/** The body of `settings.save`: any subset of the names; an empty string clears a value. */
export const saveSchema = v.pipe(
  v.record(v.pipe(v.string(), v.regex(NAME, 'not a placeholder name')), value),
  v.check((r) => Object.keys(r).length <= MAX_NAMES, `at most ${MAX_NAMES} values`),
);

export interface SettingsView {
  /** Every name the texts use, in the order the admin form shows them: the defaults', then the municipality's own. */
  names: string[];
  values: Record<string, string>;
  /** Names without a value yet: members see "(noch nicht festgelegt …)" there. */
  missing: string[];
}

export class TenantSettings {
  private readonly db: Database.Database;

  /**
   * `base`: values that apply where the tenant has none of its own (what the relay knows of it, and
   * `<data>/handbook/values.json`); `used`: the placeholders the municipality's own copies of the texts use.
   */
  constructor(
    file: string,
    private readonly base: (tenant: string) => Record<string, string> = () => ({}),
    private readonly used: () => string[] = () => [],
  ) {
    this.db = openIdentityDb(
      file,
      `CREATE TABLE IF NOT EXISTS tenant_settings (tenant TEXT NOT NULL, name TEXT NOT NULL, value TEXT NOT NULL, updated INTEGER NOT NULL, PRIMARY KEY (tenant, name));`,
    );
  }

  get(tenant: string): Record<string, string> {
    const rows = this.db.prepare<[string], { name: string; value: string }>('SELECT name, value FROM tenant_settings WHERE tenant = ?').all(tenant);
    return Object.fromEntries(rows.map((r) => [r.name, r.value]));
  }

  /** Writes the given values in one transaction; an empty string removes the value. Returns the names changed. */
  save(tenant: string, values: Record<string, string>, now = Date.now()): string[] {
    const held = this.get(tenant);
    const changed = Object.keys(values).filter((n) => (values[n] || undefined) !== held[n]);
    const put = this.db.prepare('INSERT INTO tenant_settings (tenant, name, value, updated) VALUES (?, ?, ?, ?) ON CONFLICT (tenant, name) DO UPDATE SET value = excluded.value, updated = excluded.updated');
    const clear = this.db.prepare('DELETE FROM tenant_settings WHERE tenant = ? AND name = ?');
    this.db.transaction(() => {
      for (const n of changed) values[n] ? put.run(tenant, n, values[n], now) : clear.run(tenant, n);
    })();
    return changed;
  }

  /** The values the texts are filled with: the tenant's own over the base. */
  values(tenant: string): Record<string, string> {
    return { ...this.base(tenant), ...this.get(tenant) };
  }

  /** What the admin console shows: every name the texts use, the values in force, and which are still missing. */
  view(tenant: string): SettingsView {
    const all = this.values(tenant);
    const names = [...new Set<string>([...SETTING_NAMES, ...this.used().filter((n) => NAME.test(n))])].slice(0, MAX_NAMES);
    const values: Record<string, string> = {};
    for (const n of names) if (all[n]) values[n] = all[n];
    return { names, values, missing: names.filter((n) => !values[n]) };
  }

  close(): void {
    this.db.close();
  }
}
