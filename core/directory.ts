/**
 * Device certificates of one tenant as history, not a table (DESIGN.md "Identity and trust"): every version
 * of a device's certificate (issue, re-issue with other roles, revocation) is kept once checked against the
 * tenant admin key, and each entry is judged by the version in force at its place in its author's chain.
 * Nothing is ever removed, so a relay that serves an older directory cannot take a version back.
 */
import { toHex } from '../crypto/bytes.js';
import { type Cert, type CertBody, chainKey, check } from '../crypto/cert.js';

/** What judges one entry: the certificate version in force there, or the revocation that cuts it off. */
export interface Judge {
  cert: CertBody;
  revoked: boolean;
}

/** Issue order of a device's versions: `revoked`, else `issued`, else `notBefore`; ties by signature. */
const issuedAt = (c: Cert): number => c.body.revoked ?? c.body.issued ?? c.body.notBefore;
export const byIssue = (a: Cert, b: Cert): number => issuedAt(a) - issuedAt(b) || (a.sig < b.sig ? -1 : a.sig > b.sig ? 1 : 0);

/** A device's certificate as it stands now, of its versions in issue order: the first revocation, else the newest. */
export function currentVersion(list: readonly Cert[]): Cert | undefined {
  return list.find((c) => c.body.revoked !== undefined) ?? list[list.length - 1];
}

/** The version judging an entry at `seq` of chain `meeting/doc` dated `wall`, among one device's versions in issue order. */
export function judgeAmong(list: readonly Cert[], meeting: string, doc: string, seq: number, wall: number): Judge | undefined {
  const key = chainKey(meeting, doc);
  let current: CertBody | undefined;
  for (const v of list) {
    const b = v.body;
    const over = takesOver(b, key, seq, wall);
    if (b.revoked !== undefined) return over || !current ? { cert: b, revoked: over } : { cert: current, revoked: false };
    if (!current || over) current = b;
  }
  return current && { cert: current, revoked: false };
}

/** Whether version `v` takes over for an entry at `seq` of chain `key`, dated `wall` by its author. */
function takesOver(v: CertBody, key: string, seq: number, wall: number): boolean {
  if (v.chains) return seq > (v.chains[key] ?? 0);
  return wall >= (v.revoked ?? v.issued ?? v.notBefore); // older certificates: by the entry's clock
}

export class Directory {
  private readonly versions = new Map<string, Cert[]>(); // device -> versions in issue order
  private readonly sigs = new Set<string>();
  private count = 0;

  constructor(
    readonly tenant: string,
    readonly tenantKey: Uint8Array,
  ) {}

  get tenantKeyHex(): string {
    return toHex(this.tenantKey);
  }

  /** Adds a certificate version if the tenant key signed it for this tenant; false otherwise. */
  async add(cert: Cert): Promise<boolean> {
    if (this.sigs.has(cert?.sig)) return true;
    if (!(await check(cert, this.tenantKey)) || cert.body.tenant !== this.tenant) return false;
    if (this.sigs.has(cert.sig)) return true;
    this.sigs.add(cert.sig);
    const list = this.versions.get(cert.body.device) ?? [];
    list.push(cert);
    list.sort(byIssue);
    this.versions.set(cert.body.device, list);
    this.count++;
    return true;
  }

  /** Whether this exact version (by signature) is held. */
  holds(sig: string): boolean {
    return this.sigs.has(sig);
  }

  /**
   * The device's certificate as it stands now: its first revocation if it has one (a revocation is for
   * good: versions issued after it are ignored), else its newest version.
   */
  get(deviceHex: string): CertBody | undefined {
    const list = this.versions.get(deviceHex);
    return list && currentVersion(list)?.body;
  }

  /**
   * The version that judges an entry of `deviceHex` at `seq` in `meeting/doc`, dated `wall`: versions take
   * over in issue order where their `chains` say (or, for older ones, by time); the first revocation ends the
   * history, and entries past its cut are judged revoked. The version before a revocation (or the revocation's
   * own body when it is the only one held) judges the entries it lets stand.
   */
  judge(deviceHex: string, meeting: string, doc: string, seq: number, wall: number): Judge | undefined {
    const list = this.versions.get(deviceHex);
    return list && judgeAmong(list, meeting, doc, seq, wall);
  }

  /** Every version of every device, in issue order per device. */
  all(): Cert[] {
    return [...this.versions.values()].flat();
  }

  /** Every version of one device, in issue order. */
  history(deviceHex: string): Cert[] {
    return [...(this.versions.get(deviceHex) ?? [])];
  }

  /** Number of versions held (grows with every new version, revocations included). */
  get size(): number {
    return this.count;
  }
}
