/**
 * The device's local store in IndexedDB: every envelope of a meeting (so the app starts and works
 * offline), the device key (a non-extractable CryptoKey where the platform allows, else the seed), the
 * tenant key and every certificate version seen. Metadata changes only inside one transaction (`updateMeta`).
 */
import type { Cert } from '../../crypto/cert.js';
import type { Checkpoint } from '../../core/checkpoint.js';

export interface DeviceKey {
  publicKey: Uint8Array;
  privateKey?: CryptoKey; // non-extractable
  seed?: Uint8Array; // only where WebCrypto has no Ed25519
  fingerprint: string;
}

export interface MeetingMeta {
  tenantKey?: string;
  certs?: Cert[];
  backupRelays?: string[];
  /** Trustee seeds ('key:<id>') and lot reveals ('lot:<vote>'), hex; they never leave this device. */
  secrets?: Record<string, string>;
  /** Tenant level: the session of the last login with the second factor. */
  session?: { token: string; expires: number };
  /** Tenant level: the handbook texts last read ('<kind>/<lang>'), so they can be read and acknowledged offline. */
  texts?: Record<string, { markdown: string; version: string }>;
  /** What this device verified of the meeting's envelopes, signed by its key (core/checkpoint.ts). */
  checkpoint?: Checkpoint;
}

const DB = 'ratsraum';
const VERSION = 1;

function request<T>(r: IDBRequest<T>): Promise<T> {
  return new Promise((ok, fail) => {
    r.onsuccess = () => ok(r.result);
    r.onerror = () => fail(r.error);
  });
}

let opened: Promise<IDBDatabase> | undefined;
function db(): Promise<IDBDatabase> {
  opened ??= new Promise((ok, fail) => {
    const r = indexedDB.open(DB, VERSION);
    r.onupgradeneeded = () => {
      const d = r.result;
      d.createObjectStore('envelopes');
      d.createObjectStore('devices');
      d.createObjectStore('meta');
    };
    r.onsuccess = () => ok(r.result);
    r.onerror = () => fail(r.error);
  });
  return opened;
}

const meetingKey = (tenant: string, meeting: string) => `${tenant}/${meeting}`;

export async function putEnvelopes(tenant: string, meeting: string, envs: { id: string; wire: Uint8Array }[]): Promise<void> {
  if (envs.length === 0) return;
  const tx = (await db()).transaction('envelopes', 'readwrite');
  const store = tx.objectStore('envelopes');
  for (const e of envs) store.put(e.wire, `${meetingKey(tenant, meeting)}/${e.id}`);
  await new Promise<void>((ok, fail) => {
    tx.oncomplete = () => ok();
    tx.onerror = () => fail(tx.error);
  });
}

export async function loadEnvelopes(tenant: string, meeting: string): Promise<Uint8Array[]> {
  const prefix = `${meetingKey(tenant, meeting)}/`;
  const store = (await db()).transaction('envelopes').objectStore('envelopes');
  return (await request(store.getAll(IDBKeyRange.bound(prefix, `${prefix}\uffff`)))) as Uint8Array[];
}

export async function getDevice(tenant: string, meeting: string): Promise<DeviceKey | undefined> {
  return (await request((await db()).transaction('devices').objectStore('devices').get(meetingKey(tenant, meeting)))) as DeviceKey | undefined;
}

export async function putDevice(tenant: string, meeting: string, key: DeviceKey): Promise<void> {
  await request((await db()).transaction('devices', 'readwrite').objectStore('devices').put(key, meetingKey(tenant, meeting)));
}

export async function getMeta(tenant: string, meeting: string): Promise<MeetingMeta> {
  return ((await request((await db()).transaction('meta').objectStore('meta').get(meetingKey(tenant, meeting)))) as MeetingMeta | undefined) ?? {};
}

/**
 * Changes the metadata in one readwrite transaction: `change` gets what is stored and returns what to store,
 * and no other writer runs in between (a read, then a put in a transaction of its own, lost concurrent
 * writes: a trustee's key-generation secret among them). `change` must be synchronous. Returns what was stored.
 */
export async function updateMeta(tenant: string, meeting: string, change: (meta: MeetingMeta) => MeetingMeta): Promise<MeetingMeta> {
  const tx = (await db()).transaction('meta', 'readwrite');
  const store = tx.objectStore('meta');
  const key = meetingKey(tenant, meeting);
  let next: MeetingMeta = {};
  await new Promise<void>((ok, fail) => {
    const read = store.get(key);
    read.onsuccess = () => {
      try {
        next = change((read.result as MeetingMeta | undefined) ?? {});
        store.put(next, key);
      } catch (e) {
        tx.abort();
        fail(e);
      }
    };
    tx.oncomplete = () => ok();
    tx.onerror = () => fail(tx.error);
    tx.onabort = () => fail(tx.error ?? new Error('meta: transaction aborted'));
  });
  return next;
}

/**
 * Keeps exactly these certificate versions for the meeting (every version of every device, revocations
 * included), and adds them to the tenant's versions (meeting ''), which every meeting of the tenant loads:
 * a revocation seen in one meeting holds in the next.
 */
export async function putCerts(tenant: string, meeting: string, tenantKey: string, certs: Cert[]): Promise<MeetingMeta> {
  await updateMeta(tenant, '', (m) => {
    const held = m.tenantKey === tenantKey ? (m.certs ?? []) : [];
    const sigs = new Set(held.map((c) => c.sig));
    return { ...m, tenantKey, certs: [...held, ...certs.filter((c) => !sigs.has(c.sig))] };
  });
  return updateMeta(tenant, meeting, (m) => ({ ...m, tenantKey, certs }));
}

/** Every tenant this browser holds metadata of (keys '<tenant>/<meeting>'). */
export async function tenants(): Promise<string[]> {
  const keys = (await request((await db()).transaction('meta').objectStore('meta').getAllKeys())) as string[];
  return [...new Set(keys.map((k) => k.slice(0, k.indexOf('/'))))];
}

/** The certificate versions this browser holds for the tenant, from any of its meetings. */
export async function tenantCerts(tenant: string, tenantKey: string): Promise<Cert[]> {
  const m = await getMeta(tenant, '');
  return m.tenantKey === tenantKey ? (m.certs ?? []) : [];
}
