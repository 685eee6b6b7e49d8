/**
 * What devices and the admin sign outside the session log (docs/PROTOCOL.md, "Enrolment and login"):
 * proof of a new device key at enrolment, the login to a relay with the second factor, and admin requests.
 * Each behind its own domain tag, so no signature can be replayed as another kind.
 */
import { fromHex, randomBytes, toHex, utf8 } from '../crypto/bytes.js';
import { canonicalJson } from '../crypto/canonical.js';
import { type Signer, verify } from '../crypto/ed25519.js';
import { ADMIN_KINDS } from './entries.js';

export const ENROL_DOMAIN = 'ratsraum/enrol/v1\n';
export const SESSION_DOMAIN = 'ratsraum/session/v1\n';
export const ADMIN_DOMAIN = 'ratsraum/admin/v1\n';
export const SETUP_DOMAIN = 'ratsraum/tenant-setup/v1\n';
export const DH_DOMAIN = 'ratsraum/device-dh/v1\n';

/** The new device proves it holds the key it registers, bound to the invitation. */
export const enrolInput = (tenant: string, token: string, device: string): Uint8Array => utf8(`${ENROL_DOMAIN}${tenant}\n${token}\n${device}`);

/**
 * The new device binds its X25519 key (`dh`, for sealed content) to its device key. The administration's device
 * checks this signature before it certifies `dh`: the device key's fingerprint is what it compares with the
 * member, so a `dh` the relay operator put in its place would not verify.
 */
export const dhInput = (tenant: string, device: string, dh: string): Uint8Array => utf8(`${DH_DOMAIN}${tenant}\n${device}\n${dh}`);

/** The `dh` the administration may certify for an enrolment: only one its device key signed for this tenant. */
export async function certifiableDh(tenant: string, e: { device: string; dh?: string | null; dhSig?: string | null }): Promise<string | undefined> {
  if (!e.dh || !e.dhSig || !/^[0-9a-f]{64}$/.test(e.dh) || !/^[0-9a-f]{128}$/.test(e.dhSig) || !/^[0-9a-f]{64}$/.test(e.device)) return undefined;
  return (await verify(fromHex(e.dhSig, 64), dhInput(tenant, e.device, e.dh), fromHex(e.device, 32)).catch(() => false)) ? e.dh : undefined;
}

/** A new tenant key proves itself at setup, bound to the one-time setup token (`ratsraum tenant create`). */
export const setupInput = (tenant: string, token: string, key: string): Uint8Array => utf8(`${SETUP_DOMAIN}${tenant}\n${token}\n${key}`);

/** Login with the second factor: the device signs the relay's nonce (the code travels beside it). */
export const sessionInput = (nonce: string, tenant: string, device: string): Uint8Array => utf8(`${SESSION_DOMAIN}${nonce}\n${tenant}\n${device}`);

export const ADMIN_ACTIONS = ['directory', 'audit', 'invite', 'certify', 'revoke', 'oparl.preview', 'oparl.import', 'session', 'settings.save', 'retention', 'retention.save', 'public.registrations', 'public.revoke'] as const;
export type AdminAction = (typeof ADMIN_ACTIONS)[number];
/** Actions that change something; each is kept, signed, in the audit log. */
export const CHANGES: readonly AdminAction[] = ['invite', 'certify', 'revoke', 'oparl.import', 'settings.save', 'retention.save', 'public.revoke'];

/** What the audit log lists besides admin changes: the relay's identity decisions and admin entries in meeting logs. */
export const AUDIT_ACTIONS = [...CHANGES, 'tenant.setup', 'enrol.start', 'enrol.refused', 'enrol.confirmed', 'enrol.failed', 'enrol.locked', 'login', 'login.failed', 'login.locked', 'session', ...ADMIN_KINDS] as const;

/** One audit log entry as the relay keeps and exports it. */
export interface AuditEntry {
  n: number;
  at: number;
  /** "admin" (signed by the tenant key), "relay", or "device:<key hex>". */
  actor: string;
  action: string;
  /** The person the entry concerns, if any. */
  person: string | null;
  summary: string;
  /** The signed admin request (JSON) and its signature, for admin entries. */
  request: string | null;
  sig: string | null;
}

export interface AdminRequest {
  tenant: string;
  action: AdminAction;
  at: number;
  nonce: string;
  data: unknown;
}

export interface SignedAdminRequest {
  req: AdminRequest;
  sig: string;
}

export const adminInput = (req: AdminRequest): Uint8Array => utf8(ADMIN_DOMAIN + canonicalJson(req));

/** Signs an admin request with the tenant admin key. */
export async function signAdmin(admin: Signer, tenant: string, action: AdminAction, data: unknown, at = Date.now()): Promise<SignedAdminRequest> {
  const nonce = toHex(randomBytes(16));
  const req: AdminRequest = { tenant, action, at, nonce, data: data ?? null };
  return { req, sig: toHex(await admin.sign(adminInput(req))) };
}
