/**
 * Retention on the device (DS-2; docs/PROTOCOL.md "Retention"): what this browser keeps of a retention kind is
 * deleted from IndexedDB when its period is up. Of those kinds a device holds only its login session (kind
 * `logins`, the period running from the session's expiry); its copies of meeting logs and certificates are kept,
 * as on the relay. Periods come from the relay (`GET /api/<tenant>/retention`), the defaults when offline.
 */
import { DEFAULT_PERIODS, type Periods } from '../core/retention.js';
import * as idb from './store/idb.js';

const TENANT_SLOT = '';

export async function periodsOf(tenant: string): Promise<Periods> {
  try {
    const r = await fetch(`/api/${encodeURIComponent(tenant)}/retention`);
    if (r.ok) return { ...DEFAULT_PERIODS, ...((await r.json()) as { periods: Partial<Periods> }).periods };
  } catch {
    // offline: the defaults
  }
  return DEFAULT_PERIODS;
}

/** Deletes what is past its period for every tenant held here; returns what went, per tenant and kind. */
export async function pruneDevice(now = Date.now(), periods: (tenant: string) => Promise<Periods> = periodsOf): Promise<{ tenant: string; kind: 'logins'; count: number }[]> {
  const gone: { tenant: string; kind: 'logins'; count: number }[] = [];
  for (const tenant of await idb.tenants()) {
    const held = (await idb.getMeta(tenant, TENANT_SLOT)).session;
    if (!held) continue;
    const cutoff = now - (await periods(tenant)).logins * 60_000;
    let count = 0;
    await idb.updateMeta(tenant, TENANT_SLOT, (m) => {
      if (!m.session || m.session.expires >= cutoff) return m;
      count = 1;
      const { session: _, ...rest } = m;
      return rest;
    });
    if (count) gone.push({ tenant, kind: 'logins', count });
  }
  return gone;
}
