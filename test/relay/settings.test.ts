/**
 * DS-1 and SEC-2 for real tenants (issue 10, "Real tenants"): per-tenant settings fill the handbook and
 * privacy texts, saved only by a request the tenant key signed, kept in identity.sqlite; no {{placeholder}}
 * ever reaches a member. Driven as a client would: raw HTTP, signed requests built by hand, the SQLite file.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterAll, describe, expect, it } from 'vitest';
import { fromHex } from '../../crypto/bytes.js';
import { generateSeed, signerFromSeed } from '../../crypto/ed25519.js';
import { signAdmin } from '../../core/identity.js';
import { loadHandbook, MISSING } from '../../relay/handbook.js';
import { SETTING_NAMES } from '../../relay/settings.js';
import { textOf } from '../helpers/pdf-text.js';
import { cleanup, demoRelay } from '../helpers/relay.js';
import { readable } from '../../relay/mailbox.js';
import { localSmtp } from '../helpers/smtp.js';
import { invitationLink } from '../../web/identity.js';

const stops: (() => unknown)[] = [];
afterAll(async () => {
  for (const s of stops.reverse()) await s();
});

async function site() {
  const smtp = await localSmtp();
  const s = await demoRelay({ relay: { smtp: { host: '127.0.0.1', port: smtp.port, from: 'ratsraum@musterstadt.example' } } });
  stops.push(() => cleanup(s.dataDir), () => s.relay.close().catch(() => {}), () => smtp.close());
  const admin = await signerFromSeed(fromHex(s.demo.tenantSeed, 32));
  const post = async (body: unknown) => {
    const r = await fetch(`${s.relay.url}/api/${s.demo.tenant}/admin`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
    return { status: r.status, json: (await r.json()) as Record<string, unknown> };
  };
  const text = async (kind: string, lang: string, tenant: string | null = s.demo.tenant) =>
    ((await (await fetch(`${s.relay.url}/api/handbook/${kind}/${lang}${tenant ? `?tenant=${tenant}` : ''}`)).json()) as { markdown: string; version: string });
  const pdf = async (kind: string, lang: string) => textOf(new Uint8Array(await (await fetch(`${s.relay.url}/api/handbook/${kind}/${lang}.pdf?tenant=${s.demo.tenant}`)).arrayBuffer()));
  return { ...s, smtp, admin, post, text, pdf };
}

const TEXTS = [
  ['security', 'de'],
  ['security', 'en'],
  ['privacy', 'de'],
  ['privacy', 'en'],
] as const;

describe('per-tenant settings', () => {
  it('DS-1 SEC-2 (real tenants) a tenant with no settings: no {{placeholder}} in any text or PDF a member gets, a clear "noch nicht festgelegt" instead, and the console lists what is missing (the municipality\'s own placeholders too)', async () => {
    const s = await site();
    // The municipality's own copy may use a placeholder nobody ever set.
    mkdirSync(join(s.dataDir, 'handbook', 'de'), { recursive: true });
    writeFileSync(join(s.dataDir, 'handbook', 'de', 'security.md'), '# Handbuch\n\nBürgermeister: {{mayor}}. Kontakt: {{ support }}.\n');
    for (const [kind, lang] of TEXTS) {
      for (const tenant of [s.demo.tenant, null, 'nachbarstadt']) {
        const { markdown } = await s.text(kind, lang, tenant);
        expect(markdown, `${kind}/${lang} for ${tenant}`).not.toMatch(/\{\{|\}\}/);
        expect(markdown).toContain(MISSING[lang]);
      }
      const printed = await s.pdf(kind, lang);
      expect(printed).not.toMatch(/\{\{|\}\}/);
      expect(printed).toContain(lang === 'de' ? 'noch nicht festgelegt' : 'not yet set');
    }
    expect(MISSING.de).toBe('(noch nicht festgelegt – bitte bei der Verwaltung erfragen)');
    // The admin console lists what is missing.
    const dir = await s.post(await signAdmin(s.admin, s.demo.tenant, 'directory', null));
    // ... the municipality's own placeholder among them, and it can be set like the others.
    // What the relay itself knows counts: the invitations' sender is the configured mail address.
    expect(dir.json.settings).toEqual({ names: [...SETTING_NAMES, 'mayor'], values: { sender: 'ratsraum@musterstadt.example' }, missing: [...SETTING_NAMES.filter((n) => n !== 'sender'), 'mayor'] });
    expect((await s.post(await signAdmin(s.admin, s.demo.tenant, 'settings.save', { mayor: 'Bürgermeisterin Petra Müller' }))).json.missing).not.toContain('mayor');
    expect((await s.text('security', 'de')).markdown).toBe(`# Handbuch\n\nBürgermeister: Bürgermeisterin Petra Müller. Kontakt: ${MISSING.de}.\n`);
    expect(await s.post(await signAdmin(s.admin, s.demo.tenant, 'settings.save', { 'no spaces': 'x' }))).toMatchObject({ status: 400, json: { code: 'bad-request' } });
  });

  it('DS-1 (real tenants) settings saved by a request the tenant key signed fill the texts and invitation mails of that tenant only, are kept in identity.sqlite and audited; other keys are refused', async () => {
    const s = await site();
    const before = await s.text('privacy', 'de');
    const values = {
      municipality: 'Stadt Musterstadt',
      controller: 'Stadt Musterstadt, Der Bürgermeister, Markt 1, 12345 Musterstadt',
      dpo: 'Frau Datenschutz, datenschutz@musterstadt.example, 0123 456-100',
      hotline_phone: '0123 456-789',
      hotline_email: 'sitzungsdienst@musterstadt.example',
    };
    // A member's device key, or any other key, is not the tenant key.
    const stranger = await signerFromSeed(generateSeed());
    expect(await s.post(await signAdmin(stranger, s.demo.tenant, 'settings.save', values))).toMatchObject({ status: 403, json: { code: 'not-admin' } });
    const signed = await signAdmin(s.admin, s.demo.tenant, 'settings.save', values);
    const forged = { ...signed, req: { ...signed.req, data: { ...values, dpo: 'angreifer@example.org' } } };
    expect((await s.post(forged)).status).toBe(403);
    // A line break could start a heading of its own in the text.
    expect(await s.post(await signAdmin(s.admin, s.demo.tenant, 'settings.save', { controller: 'X\n# Gefälscht' }))).toMatchObject({ status: 400, json: { code: 'bad-request' } });
    expect((await s.text('privacy', 'de')).markdown).toBe(before.markdown);

    const saved = await s.post(signed);
    expect(saved.status).toBe(200);
    expect(saved.json.missing).toEqual(SETTING_NAMES.filter((n) => !(n in values) && n !== 'sender'));

    const after = await s.text('privacy', 'de');
    expect(after.markdown).toContain('Markt 1, 12345 Musterstadt');
    expect(after.markdown).toContain('datenschutz@musterstadt.example');
    expect(after.version).not.toBe(before.version); // members acknowledge the filled text anew
    const security = await s.text('security', 'de');
    expect(security.markdown).toContain('0123 456-789');
    expect(security.markdown).toContain('sitzungsdienst@musterstadt.example');
    expect(await s.pdf('privacy', 'de')).toContain('Der Bürgermeister, Markt 1');
    // Invitation mails name the municipality as set.
    const invite = { person: 'b3', name: 'Sevim Arslan', email: 'sevim@example.org', roles: ['advisory'], bodies: ['bv-mitte'], ...invitationLink(s.admin.publicKey, s.demo.tenant, s.relay.url) };
    expect((await s.post(await signAdmin(s.admin, s.demo.tenant, 'invite', invite))).status).toBe(200);
    expect(readable(s.smtp.mails.at(-1)!).subject).toBe('Einladung zu Ratsraum – Stadt Musterstadt');
    // Another tenant (and no tenant) does not get them.
    expect((await s.text('privacy', 'de', null)).markdown).not.toContain('Markt 1');

    // Kept in the identity database, per tenant.
    const db = new Database(join(s.dataDir, 'identity.sqlite'), { readonly: true });
    const rows = db.prepare('SELECT tenant, name, value FROM tenant_settings ORDER BY name').all() as { tenant: string; name: string; value: string }[];
    db.close();
    expect(rows.map((r) => [r.tenant, r.name, r.value])).toEqual(Object.entries(values).sort(([a], [b]) => a.localeCompare(b)).map(([n, v]) => [s.demo.tenant, n, v]));

    // An empty value clears it again; each change is in the audit log as the signed request.
    await s.post(await signAdmin(s.admin, s.demo.tenant, 'settings.save', { hotline_email: '' }));
    expect((await s.text('security', 'de')).markdown).not.toContain('sitzungsdienst@');
    const audit = (await s.post(await signAdmin(s.admin, s.demo.tenant, 'audit', { action: 'settings.save' }))).json.entries as { summary: string; sig: string | null }[];
    expect(audit.map((e) => e.summary)).toEqual(['settings changed: hotline_email', `settings changed: ${Object.keys(values).join(', ')}`]);
    expect(audit.every((e) => e.sig)).toBe(true);
    // A tenant made with `ratsraum tenant create --name` is called by that name until the settings say otherwise.
    await s.relay.identity.invitations.createSetup({ tenant: 'nachbarstadt', name: 'Gemeinde Nachbarstadt' });
    expect((await s.relay.identity.settings.values('nachbarstadt')).municipality).toBe('Gemeinde Nachbarstadt');
    // After a restart of the relay on the same data, the values are still there.
    await s.relay.close();
    const again = await demoRelay({ dataDir: s.dataDir, demo: s.demo });
    stops.push(() => again.relay.close());
    const r = (await (await fetch(`${again.relay.url}/api/handbook/privacy/de?tenant=${s.demo.tenant}`)).json()) as { markdown: string };
    expect(r.markdown).toContain('Markt 1, 12345 Musterstadt');
  });

  it('DS-1 SEC-2 PUB-5 (texts that claim too much) what members acknowledge says non-public content is encrypted end to end (meetings set up before it in clear), ballots only as ciphertexts', async () => {
    const claims = {
      de: { clear: /speichert (sie|diese Inhalte) derzeit \*\*unverschlüsselt\*\*|in Vorbereitung/, older: /vor dieser Fassung[^.]*\*\*unverschlüsselt\*\*/, e2e: /Ende-zu-Ende(-| )verschlüsselt(?!ung ist in Vorbereitung)|können sie nicht lesen|speichert sie nur verschlüsselt/, ballots: /ElGamal/, keys: /verlässt (das|Ihr) Gerät (nie|nicht)/ },
      en: { clear: /currently stores (them|that content) \*\*unencrypted\*\*|in preparation/, older: /before this version[^.]*\*\*unencrypted\*\*/, e2e: /encrypted end to end|cannot read them|stores it only in encrypted form/, ballots: /ElGamal/, keys: /never leaves (the|your) device/ },
    } as const;
    for (const lang of ['de', 'en'] as const) {
      for (const kind of ['privacy', 'security'] as const) {
        const { markdown } = await loadHandbook(kind, lang);
        const c = claims[lang];
        // End-to-end encryption of members' content (docs/PROTOCOL.md "Sealed content"), and what it does not cover.
        expect(markdown, `${lang}/${kind}`).not.toMatch(c.clear);
        expect(markdown, `${lang}/${kind}`).toMatch(c.e2e);
        expect(markdown, `${lang}/${kind}`).toMatch(c.older);
        expect(markdown).toMatch(c.ballots);
        expect(markdown).toMatch(c.keys);
        // The acknowledged version is new: members are asked again.
        const version = kind === 'privacy' ? 4 : 3;
        expect(markdown).toMatch(lang === 'de' ? new RegExp(`Fassung ${version}`) : new RegExp(`Version ${version}`));
      }
      const { markdown } = await loadHandbook('privacy', lang);
      // What is logged, and what Ratsraum deletes by itself (DS-2: relay/retention.ts), with evidence.
      expect(markdown).toMatch(lang === 'de' ? /protokolliert jede Änderung[^]*jede Anmeldung, auch fehlgeschlagene/ : /logs every change[^]*every login, failed and locked ones included/);
      expect(markdown).toMatch(lang === 'de' ? /löscht nach Ablauf der Frist selbst und automatisch[^]*signierten Löschnachweis/ : /deletes by itself, automatically, when a period ends[^]*signed deletion record/);
      expect(markdown).not.toMatch(lang === 'de' ? /löscht in dieser Fassung nur/ : /deletes only expired login sessions/);
    }
  });
});
