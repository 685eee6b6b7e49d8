/**
 * Device certificates (docs/PROTOCOL.md, "Certificate"): the tenant admin key vouches for a device
 * key, the person behind it, roles and bodies, for a validity period. Signed over canonical JSON behind
 * a domain tag, so any implementation can re-check them.
 */
import { type Bytes, fromHex, toHex, utf8 } from './bytes.js';
import { canonicalJson } from './canonical.js';
import { checkPublicKey, type Signer, verify } from './ed25519.js';

export const DOMAIN = 'ratsraum/cert/v1\n';

/**
 * `room`: the room device of a hybrid meeting (HYB-1); `recorder`: may start and stop a recording (DS-3);
 * `minutes`: the minute-taker (Schriftführer/in), who writes the minutes draft and signs the minutes (MIN-2).
 */
export const ROLES = ['admin', 'chair', 'deputy', 'assistant', 'member', 'advisory', 'staff', 'room', 'recorder', 'minutes'] as const;
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
  /** Set when the admin revoked the device (lost or stolen): when it was signed. What it cuts off is `chains`. */
  revoked?: number;
  /**
   * Where this version takes over, per chain (`<meeting>/<doc>` of this device): the highest seq still judged
   * by the versions before it. For a revocation: the last entry it lets stand. A chain not named has no entry
   * judged by earlier versions. Without `chains` (older certificates) the version takes over by time (`issued`,
   * `revoked`) as read from the entry's clock.
   */
  chains?: Record<string, number>;
}

/** The chain key of `chains`: one author's entries in one document of one meeting. */
export const chainKey = (meeting: string, doc: string): string => `${meeting}/${doc}`;

function chainsValid(c: unknown): boolean {
  if (c === undefined) return true;
  if (!c || typeof c !== 'object' || Array.isArray(c)) return false;
  const entries = Object.entries(c);
  return entries.length <= 10_000 && entries.every(([k, n]) => k.length <= 257 && Number.isSafeInteger(n) && (n as number) >= 0);
}

export interface Cert {
  body: CertBody;
  sig: string; // hex, by the tenant admin key
}

export const certInput = (body: CertBody): Bytes => utf8(DOMAIN + canonicalJson(body));

/**
 * The same certificate marked revoked, signed anew: revocation travels like any certificate. `chains` names,
 * per chain of the device, the last entry that stands (the relay's frontier at the moment of revocation).
 */
export function revoke(cert: Cert, at: number, admin: Signer, chains: Record<string, number> = {}): Promise<Cert> {
  return issue({ ...cert.body, issued: at, revoked: at, chains }, admin);
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
    if (!chainsValid(b.chains)) return false;
    if (b.dh !== undefined && (typeof b.dh !== 'string' || !/^[0-9a-f]{64}$/.test(b.dh))) return false;
    return await verify(fromHex(cert.sig, 64), certInput(b), tenantKey);
  } catch {
    return false;
  }
}
