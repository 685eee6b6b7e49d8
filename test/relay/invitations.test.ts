/** VID-5 and SEC-3: one-time, expiring invitations per tenant, sent over real SMTP to a local server. */
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { openSqliteIdentity } from '../../relay/identity-schema.js';
import { Invitations, sendInvitation } from '../../relay/invitations.js';
import { cleanup, tempDir } from '../helpers/relay.js';
import { localSmtp } from '../helpers/smtp.js';

const stops: (() => unknown)[] = [];
afterAll(async () => {
  for (const s of stops.reverse()) await s();
});

describe('invitations', () => {
  it('VID-5 SEC-3 an invitation mail arrives over SMTP with a one-time link carrying the tenant key fingerprint', async () => {
    const dir = tempDir();
    const db = await openSqliteIdentity(join(dir, 'identity.sqlite'));
    const inv = new Invitations(db);
    const smtp = await localSmtp();
    stops.push(() => cleanup(dir), () => db.close(), () => smtp.close());
    const { token, expires } = await inv.create({ tenant: 'musterstadt', person: 'm05', email: 'ben.becker@example.org' });
    const fingerprint = '0a1b 2c3d 4e5f 6071 8293 a4b5 c6d7 e8f9';
    const link = `https://ratsraum.musterstadt.example/#/enrol/musterstadt/${token}?fp=${fingerprint.replace(/ /g, '')}`;
    await sendInvitation({ host: '127.0.0.1', port: smtp.port, from: 'ratsraum@musterstadt.example' }, { to: 'ben.becker@example.org', name: 'Ben Becker', municipality: 'Stadt Musterstadt', link, fingerprint, expires });
    expect(smtp.mails).toHaveLength(1);
    const mail = smtp.mails[0]!;
    expect(mail.to).toEqual(['ben.becker@example.org']);
    expect(mail.text).toContain(link);
    expect(mail.text).toContain(fingerprint);
    expect(mail.text).toContain('Guten Tag Ben Becker');
    expect(mail.text).toMatch(/Subject: =\?UTF-8\?|Subject: Einladung zu Ratsraum/);
    // The database files hold no token, only its hash.
    const files = ['identity.sqlite', 'identity.sqlite-wal'].filter((f) => existsSync(join(dir, f))).map((f) => readFileSync(join(dir, f)).toString('latin1'));
    expect(files.join('')).toContain('ben.becker@example.org');
    expect(files.join('')).not.toContain(token);
  });

  it('SEC-3 redeeming works once; twice, late, for another tenant or with an unknown token fails with a clear message', async () => {
    const dir = tempDir();
    const db = await openSqliteIdentity(join(dir, 'identity.sqlite'));
    const inv = new Invitations(db);
    stops.push(() => cleanup(dir), () => db.close());
    const now = 1_800_000_000_000;
    const a = await inv.create({ tenant: 'musterstadt', person: 'm05', email: 'a@example.org', ttlMs: 3_600_000, now });
    expect(await inv.redeem('nachbarstadt', a.token, now)).toMatchObject({ ok: false, code: 'unknown', de: 'Diese Einladung ist ungültig.' });
    expect(await inv.redeem('musterstadt', a.token, now + 1000)).toMatchObject({ ok: true, tenant: 'musterstadt', person: 'm05', email: 'a@example.org' });
    expect(await inv.redeem('musterstadt', a.token, now + 2000)).toMatchObject({ ok: false, code: 'used', de: expect.stringContaining('bereits verwendet') });
    const b = await inv.create({ tenant: 'musterstadt', person: 'm06', email: 'b@example.org', ttlMs: 3_600_000, now });
    expect(await inv.redeem('musterstadt', b.token, now + 3_600_000)).toMatchObject({ ok: false, code: 'expired', en: expect.stringContaining('expired') });
    expect(await inv.redeem('musterstadt', `${b.token.slice(0, -1)}x`, now)).toMatchObject({ ok: false, code: 'unknown' });
    // It survives a restart: a used invitation stays used.
    await db.close();
    const reopened = await openSqliteIdentity(join(dir, 'identity.sqlite'));
    const again = new Invitations(reopened);
    stops.push(() => reopened.close());
    expect(await again.redeem('musterstadt', a.token, now + 5000)).toMatchObject({ ok: false, code: 'used' });
  });
});
