/**
 * The member's whole path on her own device in Firefox (Gecko) and WebKit (the engine of every iPhone),
 * as test/browser/enrolment, secret, outage and pwa run it in Chromium (issue 16). Per engine one member
 * (a voting member enrolling a new device) and a chair in another engine, on one demo relay:
 * invitation link, device key and TOTP, login, meeting, check-in, an open vote, a secret ballot with the
 * member's device as a trustee, receipt and one-click check; then her line is cut (test/helpers/engines.ts:
 * her own TCP forwarder to the relay, reset and refusing, the same in every engine), she votes offline,
 * the app restarts offline from its own store, and on reconnect both devices hold the same state as the relay.
 */
import * as OTPAuth from 'otpauth';
import { afterAll, describe, expect, it } from 'vitest';
import { fromHex } from '../../crypto/bytes.js';
import { type CertBody, issue } from '../../crypto/cert.js';
import { signerFromSeed } from '../../crypto/ed25519.js';
import { signAdmin, type AdminAction } from '../../core/identity.js';
import { openSqlite } from '../../relay/store.js';
import { invitationLink } from '../../web/identity.js';
import { demoSite } from '../helpers/browser.js';
import { type Engine, type Participant, useEngines } from '../helpers/engines.js';
import { cleanup } from '../helpers/relay.js';
import { localSmtp } from '../helpers/smtp.js';

const engines = useEngines();
const sites: Awaited<ReturnType<typeof demoSite>>[] = [];
const stops: (() => unknown)[] = [];
afterAll(async () => {
  for (const s of stops) await s();
  for (const s of sites) {
    await s.relay.close();
    cleanup(s.dataDir);
  }
});

/** The chair sits in another engine than the member. */
const CHAIR: Record<Engine, Engine> = { chromium: 'firefox', firefox: 'chromium', webkit: 'firefox' };
const PERSON = { person: 'm05', name: 'Sabine Koch' };
const MEETING = '12. Sitzung der Bezirksvertretung Mitte';
const T = 45_000;

const status = (p: Participant, s: string) => p.waitFor((s) => document.documentElement.dataset.status === s, s, T);
const count = (p: Participant, css: string) => p.evaluate((css) => document.querySelectorAll(css).length, css);
const attr = (p: Participant, css: string, name: string) => p.evaluate((a: { css: string; name: string }) => document.querySelector(a.css)?.getAttribute(a.name) ?? null, { css, name });
const text = (p: Participant, css: string) => p.evaluate((css) => document.querySelector(css)?.textContent ?? null, css);
const until = (p: Participant, css: string, ms = T) => p.waitFor((css) => !!document.querySelector(css), css, ms);
const bodyHas = (p: Participant, re: RegExp) => p.waitFor((r: { s: string; f: string }) => new RegExp(r.s, r.f).test(document.body.innerText), { s: re.source, f: re.flags }, T);

async function closeVote(chair: Participant) {
  await chair.click({ role: 'button', name: 'Abstimmung schließen' });
  await chair.click('dialog[open] [data-testid=confirm]'); // 2 of 15 present: not quorate, the chair confirms
}

/** The device key record as this engine keeps it in IndexedDB, and whether the private key can be exported. */
const deviceKeyRecord = (p: Participant, tenant: string) =>
  p.evaluate(async (slot) => {
    const db = await new Promise<IDBDatabase>((ok, fail) => {
      const r = indexedDB.open('ratsraum');
      r.onsuccess = () => ok(r.result);
      r.onerror = () => fail(r.error);
    });
    const d = await new Promise<{ publicKey: Uint8Array; privateKey?: CryptoKey; seed?: Uint8Array } | undefined>((ok, fail) => {
      const r = db.transaction('devices').objectStore('devices').get(slot);
      r.onsuccess = () => ok(r.result);
      r.onerror = () => fail(r.error);
    });
    db.close();
    if (!d) return null;
    const exported = d.privateKey ? await crypto.subtle.exportKey('pkcs8', d.privateKey).then(() => 'exported', (e: Error) => e.name) : null;
    return {
      publicKey: Array.from(d.publicKey, (b) => b.toString(16).padStart(2, '0')).join(''),
      cryptoKey: d.privateKey instanceof CryptoKey,
      algorithm: d.privateKey?.algorithm.name ?? null,
      extractable: d.privateKey?.extractable ?? null,
      seed: !!d.seed,
      exported,
    };
  }, `${tenant}/`);

