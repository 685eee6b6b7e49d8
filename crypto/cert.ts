/**
 * Device certificates (docs/PROTOCOL.md, "Certificate"): the tenant admin key vouches for a device
 * key, the person behind it, roles and bodies, for a validity period. Signed over canonical JSON behind
 * a domain tag, so any implementation can re-check them.
 */
import { type Bytes, fromHex, toHex, utf8 } from './bytes.js';
import { canonicalJson } from './canonical.js';
import { checkPublicKey, type Signer, verify } from './ed25519.js';

export const DOMAIN = 'ratsraum/cert/v1\n';

export const ROLES = ['admin', 'chair', 'deputy', 'assistant', 'member', 'advisory', 'staff'] as const;
export type Role = (typeof ROLES)[number];

export interface CertBody {
  v: 1;
  tenant: string;
  person: string;
  name: string;
  device: string; // hex Ed25519 public key
  dh?: string; // hex X25519 public key (end-to-end encryption of members' content)
  roles: Role[];
  bodies: string[];
  notBefore: number; // ms since epoch
  notAfter: number;
  /** When this version was signed (a re-issue with other roles keeps notBefore, so earlier entries stay valid). */
  issued?: number;
  /** Set when the admin revoked the device (lost or stolen): nothing it signs from this moment on counts. */
  revoked?: number;
}

export interface Cert {
  body: CertBody;
  sig: string; // hex, by the tenant admin key
}

export const certInput = (body: CertBody): Bytes => utf8(DOMAIN + canonicalJson(body));

/** The same certificate marked revoked from `at` on, signed anew: revocation travels like any certificate. */
export function revoke(cert: Cert, at: number, admin: Signer): Promise<Cert> {
  return issue({ ...cert.body, revoked: at }, admin);
}

export async function issue(body: CertBody, admin: Signer): Promise<Cert> {
  return { body, sig: toHex(await admin.sign(certInput(body))) };
}

/** Checks the admin signature and, given `at`, the validity period. Never throws on bad input. */
export async function check(cert: Cert, tenantKey: Bytes, at?: number): Promise<boolean> {
  try {
    if (!cert || typeof cert !== 'object' || !cert.body || typeof cert.sig !== 'string') return false;
    const b = cert.body;
    if (b.v !== 1 || !Array.isArray(b.roles) || !b.roles.every((r) => (ROLES as readonly string[]).includes(r))) return false;
    if (typeof b.device !== 'string' || !/^[0-9a-f]{64}$/.test(b.device) || checkPublicKey(fromHex(b.device)) !== undefined) return false;
    if (at !== undefined && (at < b.notBefore || at > b.notAfter || (b.revoked !== undefined && at >= b.revoked))) return false;
    if ((b.revoked !== undefined && typeof b.revoked !== 'number') || (b.issued !== undefined && typeof b.issued !== 'number')) return false;
    return await verify(fromHex(cert.sig, 64), certInput(b), tenantKey);
  } catch {
    return false;
  }
}
