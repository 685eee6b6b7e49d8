/**
 * SEC-4 and ORG-1 through the admin API: only the tenant key may administer; every change is a signed entry
 * in an audit log that can be filtered and exported and re-checked by anyone with the tenant key; OParl
 * preview and import from an endpoint; master data listed for the admin view.
 */
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { fromHex } from '../../crypto/bytes.js';
import { generateSeed, signerFromSeed, verify } from '../../crypto/ed25519.js';
import { adminInput, type AdminAction, type AdminRequest, signAdmin } from '../../core/identity.js';
import { cleanup, demoRelay, demoSigner } from '../helpers/relay.js';
import { invitationLink } from '../../web/identity.js';
import { localSmtp } from '../helpers/smtp.js';
import { OPARL_FIXTURES, serveOparl } from '../helpers/oparl-server.js';

const stops: (() => unknown)[] = [];
afterAll(async () => {
  for (const s of stops.reverse()) await s();
});

async function site() {
  const smtp = await localSmtp();
  const s = await demoRelay({ relay: { smtp: { host: '127.0.0.1', port: smtp.port, from: 'ratsraum@musterstadt.example' } } });
  stops.push(() => cleanup(s.dataDir), () => s.relay.close(), () => smtp.close());
  const admin = await signerFromSeed(fromHex(s.demo.tenantSeed, 32));
  const send = async (body: unknown, tenant = 'musterstadt') => {
    const r = await fetch(`${s.relay.url}/api/${tenant}/admin`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
    return { status: r.status, json: (await r.json()) as Record<string, unknown> };
  };
  const call = async (action: AdminAction, data?: unknown) => send(await signAdmin(admin, 'musterstadt', action, data));
  return { ...s, smtp, admin, send, call };
}

describe('admin API', () => {
  it('SEC-4 only the tenant key administers; replays, stale requests and other tenants are refused', async () => {
    const s = await site();
    const member = await demoSigner(s.demo, 'm01'); // the chair's device key is no admin key
    expect(await s.send(await signAdmin(member, 'musterstadt', 'directory', null))).toMatchObject({ status: 403, json: { code: 'not-admin', de: expect.stringContaining('Verwaltung') } });
    const stale = await signAdmin(s.admin, 'musterstadt', 'directory', null, Date.now() - 10 * 60_000);
    expect(await s.send(stale)).toMatchObject({ status: 400, json: { code: 'clock' } });
    const invite = await signAdmin(s.admin, 'musterstadt', 'invite', { person: 'b3', name: 'Sevim Arslan', email: 'sevim@example.org', roles: ['advisory'], bodies: ['bv-mitte'], ...invitationLink(s.admin.publicKey, 'musterstadt', s.relay.url) });
    expect((await s.send(invite)).status).toBe(200);
    expect(await s.send(invite)).toMatchObject({ status: 409, json: { code: 'replay' } });
    expect(s.smtp.mails).toHaveLength(1);
    expect(await s.send(invite, 'nachbarstadt')).toMatchObject({ status: 404, json: { code: 'unknown-tenant' } });
    const forged = { ...invite, req: { ...invite.req, data: { ...(invite.req.data as object), roles: ['admin'] } } };
    expect(await s.send(forged)).toMatchObject({ status: 403 });
    expect(await s.call('invite', { person: 'b3', name: 'X', email: 'not an address', roles: ['member'], bodies: [] })).toMatchObject({ status: 400, json: { code: 'bad-request' } });
    const big = await fetch(`${s.relay.url}/api/musterstadt/admin`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ pad: 'x'.repeat(70_000) }) });
    expect(big.status).toBe(413);
  });

  it('SEC-4 every admin change is a signed entry in an audit log that can be filtered, exported and re-checked', async () => {
    const s = await site();
    const other = await signerFromSeed(generateSeed());
    await s.call('invite', { person: 'b3', name: 'Sevim Arslan', email: 'sevim@example.org', roles: ['advisory'], bodies: ['bv-mitte'], ...invitationLink(s.admin.publicKey, 'musterstadt', s.relay.url) });
    await s.call('invite', { person: 'm05', name: 'Sabine Koch', email: 'sabine@example.org', roles: ['member'], bodies: ['bv-mitte'], ...invitationLink(s.admin.publicKey, 'musterstadt', s.relay.url) });
    const all = (await s.call('audit', {})).json.entries as { action: string; actor: string; person: string | null; request: string | null; sig: string | null; summary: string }[];
    const invites = all.filter((e) => e.action === 'invite');
    expect(invites.map((e) => e.person)).toEqual(['m05', 'b3']); // newest first
    for (const e of invites) {
      expect(e.actor).toBe('admin');
      const req = JSON.parse(e.request!) as AdminRequest;
      expect(await verify(fromHex(e.sig!, 64), adminInput(req), s.admin.publicKey)).toBe(true);
      expect(await verify(fromHex(e.sig!, 64), adminInput(req), other.publicKey)).toBe(false);
    }
    expect(((await s.call('audit', { person: 'b3' })).json.entries as unknown[]).length).toBe(1);
    expect(((await s.call('audit', { text: 'Koch' })).json.entries as { person: string }[]).map((e) => e.person)).toEqual(['m05']);
    expect(((await s.call('audit', { action: 'revoke' })).json.entries as unknown[]).length).toBe(0);
    expect(((await s.call('audit', { from: Date.now() + 60_000 })).json.entries as unknown[]).length).toBe(0);
    expect(((await s.call('audit', { text: '%' })).json.entries as unknown[]).length).toBe(0); // LIKE wildcards are taken literally
    // Reading is not a change: it leaves no entry.
    expect(((await s.call('audit', { action: 'audit' })).json.entries as unknown[]).length).toBe(0);
  });

  it('ORG-1 the admin previews an OParl import, then imports; the directory lists bodies, persons and memberships', async () => {
    const s = await site();
    const ris = await serveOparl(join(OPARL_FIXTURES, 'clean'));
    stops.push(ris.close);
    const preview = await s.call('oparl.preview', { source: ris.system });
    expect(preview.status, JSON.stringify(preview.json)).toBe(200);
    expect(preview.json).toMatchObject({ applied: false, complete: true });
    const added = (preview.json.preview as { total: { added: number } }).total.added;
    expect(added).toBeGreaterThan(10);
    const before = (await s.call('directory')).json as { persons: unknown[] };
    const imported = await s.call('oparl.import', { source: ris.system });
    expect(imported.json).toMatchObject({ applied: true, preview: { total: { added } } });
    const after = (await s.call('directory')).json as { persons: { id: string; key: string; name: string }[]; memberships: unknown[]; bodies: unknown[]; oparlMeetings: unknown[] };
    expect(after.persons.length).toBeGreaterThan(before.persons.length);
    const oparlPerson = after.persons.find((p) => p.id.startsWith(ris.base))!;
    expect(oparlPerson.key).toMatch(/^p-[0-9a-f]{16}$/);
    expect(after.oparlMeetings.length).toBeGreaterThan(0);
    const again = await s.call('oparl.import', { source: ris.system });
    expect(again.json).toMatchObject({ applied: true, preview: { total: { added: 0, updated: 0 } } });
    expect(((await s.call('audit', { action: 'oparl.import' })).json.entries as unknown[]).length).toBe(2);
    // Only URLs or folders inside <data>/oparl: no path tricks.
    expect(await s.call('oparl.preview', { source: '../../etc' })).toMatchObject({ status: 400, json: { code: 'oparl' } });
  });
});
