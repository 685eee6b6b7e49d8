/**
 * SEC-3 (finding 6): a small-order device key is refused at enrolment and in certificates, over the
 * running relay with raw JSON. With the identity point as key, R = identity and S = 0 "verify" for every
 * message under a lax verifier, so anyone could sign as that member and the member could disown entries.
 */
import { afterAll, describe, expect, it } from 'vitest';
import { fromHex } from '../../crypto/bytes.js';
import { type CertBody, check, issue } from '../../crypto/cert.js';
import { signerFromSeed } from '../../crypto/ed25519.js';
import { signAdmin } from '../../core/identity.js';
import { invitationLink } from '../../web/identity.js';
import { cleanup, demoRelay } from '../helpers/relay.js';
import { localSmtp } from '../helpers/smtp.js';

const IDENTITY = '01' + '00'.repeat(31);
const FORGED_SIG = IDENTITY + '00'.repeat(32);

const stops: (() => unknown)[] = [];
afterAll(async () => {
  for (const s of stops.reverse()) await s();
});

describe('small-order device keys', () => {
  it('SEC-3 (finding 6) enrolment refuses a small-order device key, and the admin cannot certify one', async () => {
    const smtp = await localSmtp();
    const s = await demoRelay({ relay: { smtp: { host: '127.0.0.1', port: smtp.port, from: 'ratsraum@musterstadt.example' } } });
    stops.push(() => cleanup(s.dataDir), () => s.relay.close(), () => smtp.close());
    const admin = await signerFromSeed(fromHex(s.demo.tenantSeed, 32));
    const post = async (path: string, body: unknown) => {
      const r = await fetch(`${s.relay.url}${path}`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
      return { status: r.status, json: (await r.json()) as Record<string, unknown> };
    };
    const adminCall = async (action: 'invite' | 'directory' | 'certify', data?: unknown) => post('/api/musterstadt/admin', await signAdmin(admin, 'musterstadt', action, data));

    const invited = await adminCall('invite', { person: 'b3', name: 'Sevim Arslan', email: 'sevim.arslan@example.org', roles: ['advisory'], bodies: ['bv-mitte'], ...invitationLink(admin.publicKey, 'musterstadt', s.relay.url) });
    expect(invited.status, JSON.stringify(invited.json)).toBe(200);
    const token = /#\/enrol\/musterstadt\/([A-Za-z0-9_-]+)\?/.exec(smtp.mails.at(-1)!.text)![1]!;

    const start = await post('/api/musterstadt/enrol/start', { token, device: IDENTITY, sig: FORGED_SIG });
    expect(start.status).toBe(400);
    expect(start.json.uri).toBeUndefined(); // no authenticator secret for such a key
    const dir = await adminCall('directory');
    expect((dir.json.enrolments as { device: string }[]).map((e) => e.device)).not.toContain(IDENTITY);

    const now = Date.now();
    const body: CertBody = { v: 1, tenant: 'musterstadt', person: 'b3', name: 'Sevim Arslan', device: IDENTITY, roles: ['advisory'], bodies: ['bv-mitte'], notBefore: now - 60_000, notAfter: now + 86_400_000 };
    const cert = await issue(body, admin); // even signed by the tenant key
    expect(await check(cert, admin.publicKey)).toBe(false);
    expect(await adminCall('certify', { cert })).toMatchObject({ status: 400, json: { code: 'bad-cert' } });
  });
});
