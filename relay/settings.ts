/**
 * Per-tenant settings (DS-1, SEC-2): the municipality's name, the controller, the data protection officer,
 * the second reporting channel and the other values the handbook and privacy texts name. Saved by a request
 * the tenant key signed (POST /api/<tenant>/admin, action `settings.save`), kept in the identity database, one row
 * per tenant and name. They take precedence over `<data>/handbook/values.json`.
 */
import * as v from 'valibot';
import type { Sql } from './sql.js';

/** Every value the default texts use, in the order the admin form shows them. */
export const SETTING_NAMES = [
  'municipality',
  'controller',
  'dpo',
  'hotline_phone',
  'hotline_email',
  'disruption_report_minutes',
  'support',
  'sender',
  'address',
  'hosting',
  'retention_sessions',
  'retention_logs',
  // PUB-1, PUB-4 (core/public-access.ts): the standing orders' deadlines and whether anonymous viewing is allowed.
  'public_registration_hours',
  'public_anonymous',
  'question_hours',
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
  /**
   * `base`: values that apply where the tenant has none of its own (what the relay knows of it, and
   * `<data>/handbook/values.json`); `used`: the placeholders the municipality's own copies of the texts use.
   */
  constructor(
    private readonly db: Sql,
    private readonly base: (tenant: string) => Promise<Record<string, string>> | Record<string, string> = () => ({}),
    private readonly used: () => string[] = () => [],
  ) {}

  async get(tenant: string): Promise<Record<string, string>> {
    const rows = await this.db.all<{ name: string; value: string }>('SELECT name, value FROM tenant_settings WHERE tenant = ?', [tenant]);
    return Object.fromEntries(rows.map((r) => [r.name, r.value]));
  }

  /** Writes the given values in one transaction; an empty string removes the value. Returns the names changed. */
  save(tenant: string, values: Record<string, string>, now = Date.now()): Promise<string[]> {
    return this.db.tx(async (q) => {
      const held = Object.fromEntries((await q.all<{ name: string; value: string }>('SELECT name, value FROM tenant_settings WHERE tenant = ?', [tenant])).map((r) => [r.name, r.value]));
      const changed = Object.keys(values).filter((n) => (values[n] || undefined) !== held[n]);
      for (const n of changed)
        if (values[n]) await q.run('INSERT INTO tenant_settings (tenant, name, value, updated) VALUES (?, ?, ?, ?) ON CONFLICT (tenant, name) DO UPDATE SET value = excluded.value, updated = excluded.updated', [tenant, n, values[n]!, now]);
        else await q.run('DELETE FROM tenant_settings WHERE tenant = ? AND name = ?', [tenant, n]);
      return changed;
    });
  }

  /** The values the texts are filled with: the tenant's own over the base. */
  async values(tenant: string): Promise<Record<string, string>> {
    return { ...(await this.base(tenant)), ...(await this.get(tenant)) };
  }

  /** What the admin console shows: every name the texts use, the values in force, and which are still missing. */
  async view(tenant: string): Promise<SettingsView> {
    const all = await this.values(tenant);
    const names = [...new Set<string>([...SETTING_NAMES, ...this.used().filter((n) => NAME.test(n))])].slice(0, MAX_NAMES);
    const values: Record<string, string> = {};
    for (const n of names) if (all[n]) values[n] = all[n];
    return { names, values, missing: names.filter((n) => !values[n]) };
  }
}
