/**
 * Validation of an incoming envelope before the relay stores it (docs/PROTOCOL.md, "Sync protocol"):
 * decoding and limits, tenant and meeting of the connection, readable/writable doc, signature, certificate,
 * the author's chain (gap, fork), dependencies, payload schema. Returns a coded error, never throws.
 */
import { fromHex, toHex } from '../crypto/bytes.js';
import { type Cert, check as checkCert } from '../crypto/cert.js';
import { judgeAmong } from '../core/directory.js';
import { MAX_SKEW_MS } from '../core/replica.js';
import { decode, type Envelope, verifySignature } from '../crypto/envelope.js';
import { decodeEntry, KINDS } from '../core/entries.js';
import { keyOf, mustSeal } from '../core/sealed.js';
import type { Store, StoredEnvelope } from './store.js';

export type Verdict = { ok: true; env: Envelope; duplicate: boolean } | { ok: false; code: string; message: string; id?: string };

export interface Connection {
  tenant: string;
  meeting: string;
  writable: readonly string[];
  /** The meeting's members' document is sealed (core/sealed.ts): its entries are stored as ciphertext only. */
  sealed?: boolean;
}

const fail = (code: string, message: string, id?: string): Verdict => ({ ok: false, code, message, id });

/** Certificates already checked against the tenant key, keyed by tenant key and certificate text. */
const checkedCerts = new Map<string, boolean>();

async function checked(cert: Cert, tenantKey: string): Promise<boolean> {
  const key = `${tenantKey}:${JSON.stringify(cert)}`;
  let ok = checkedCerts.get(key);
  if (ok === undefined) {
    ok = await checkCert(cert, fromHex(tenantKey, 32));
    if (checkedCerts.size > 100_000) checkedCerts.clear();
    checkedCerts.set(key, ok);
  }
  return ok;
}

/** The author's certificate version in force for this entry (core/directory.ts); none for a revoked device. */
async function certValid(store: Store, tenant: string, env: Envelope): Promise<boolean> {
  const { tenantKey, history: stored } = await store.authorCerts(tenant, toHex(env.author));
  if (!tenantKey) return false;
  const history: Cert[] = [];
  for (const c of stored) if (c.body.tenant === tenant && (await checked(c, tenantKey))) history.push(c);
  // The relay takes nothing more from a revoked device, whatever the cut lets stand: what stands is stored already.
  if (history.some((c) => c.body.revoked !== undefined)) return false;
  const judged = judgeAmong(history, env.meeting, env.doc, env.seq, env.hlc.wall);
  return judged !== undefined && env.hlc.wall >= judged.cert.notBefore && env.hlc.wall <= judged.cert.notAfter;
}

/** An entry's clock must be later than each predecessor's (docs/PROTOCOL.md "Fold order"). */
function laterThanAll(env: Envelope, preds: StoredEnvelope[]): boolean {
  return preds.every((p) => {
    const h = decode(p.wire).hlc;
    return h.wall < env.hlc.wall || (h.wall === env.hlc.wall && h.counter < env.hlc.counter);
  });
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
  if (await store.has(tenant, meeting, env.id)) return { ok: true, env, duplicate: true };
  const author = toHex(env.author);
  if (env.hlc.wall > Date.now() + MAX_SKEW_MS) return fail('clock', `entry dated more than ${MAX_SKEW_MS / 60_000} minutes ahead of the relay's clock`, env.id);
  if (!(await certValid(store, tenant, env)))
    return fail('unknown-device', 'author has no valid certificate of this tenant', env.id);
  if (!(await verifySignature(env))) return fail('bad-signature', 'signature does not verify', env.id);
  // Looked up again after the awaits above: another connection may have stored it meanwhile.
  const { at: held, head, prev } = await store.chainAt(tenant, meeting, env.doc, author, env.seq);
  if (held === env.id) return { ok: true, env, duplicate: true };
  if (held) return fail('fork', `device already has a different entry at ${env.doc}/${env.seq}`, env.id);
  if (env.seq !== head + 1) return fail('gap', `expected seq ${head + 1}, got ${env.seq}`, env.id);
  const preds: StoredEnvelope[] = [];
  if (env.seq > 1) {
    if (prev?.id !== toHex(env.prev)) return fail('fork', 'prev does not match the stored chain', env.id);
    preds.push(prev);
  }
  const deps = env.deps.length === 0 ? new Map<string, StoredEnvelope>() : new Map((await store.getMany(tenant, meeting, env.deps.map(toHex))).map((e) => [e.id, e]));
  for (const d of env.deps) {
    const dep = deps.get(toHex(d));
    if (!dep) return fail('missing-deps', `dependency ${toHex(d)} is not stored`, env.id);
    if (env.doc === 'public' && dep.doc !== 'public') return fail('bad-envelope', 'a public entry may not depend on a members entry', env.id);
    preds.push(dep);
  }
  if (!laterThanAll(env, preds)) return fail('clock', 'entry dated earlier than one of its predecessors', env.id);
  if (mustSeal(conn.sealed === true, env.doc, env.kind)) {
    // The relay cannot read a sealed payload: it checks the kind and the sealed format, and refuses clear content.
    if (!KINDS.includes(env.kind)) return fail('bad-envelope', `unknown entry kind '${env.kind}'`, env.id);
    if (keyOf(env.payload) === undefined) return fail('not-sealed', `${env.kind}: a members' entry of a sealed meeting must be sealed`, env.id);
    return { ok: true, env, duplicate: false };
  }
  try {
    decodeEntry(env.kind, env.payload);
  } catch (e) {
    return fail('bad-envelope', (e as Error).message, env.id);
  }
  return { ok: true, env, duplicate: false };
}
