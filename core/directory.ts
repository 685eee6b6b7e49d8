/** Device certificates of one tenant, each checked against the tenant admin key before it is trusted. */
import { toHex } from '../crypto/bytes.js';
import { type Cert, type CertBody, check } from '../crypto/cert.js';

export class Directory {
  private readonly certs = new Map<string, Cert>();

  constructor(
    readonly tenant: string,
    readonly tenantKey: Uint8Array,
  ) {}

  get tenantKeyHex(): string {
    return toHex(this.tenantKey);
  }

  /** Adds a certificate if the tenant key signed it for this tenant; false otherwise. */
  async add(cert: Cert): Promise<boolean> {
    if (!(await check(cert, this.tenantKey)) || cert.body.tenant !== this.tenant) return false;
    const known = this.certs.get(cert.body.device);
    if (known && known.sig === cert.sig) return true;
    // A revocation sticks (the earliest one counts); otherwise the newest certificate of a device wins (a re-issue after a role change).
    const r = cert.body.revoked;
    const k = known?.body.revoked;
    const version = (b: Cert['body']) => b.issued ?? b.notBefore;
    if (!known || (r !== undefined && (k === undefined || r < k)) || (k === undefined && r === undefined && version(cert.body) >= version(known.body)))
      this.certs.set(cert.body.device, cert);
    return true;
  }

  get(deviceHex: string): CertBody | undefined {
    return this.certs.get(deviceHex)?.body;
  }

  all(): Cert[] {
    return [...this.certs.values()];
  }

  get size(): number {
    return this.certs.size;
  }
}