for (const engine of ['firefox', 'webkit'] as const) {
  describe(`the member's path in ${engine}`, () => {
    let site: Awaited<ReturnType<typeof demoSite>>;
    let member: Participant;
    let chair: Participant;
    let totp: OTPAuth.TOTP;
    let device: string;

    it(`SEC-3 [${engine}] enrolment from the invitation link: non-extractable device key, TOTP, the admin's confirmation, login with a code`, async () => {
      const smtp = await localSmtp();
      site = await demoSite({ relay: { smtp: { host: '127.0.0.1', port: smtp.port, from: 'ratsraum@musterstadt.example' } } });
      sites.push(site);
      stops.push(() => smtp.close());
      const tenant = site.demo.tenant;
      const admin = await signerFromSeed(fromHex(site.demo.tenantSeed, 32));
      const adminCall = async (action: AdminAction, data?: unknown) => {
        const r = await fetch(`${site.relay.url}/api/${tenant}/admin`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(await signAdmin(admin, tenant, action, data)) });
        expect(r.status, await r.clone().text()).toBe(200);
        return r.json() as Promise<Record<string, unknown>>;
      };
      // The administration invites a voting member for a new device of her own (as the console does, signed by the tenant key).
      const invitation = invitationLink(admin.publicKey, tenant, site.relay.url);
      await adminCall('invite', { ...PERSON, email: 'sabine.koch@example.org', roles: ['member'], bodies: ['bv-mitte'], ...invitation });
      await expect.poll(() => smtp.mails.length).toBe(1);
      const link = /(http:\/\/\S+#\/enrol\/musterstadt\/\S+\?fp=[0-9a-f]{32})/.exec(smtp.mails[0]!.text)![1]!;
      expect(link).toBe(invitation.link);

      chair = await engines.open(CHAIR[engine], site.links.chair.url);
      member = await engines.open(engine, link, { width: 480 });
      await member.click({ role: 'button', name: 'Gerät einrichten' });
      await until(member, '[data-testid=totp-secret]');
      totp = new OTPAuth.TOTP({ secret: OTPAuth.Secret.fromBase32((await text(member, '[data-testid=totp-secret]'))!) });
      expect(await attr(member, 'img[alt*="QR-Code"]', 'src')).toMatch(/^data:image\/png;base64,/);
      await member.fill({ role: 'textbox', name: 'Code aus der Anmelde-App' }, totp.generate());
      await member.click({ role: 'button', name: 'Code bestätigen' });
      await until(member, '[data-testid=enrol-awaiting] strong');

      // The key was made in this engine and never leaves it: a non-extractable WebCrypto Ed25519 key, no seed.
      const key = (await deviceKeyRecord(member, tenant))!;
      expect(key).toEqual({ publicKey: expect.stringMatching(/^[0-9a-f]{64}$/), cryptoKey: true, algorithm: 'Ed25519', extractable: false, seed: false, exported: 'InvalidAccessError' });
      device = key.publicKey;

      // The admin compares the fingerprint and certifies exactly that key.
      const dir = await adminCall('directory');
      const pending = (dir.enrolments as { device: string; person: string; state: string; grant: { name: string; roles: string[]; bodies: string[] } }[]).find((e) => e.device === device)!;
      expect(pending).toMatchObject({ person: PERSON.person, state: 'awaiting' });
      const now = Date.now();
      const body: CertBody = { v: 1, tenant, person: pending.person, name: pending.grant.name, device, roles: pending.grant.roles as CertBody['roles'], bodies: pending.grant.bodies, notBefore: now - 60_000, notAfter: now + 86_400_000 };
      await adminCall('certify', { cert: await issue(body, admin) });

      await until(member, '[data-testid=enrol-done]');
      await member.click({ role: 'link', name: 'Weiter zur Anmeldung' });
      await member.fill({ role: 'textbox', name: 'Code aus der Anmelde-App' }, totp.generate({ timestamp: Date.now() + 30_000 }));
      await member.click({ role: 'button', name: 'Anmelden' });
      await bodyHas(member, /Angemeldet bis/);
      await member.click({ role: 'link', name: MEETING });
      await status(member, 'online');
      await status(chair, 'online');
    });

    it(`VOTE-4 [${engine}] check-in, an open vote, and a secret ballot with this device as trustee: receipt, "included" and the one-click check`, async () => {
      await member.click({ role: 'button', name: 'Anwesend melden (digital)' });
      await chair.click({ role: 'button', name: 'Anwesend melden (digital)' });
      await chair.click({ role: 'button', name: 'Sitzung eröffnen' });
      await chair.select('#item-select', 'top3');
      await chair.click({ role: 'button', name: 'Tagesordnungspunkt aufrufen' });

      // An open vote.
      await chair.fill('#vote-title', 'Radverkehrskonzept: Beschluss');
      await chair.click({ role: 'button', name: 'Abstimmung eröffnen' });
      await until(member, '[data-vote-status=open]');
      const open = (await attr(member, '[data-vote-status=open]', 'data-vote'))!;
      await member.click(`[data-vote="${open}"] [data-choice=yes]`);
      await until(chair, `[data-vote="${open}"] tr[data-person="${PERSON.person}"]`);
      await closeVote(chair);
      await member.waitFor((v) => document.querySelector(`[data-vote="${v}"] .mine`)?.getAttribute('data-ballot-status') === 'counted', open, T);

      // Trustees: the chair and this member's device, which runs its part of the key generation by itself.
      for (const t of ['m01', PERSON.person]) await chair.click(`[data-trustee=${t}]`);
      await chair.click({ role: 'button', name: 'Schlüssel erzeugen' });
      await chair.waitFor(() => document.querySelector('[data-key-status]')?.getAttribute('data-key-status') === 'ready', undefined, 60_000);
      await chair.fill('#vote-title', 'Wahl der Schriftführung');
      await chair.click('input[name=mode][value=secret]');
      await chair.click({ role: 'button', name: 'Abstimmung eröffnen' });
      await until(member, '[data-vote-status=open][data-mode=secret]');
      const secret = (await attr(member, '[data-vote-status=open][data-mode=secret]', 'data-vote'))!;
      await member.click(`[data-vote="${secret}"] [data-choice=yes]`);
      await chair.click(`[data-vote="${secret}"] [data-choice=no]`);
      for (const p of [member, chair]) await until(p, `[data-vote="${secret}"] [data-testid=receipt]`);
      await chair.waitFor(() => /2 verschlüsselte Stimmzettel/.test(document.querySelector('[data-testid=received]')?.textContent ?? ''), undefined, T);
      await closeVote(chair);
      await member.click('[data-testid=release]');
      await chair.click('[data-testid=release]');
      await until(member, `[data-vote="${secret}"] [data-testid=included]`, 60_000);
      expect(await text(member, `[data-vote="${secret}"] [data-testid=included]`)).toBe('Ihre Stimme ist im Ergebnis enthalten.');
      await member.click({ role: 'button', name: 'Geheime Abstimmung prüfen' });
      await member.waitFor(() => document.querySelector('[data-testid=verify-result]')?.getAttribute('data-ok') === 'true', undefined, 60_000);
      expect(await text(member, '[data-testid=verify-result]')).toContain('Alle 2 gezählten Stimmzettel sind gültig');
    });

    it(`AV-3 [${engine}] installed service worker; offline the ballot is kept, the app restarts offline from its own store, and on reconnect converges with the chair in ${CHAIR[engine]}`, async () => {
      const manifest = await (await fetch(`${site.relay.url}/manifest.webmanifest`)).json();
      expect(manifest).toMatchObject({ display: 'standalone', lang: 'de', start_url: '/' });
      await member.waitFor(() => !!navigator.serviceWorker.controller, undefined, T);

      await chair.fill('#vote-title', 'Haushalt: Änderungsantrag');
      await chair.click('input[name=mode][value=open]');
      await chair.click({ role: 'button', name: 'Abstimmung eröffnen' });
      await until(member, '[data-vote-status=open]');
      const vote = (await attr(member, '[data-vote-status=open]', 'data-vote'))!;

      // A cut line takes the data channels with it; the forwarder cuts only the relay's path, so this device holds
      // none (ratsraum.peers=off), or its ballot would travel to the chair's page over WebRTC (peers-only.test.ts).
      // WebKit here has no RTCPeerConnection: no data channels to switch off.
      if (engine !== 'webkit') {
        await member.evaluate(() => localStorage.setItem('ratsraum.peers', 'off'));
        await member.reload();
        await status(member, 'online');
        await until(member, `[data-vote="${vote}"] fieldset.ballot:not([disabled]) [data-choice=no]`); // the reloaded page knows it may vote
      }
      await member.offline(true);
      await status(member, 'offline');
      await member.click(`[data-vote="${vote}"] [data-choice=no]`);
      await member.waitFor((v) => /wird nachgereicht/.test(document.querySelector(`[data-vote="${v}"] .mine`)?.textContent ?? ''), vote, T);
      const before = Number(await member.evaluate(() => document.documentElement.dataset.logSize));

      // Restart with the line still cut: the service worker serves the app, IndexedDB the log and the unsent ballot.
      await member.reload();
      await until(member, '#meeting-title');
      await status(member, 'offline');
      expect(Number(await member.evaluate(() => document.documentElement.dataset.logSize))).toBe(before);
      expect(await count(member, '.agenda li')).toBe(7);
      await member.waitFor((v) => /wird nachgereicht/.test(document.querySelector(`[data-vote="${v}"] .mine`)?.textContent ?? ''), vote, T);
      expect(await member.evaluate(() => Array.from(document.querySelectorAll('button'), (b) => b.textContent?.trim()).includes('Abmelden'))).toBe(true); // own check-in kept

      await member.offline(false);
      await status(member, 'online');
      await until(chair, `[data-vote="${vote}"] tr[data-person="${PERSON.person}"]`); // the ballot made offline reached the chair
      await closeVote(chair);
      for (const p of [member, chair]) await until(p, `[data-vote="${vote}"] tr[data-person="${PERSON.person}"][data-status=counted]`);
      const hashes = () => Promise.all([member, chair].map((p) => p.evaluate(() => `${document.documentElement.dataset.stateHash}/${document.documentElement.dataset.logSize}`)));
      await expect.poll(async () => new Set(await hashes()).size, { timeout: T }).toBe(1);
      const size = Number((await hashes())[0]!.split('/')[1]);
      const sqlite = openSqlite(`${site.dataDir}/relay.sqlite`);
      const held = await sqlite.all(site.demo.tenant, site.demo.meeting, ['public', 'members']);
      await sqlite.close();
      expect(held.length).toBe(size); // each entry once on the relay, nothing lost or doubled
    });
  });
}
