/**
 * Validation of an incoming envelope before the relay stores it (docs/PROTOCOL.md, "Sync protocol"):
 * decoding and limits, tenant and meeting of the connection, readable/writable doc, signature, certificate,
 * the author's chain (gap, fork), dependencies, payload schema. Returns a coded error, never throws.
 */
import { fromHex, toHex } from '../crypto/bytes.js';
import { check as checkCert } from '../crypto/cert.js';
import { decode, type Envelope, verifySignature } from '../crypto/envelope.js';
import { decodeEntry } from '../core/entries.js';
import type { Store } from './store.js';

export type Verdict = { ok: true; env: Envelope; duplicate: boolean } | { ok: false; code: string; message: string; id?: string };

export interface Connection {
  tenant: string;
  meeting: string;
  writable: readonly string[];
}

const fail = (code: string, message: string, id?: string): Verdict => ({ ok: false, code, message, id });

/** Certificates already checked against the tenant key, keyed by tenant key and certificate text. */
const checkedCerts = new Map<string, boolean>();

async function certValid(store: Store, tenant: string, author: string, at: number): Promise<boolean> {
  const cert = store.cert(tenant, author);
  const tenantKey = store.tenantKey(tenant);
  if (!cert || !tenantKey) return false;
  if (at < cert.body.notBefore || at > cert.body.notAfter) return false;
  if (cert.body.revoked !== undefined) return false; // the relay takes nothing more from a revoked device, backdated or not
  const key = `${tenantKey}:${JSON.stringify(cert)}`;
  let ok = checkedCerts.get(key);
  if (ok === undefined) {
    ok = await checkCert(cert, fromHex(tenantKey, 32));
    if (checkedCerts.size > 100_000) checkedCerts.clear();
    checkedCerts.set(key, ok);
  }
  return ok && cert.body.tenant === tenant;
}

export async function validate(wire: Uint8Array, conn: Connection, store: Store): Promise<Verdict> {
  let env: Envelope;
  try {
    env = decode(wire);
  } catch (e) {
    return fail('bad-envelope', (e as Error).message);
  }
  const { tenant, meeting } = conn;
  if (env.tenant !== tenant || env.meeting !== meeting) return fail('wrong-meeting', `envelope is for ${env.tenant}/${env.meeting}`, env.id);
  if (!conn.writable.includes(env.doc)) return fail('forbidden-doc', `this connection may not write doc '${env.doc}'`, env.id);
  if (store.has(tenant, meeting, env.id)) return { ok: true, env, duplicate: true };
  const author = toHex(env.author);
  if (!(await certValid(store, tenant, author, env.hlc.wall)))
    return fail('unknown-device', 'author has no valid certificate of this tenant', env.id);
  if (!(await verifySignature(env))) return fail('bad-signature', 'signature does not verify', env.id);
  // Looked up again after the awaits above: another connection may have stored it meanwhile.
  const held = store.at(tenant, meeting, env.doc, author, env.seq);
  if (held?.id === env.id) return { ok: true, env, duplicate: true };
  if (held) return fail('fork', `device already has a different entry at ${env.doc}/${env.seq}`, env.id);
  const head = store.head(tenant, meeting, env.doc, author);
  if (env.seq !== head + 1) return fail('gap', `expected seq ${head + 1}, got ${env.seq}`, env.id);
  if (env.seq > 1 && store.at(tenant, meeting, env.doc, author, env.seq - 1)?.id !== toHex(env.prev))
    return fail('fork', 'prev does not match the stored chain', env.id);
  for (const d of env.deps) {
    const doc = store.docOf(tenant, meeting, toHex(d));
    if (!doc) return fail('missing-deps', `dependency ${toHex(d)} is not stored`, env.id);
    if (env.doc === 'public' && doc !== 'public') return fail('bad-envelope', 'a public entry may not depend on a members entry', env.id);
  }
  try {
    decodeEntry(env.kind, env.payload);
  } catch (e) {
    return fail('bad-envelope', (e as Error).message, env.id);
  }
  return { ok: true, env, duplicate: false };
}
