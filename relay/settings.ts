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

// One line of plain text: a newline or a control character could start a Markdown heading or hide text.
const value = v.pipe(v.string(), v.trim(), v.maxLength(300), v.regex(/^[^\p{Cc}]*$/u, 'no control characters or line breaks'));

/** The body of `settings.save`: any subset of the names; an empty string clears a value. */
export const saveSchema = v.strictObject(Object.fromEntries(SETTING_NAMES.map((n) => [n, v.optional(value)])) as Record<SettingName, v.OptionalSchema<typeof value, undefined>>);

export interface SettingsView {
  /** Every name, in the order the admin form shows them. */
  names: readonly SettingName[];
  values: Partial<Record<SettingName, string>>;
  /** Names the default texts use that have no value yet: members see "(noch nicht festgelegt …)" there. */
  missing: SettingName[];
}

export class TenantSettings {
  private readonly db: Database.Database;

  /** `base`: values that apply where the tenant has none of its own (`<data>/handbook/values.json`). */
  constructor(
    file: string,
    private readonly base: () => Record<string, string> = () => ({}),
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
  save(tenant: string, values: Partial<Record<SettingName, string>>, now = Date.now()): SettingName[] {
    const held = this.get(tenant);
    const changed = SETTING_NAMES.filter((n) => values[n] !== undefined && (values[n] || undefined) !== held[n]);
    const put = this.db.prepare('INSERT INTO tenant_settings (tenant, name, value, updated) VALUES (?, ?, ?, ?) ON CONFLICT (tenant, name) DO UPDATE SET value = excluded.value, updated = excluded.updated');
    const clear = this.db.prepare('DELETE FROM tenant_settings WHERE tenant = ? AND name = ?');
    this.db.transaction(() => {
      for (const n of changed) values[n] ? put.run(tenant, n, values[n], now) : clear.run(tenant, n);
    })();
    return changed;
  }

  /** The values the texts are filled with: the tenant's own over the base. */
  values(tenant: string): Record<string, string> {
    return { ...this.base(), ...this.get(tenant) };
  }

  /** What the admin console shows: the values in force, and which are still missing. */
  view(tenant: string): SettingsView {
    const all = this.values(tenant);
    const values: SettingsView['values'] = {};
    for (const n of SETTING_NAMES) if (all[n]) values[n] = all[n];
    return { names: SETTING_NAMES, values, missing: SETTING_NAMES.filter((n) => !values[n]) };
  }

  close(): void {
    this.db.close();
  }
}
