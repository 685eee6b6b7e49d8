/** SEC-4, SEC-3: which certificate of a device counts, whatever order they arrive in: the newest issue, and a revocation for good. */
import { describe, expect, it } from 'vitest';
import { toHex } from '../../crypto/bytes.js';
import { type Cert, issue, revoke } from '../../crypto/cert.js';
import { generateSeed, signerFromSeed } from '../../crypto/ed25519.js';
import { Directory } from '../../core/directory.js';

const permutations = <T>(xs: T[]): T[][] => (xs.length <= 1 ? [xs] : xs.flatMap((x, i) => permutations([...xs.slice(0, i), ...xs.slice(i + 1)]).map((p) => [x, ...p])));

describe('directory', () => {
  it('SEC-4 a re-issue with other roles wins in any order and keeps the validity; SEC-3 a revocation sticks', async () => {
    const admin = await signerFromSeed(generateSeed());
    const device = toHex((await signerFromSeed(generateSeed())).publicKey);
    const first = await issue({ v: 1, tenant: 't', person: 'p', name: 'P', device, roles: ['member'], bodies: ['rat'], notBefore: 1000, notAfter: 9000 }, admin);
    const chair = await issue({ ...first.body, roles: ['chair', 'member'], issued: 5000 }, admin);
    const revoked = await revoke(chair, 7000, admin);
    const forged: Cert = { ...chair, body: { ...chair.body, roles: ['admin'] } };
    for (const order of permutations([first, chair])) {
      const d = new Directory('t', admin.publicKey);
      for (const c of order) expect(await d.add(c)).toBe(true);
      expect(d.get(device)).toMatchObject({ roles: ['chair', 'member'], notBefore: 1000 });
    }
    for (const order of permutations([first, chair, revoked])) {
      const d = new Directory('t', admin.publicKey);
      for (const c of order) await d.add(c);
      expect(d.get(device)?.revoked).toBe(7000);
    }
    const d = new Directory('t', admin.publicKey);
    expect(await d.add(forged)).toBe(false);
    expect(await d.add({ ...chair, body: { ...chair.body, tenant: 'other' } })).toBe(false);
  });
});
