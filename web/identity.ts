/**
 * The device's side of enrolment and login (docs/PROTOCOL.md, "Enrolment and login"): the device key of a
 * tenant (generated here, non-extractable where WebCrypto allows), the login session, and the admin's
 * signed requests. One device key per tenant serves every meeting of that tenant. The administration's
 * browser also generates the tenant key at setup and makes the invitation links from it (finding 10).
 */
import { fromHex, randomBytes, toBase64, toHex } from '../crypto/bytes.js';
import { generateSeed, type Signer, signerFromSeed } from '../crypto/ed25519.js';
import { fingerprint } from '../crypto/hash.js';
import { type AdminAction, dhInput, enrolInput, sessionInput, setupInput, signAdmin } from '../core/identity.js';
import { lang } from './i18n/index.js';
import { refusalText } from './i18n/codes.js';
import * as idb from './store/idb.js';
import { heldDh, heldKey, keepDh, keepKey } from './store/keys.js';
import { generateDh } from '../crypto/seal.js';

/** A refusal from the relay, with the message in the UI's language. */
export class ApiError extends Error {
  constructor(
    message: string,
    readonly code: string,
    readonly status: number,
  ) {
    super(message);
  }
}

async function api<T>(path: string, body?: unknown): Promise<T> {
  let r: Response;
  try {
    r = await fetch(path, body === undefined ? undefined : { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
  } catch {
    throw new ApiError(lang() === 'de' ? 'Der Server ist nicht erreichbar. Prüfen Sie die Verbindung.' : 'The server cannot be reached. Check the connection.', 'offline', 0);
  }
  const json = (await r.json().catch(() => ({}))) as { error?: string; message?: string; de?: string; code?: string };
  if (!r.ok) throw new ApiError(refusalText(json, r.status), json.code ?? json.error ?? 'http', r.status);
  return json as T;
}

const TENANT_SLOT = ''; // the tenant's device key and session sit beside its meetings in IndexedDB
const ADMIN_SLOT = '#admin';

/** Tenant key fingerprint as invitation links carry it: 32 hex digits, no spaces. */
export const compactFingerprint = (key: Uint8Array) => fingerprint(key).replace(/ /g, '');

export async function tenantKey(tenant: string): Promise<string> {
  const { tenantKey } = await api<{ tenantKey: string }>(`/api/${encodeURIComponent(tenant)}/key`);
  return tenantKey;
}

/** This device's key for the tenant, if it has one, and the fingerprint of the tenant key it trusts. */
export const tenantDevice = (tenant: string) => heldKey(tenant, TENANT_SLOT);

/** Enrolment step 1: a new key (never leaves this device), registered for the invitation. */
export async function beginEnrolment(tenant: string, token: string, fp: string): Promise<{ device: string; name: string; uri: string; secret: string }> {
  if (compactFingerprint(fromHex(await tenantKey(tenant), 32)) !== fp) throw new ApiError(lang() === 'de' ? 'Der Schlüssel der Kommune stimmt nicht mit der Einladung überein. Brechen Sie ab und melden Sie das der Verwaltung.' : 'The municipality key does not match the invitation. Stop and tell the administration.', 'fingerprint', 0);
  const signer = (await tenantDevice(tenant))?.signer ?? (await keepKey(tenant, TENANT_SLOT, generateSeed(), fp));
  const device = toHex(signer.publicKey);
  // The X25519 key the administration certifies beside the device key: it receives the keys of sealed meetings.
  let dh = await heldDh(tenant, TENANT_SLOT);
  if (!dh) {
    dh = generateDh();
    await keepDh(tenant, TENANT_SLOT, dh.secretKey);
  }
  const sig = toHex(await signer.sign(enrolInput(tenant, token, device)));
  const dhHex = toHex(dh.publicKey);
  const dhSig = toHex(await signer.sign(dhInput(tenant, device, dhHex)));
  const r = await api<{ name: string; uri: string; secret: string }>(`/api/${tenant}/enrol/start`, { token, device, dh: dhHex, dhSig, sig });
  return { device, ...r };
}

export const confirmEnrolment = (tenant: string, token: string, device: string, code: string) => api<{ state: string }>(`/api/${tenant}/enrol/confirm`, { token, device, code });

export const enrolmentStatus = (tenant: string, device: string) => api<{ state: 'unknown' | 'second-factor' | 'awaiting' | 'issued' | 'revoked' }>(`/api/${tenant}/enrol/${device}`);

/** Login with the second factor; the session is kept until it expires. */
export async function login(tenant: string, code: string): Promise<void> {
  const d = await tenantDevice(tenant);
  if (!d) throw new ApiError(lang() === 'de' ? 'Dieses Gerät ist nicht eingerichtet.' : 'This device is not enrolled.', 'no-device', 0);
  const device = toHex(d.signer.publicKey);
  const { nonce } = await api<{ nonce: string }>(`/api/${tenant}/login/challenge`, { device });
  const sig = toHex(await d.signer.sign(sessionInput(nonce, tenant, device)));
  const s = await api<{ session: string; expires: number }>(`/api/${tenant}/login`, { device, nonce, sig, code });
  await idb.updateMeta(tenant, TENANT_SLOT, (m) => ({ ...m, session: { token: s.session, expires: s.expires } }));
}

/** The current session token, if one is held and not yet expired. */
export async function currentSession(tenant: string): Promise<{ token: string; expires: number } | undefined> {
  const s = (await idb.getMeta(tenant, TENANT_SLOT)).session;
  return s && s.expires > Date.now() ? s : undefined;
}

export const meetingsOf = (tenant: string) => api<{ meetings: { id: string; title: string; start: number; body: string }[] }>(`/api/${encodeURIComponent(tenant)}/meetings`);

/** The admin device: holds the tenant admin key (from the admin link), signs every admin request with it. */
export async function adminSigner(tenant: string, join?: { key: string; fp: string }): Promise<Signer | undefined> {
  if (join) {
    const seed = fromHex(join.key, 32, 'tenant key');
    const pub = (await signerFromSeed(seed)).publicKey;
    if (compactFingerprint(pub) !== join.fp || toHex(pub) !== (await tenantKey(tenant))) throw new ApiError(lang() === 'de' ? 'Dieser Admin-Schlüssel gehört nicht zu dieser Kommune.' : 'This admin key does not belong to this municipality.', 'fingerprint', 0);
    return keepKey(tenant, ADMIN_SLOT, seed, join.fp);
  }
  return (await heldKey(tenant, ADMIN_SLOT))?.signer;
}

export async function admin<T>(signer: Signer, tenant: string, action: AdminAction, data?: unknown): Promise<T> {
  return api<T>(`/api/${tenant}/admin`, await signAdmin(signer, tenant, action, data));
}

/** What `ratsraum tenant create` registered, before the key exists: the municipality's name. */
export const setupInfo = (tenant: string, token: string) => api<{ tenant: string; name: string; expires: number }>(`/api/${encodeURIComponent(tenant)}/setup/${encodeURIComponent(token)}`);

/**
 * Sets the tenant up: its key is generated here and kept in this browser (non-extractable where WebCrypto
 * allows); only the public key goes to the relay, signed by that key and bound to the setup token.
 * A retry after a failed request reuses the key already kept.
 */
export async function setupTenant(tenant: string, token: string): Promise<{ name: string; fingerprint: string }> {
  const signer = (await heldKey(tenant, ADMIN_SLOT))?.signer ?? (await newAdminKey(tenant));
  const key = toHex(signer.publicKey);
  const r = await api<{ name: string; fingerprint: string }>(`/api/${encodeURIComponent(tenant)}/setup`, { token, key, sig: toHex(await signer.sign(setupInput(tenant, token, key))) });
  if (r.fingerprint !== fingerprint(signer.publicKey)) throw new ApiError(lang() === 'de' ? 'Der Server hat einen anderen Schlüssel eingetragen.' : 'The server registered a different key.', 'fingerprint', 0);
  return r;
}

async function newAdminKey(tenant: string): Promise<Signer> {
  const seed = generateSeed();
  return keepKey(tenant, ADMIN_SLOT, seed, compactFingerprint((await signerFromSeed(seed)).publicKey));
}

/** An invitation's one-time token and link, made from the tenant key this browser holds, never from what the relay says. */
export function invitationLink(tenantKey: Uint8Array, tenant: string, origin: string): { token: string; link: string } {
  const token = toBase64(randomBytes(32)).replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, '');
  return { token, link: `${origin}/#/enrol/${tenant}/${token}?fp=${compactFingerprint(tenantKey)}` };
}

export interface InviteData {
  person: string;
  name: string;
  email: string;
  roles: string[];
  bodies: string[];
  ttlHours?: number;
}

/** Asks the relay, in a request signed by the tenant key, to keep the token's hash and mail exactly this link. */
export const invite = (signer: Signer, tenant: string, data: InviteData, origin = location.origin) => admin<{ sent: boolean; expires: number }>(signer, tenant, 'invite', { ...data, ...invitationLink(signer.publicKey, tenant, origin) });
