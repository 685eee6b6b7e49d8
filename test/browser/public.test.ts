/**
 * The public side in Chromium, on the path a person takes (PUB-1..4, DS-4, ORG-2): registration by e-mail with
 * the mail caught by the local SMTP server, its link, the recording notice confirmed before anything of the
 * meeting is opened; the room display at 1920×1080 and offline; a resident's question reaching the chair, and
 * one after the deadline refused with the reason; every request of every view to the app's own origin under
 * the relay's real CSP. One Chromium for the file; each test's contexts and relays go when it ends.
 */
import type { Page } from 'playwright-core';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { axe, whenStatus } from '../helpers/browser.js';
import { perTestSites } from '../helpers/per-test-sites.js';
import { device, online } from '../helpers/relay.js';
import { localSmtp } from '../helpers/smtp.js';

const suite = perTestSites();
let mail: Awaited<ReturnType<typeof localSmtp>>;
const stops: (() => unknown)[] = [];

beforeAll(async () => {
  mail = await localSmtp();
}, 60_000);
afterEach(async () => {
  for (const s of stops.splice(0)) await s();
}, 120_000);
afterAll(async () => {
  await mail?.close();
}, 60_000);

const site = (smtp = false) => suite.site({ relay: smtp ? { smtp: { host: mail.host, port: mail.port, from: 'ratsraum@example.org' } } : {} });

/** A page that records every request and WebSocket from its first one; `csp: false` keeps the relay's CSP in force (axe needs it bypassed). */
async function open(url: string, o: { width?: number; height?: number; lang?: 'de' | 'en'; bypassCSP?: boolean } = {}) {
  const context = suite.keep(await suite.browser().newContext({ viewport: { width: o.width ?? 1280, height: o.height ?? 900 }, locale: 'de-DE', bypassCSP: o.bypassCSP ?? false }));
  const requests: string[] = [];
  const sockets: string[] = [];
  context.on('request', (r) => requests.push(r.url()));
  const page = await context.newPage();
  page.on('websocket', (ws) => sockets.push(ws.url()));
  page.on('pageerror', (e) => console.error(`page error: ${e.message}`));
  if (o.lang) await page.addInitScript((l) => localStorage.setItem('ratsraum.lang', l), o.lang);
  await page.goto(url);
  return { context, page, requests, sockets };
}

const settings = (s: Awaited<ReturnType<typeof site>>, values: Record<string, string>) => s.relay.identity.settings.save(s.demo.tenant, values);
const kioskUrl = (s: Awaited<ReturnType<typeof site>>) => `${s.relay.url}/#/saal/${s.demo.tenant}/${s.demo.meeting}`;
const fontPx = (page: Page, testid: string) => page.getByTestId(testid).evaluate((e) => parseFloat(getComputedStyle(e).fontSize));

describe('the public side in the browser', () => {
  it('PUB-2 PUB-1 registration: the mail with the personal link arrives at the SMTP server, the link opens the page, the recording notice is confirmed before any sync or stream; revocable; refused after the deadline with the reason', async () => {
    const s = await site(true);
    await settings(s, { public_anonymous: 'nein' });
    const v = await open(s.links.public, { width: 360 });
    await v.page.getByRole('heading', { name: 'Anmeldung zur Übertragung' }).waitFor();
    expect(await v.page.getByTestId('anonymous-allowed').count()).toBe(0);
    expect(await v.page.getByTestId('recording-notice').count()).toBe(0);
    await v.page.getByLabel('E-Mail-Adresse', { exact: true }).fill('zuschauerin@example.org');
    await v.page.getByRole('button', { name: 'Zugangslink anfordern' }).click();
    await expect.poll(() => v.page.getByTestId('registration-outcome').textContent()).toBe('Wir haben Ihnen einen persönlichen Zugangslink an zuschauerin@example.org geschickt.');

    await expect.poll(() => mail.mails.filter((m) => m.to.includes('zuschauerin@example.org')).length, { timeout: 15_000 }).toBe(1);
    const link = /(http:\/\/\S+\?access=[A-Za-z0-9_-]+)/.exec(mail.mails.find((m) => m.to.includes('zuschauerin@example.org'))!.text)![1]!;
    expect(link.startsWith(`${s.relay.url}/#/public/${s.demo.tenant}/${s.demo.meeting}?access=`)).toBe(true);

    await v.page.goto(link);
    const notice = v.page.getByTestId('recording-notice');
    await notice.waitFor();
    expect(await notice.textContent()).toContain('Aufzeichnung und Weiterverbreitung der Übertragung sind nicht gestattet');
    expect(await v.page.evaluate(() => location.hash)).toBe(`#/public/${s.demo.tenant}/${s.demo.meeting}`); // the token left the address bar
    // Before the confirmation: no socket at all (no sync, no video) and nothing of the meeting fetched.
    expect(v.sockets).toEqual([]);
    expect(v.requests.filter((u) => /\/sync|\/video|\/export|\/api\/config|\/key$/.test(u))).toEqual([]);

    await v.page.getByRole('button', { name: 'Verstanden – Übertragung ansehen' }).click();
    await whenStatus(v.page, 'online');
    expect(v.sockets.some((u) => u.endsWith('/sync'))).toBe(true);
    await v.page.getByRole('heading', { name: 'Ihr Zugangslink' }).waitFor();

    // The viewer revokes the link: asked first, then the gate is back and the relay holds it revoked.
    await v.page.getByTestId('revoke-access').click();
    await v.page.getByRole('dialog').getByRole('button', { name: 'Meinen Zugangslink sperren' }).click();
    await v.page.getByRole('heading', { name: 'Anmeldung zur Übertragung' }).waitFor();
    expect((await s.relay.identity.registrations.list(s.demo.tenant)).map((r) => r.revoked !== null)).toEqual([true]);

    // The standing orders' deadline: two hours before a start an hour from now has passed.
    await settings(s, { public_registration_hours: '2' });
    await v.page.reload();
    await expect.poll(() => v.page.getByTestId('registration').textContent()).toContain('Die Anmeldefrist ist abgelaufen');
    expect(await v.page.getByRole('button', { name: 'Zugangslink anfordern' }).count()).toBe(0);
  }, 120_000);

  it('PUB-3 the room display at 1920×1080 shows current item, speaker and running vote, then the result, in large type without any control, and starts offline from its last state', async () => {
    const s = await site();
    const k = await open(kioskUrl(s), { width: 1920, height: 1080 });
    await k.page.getByTestId('kiosk-session').waitFor();
    await whenStatus(k.page, 'online');
    const chair = await device(s.demo, 'm01', [s.wsUrl]);
    stops.push(() => chair.client.stop());
    await online(chair);
    const r = chair.replica;
    await r.create('session.open', {});
    await r.create('attendance.in', { person: 'm01', place: 'onsite' });
    await r.create('item.current', { item: 'top3' });
    await r.create('floor.give', { person: 'm02' });
    await r.create('vote.open', { vote: 'v-rad', item: 'top3', title: 'Radverkehrskonzept beschließen', mode: 'open' });
    await r.create('vote.cast', { vote: 'v-rad', choice: 'yes' });

    await expect.poll(() => k.page.getByTestId('kiosk-item').textContent(), { timeout: 20_000 }).toBe('TOP 3: Radverkehrskonzept Innenstadt');
    await expect.poll(() => k.page.getByTestId('kiosk-speaker').textContent()).toBe('Peter Hoffmann');
    await expect.poll(() => k.page.getByTestId('kiosk-vote').textContent()).toContain('Radverkehrskonzept beschließen');
    expect(await k.page.getByTestId('kiosk-vote').textContent()).toContain('1 Stimme eingegangen');
    // Readable across the room: the item and the speaker at least 48 px, the rest of the text at least 24 px.
    expect(await fontPx(k.page, 'kiosk-item')).toBeGreaterThanOrEqual(48);
    expect(await fontPx(k.page, 'kiosk-speaker')).toBeGreaterThanOrEqual(48);
    expect(await fontPx(k.page, 'kiosk-session')).toBeGreaterThanOrEqual(24);
    expect(await k.page.locator('button, a, input, select, textarea, [tabindex]').count()).toBe(0);
    await k.page.screenshot({ path: '/tmp/pub-kiosk-1920.png' });

    await r.create('vote.close', { vote: 'v-rad' });
    await expect.poll(() => k.page.getByTestId('kiosk-vote').textContent()).toMatch(/Angenommen|Abgelehnt/);
    const shown = await k.page.getByTestId('kiosk-vote').textContent();

    // Offline from the last state: the service worker serves the app, the device's store the session.
    await k.page.waitForFunction(async () => !!(await navigator.serviceWorker.ready).active, undefined, { timeout: 20_000 });
    await k.context.setOffline(true);
    await k.page.reload();
    await whenStatus(k.page, 'offline');
    await expect.poll(() => k.page.getByTestId('kiosk-item').textContent(), { timeout: 20_000 }).toBe('TOP 3: Radverkehrskonzept Innenstadt');
    expect(await k.page.getByTestId('kiosk-speaker').textContent()).toBe('Peter Hoffmann');
    expect(await k.page.getByTestId('kiosk-vote').textContent()).toBe(shown);
    expect(await k.page.getByTestId('kiosk-session').textContent()).toContain('ohne Verbindung');
  }, 120_000);

  it('PUB-4 a resident\'s question before the deadline appears for the chair, in order, and is marked answered by a signed entry; one after the deadline is refused with the reason', async () => {
    const s = await site();
    const resident = await open(s.links.public, { width: 360 });
    const form = resident.page.getByTestId('question-form');
    await form.waitFor();
    expect(await form.textContent()).toContain('Einwohnerfragestunde (TOP 2)');
    await resident.page.getByLabel('Ihr Name').fill('Erika Mustermann');
    await resident.page.getByRole('textbox', { name: 'Ihre Frage' }).fill('Wann wird der Spielplatz Lindenstraße fertig?');
    await resident.page.getByRole('button', { name: 'Frage einreichen' }).click();
    await expect.poll(() => resident.page.getByTestId('question-outcome').textContent()).toBe('Ihre Frage ist als Nr. 1 eingegangen.');

    const chair = await open(s.links.chair.url);
    await whenStatus(chair.page, 'online');
    const panel = chair.page.getByTestId('chair-questions');
    await expect.poll(() => panel.locator('li').first().textContent(), { timeout: 20_000 }).toContain('Frage 1 von Erika Mustermann');
    expect(await panel.locator('li').first().textContent()).toContain('Wann wird der Spielplatz Lindenstraße fertig?');
    await chair.page.getByRole('button', { name: 'Frage 1 als beantwortet festhalten' }).click();
    await expect.poll(() => panel.locator('[data-question="1"] [data-testid="question-status"]').textContent()).toBe('beantwortet');
    // The mark is a signed entry in the public log, with the number and text, never the name.
    await expect.poll(async () => (await s.relay.store.all(s.demo.tenant, s.demo.meeting, ['public'])).some((e) => Buffer.from(e.wire).includes('question.mark'))).toBe(true);
    expect((await s.relay.store.all(s.demo.tenant, s.demo.meeting, ['public'])).some((e) => Buffer.from(e.wire).includes('Erika'))).toBe(false);

    await settings(s, { question_hours: '2' });
    await resident.page.getByRole('textbox', { name: 'Ihre Frage' }).fill('Noch eine Frage, zu spät');
    await resident.page.getByRole('button', { name: 'Frage einreichen' }).click();
    await expect.poll(() => resident.page.getByTestId('question-outcome').textContent()).toMatch(/^Ihre Frage wurde nicht angenommen: Die Frist für Fragen ist abgelaufen \(Fragen waren bis .+ möglich\)\. Während der Einwohnerfragestunde/);
    await chair.page.getByRole('button', { name: 'Fragen neu laden' }).click();
    await expect.poll(async () => (await s.relay.identity.questions.list(s.demo.tenant, s.demo.meeting)).length).toBe(1);
    expect(await panel.locator('li').count()).toBe(1);
  }, 120_000);

  it('DS-4 every request of every view (chair, member, public, room display, admin) goes to the app\'s own origin, and the CSP blocks any other', async () => {
    const s = await site();
    const origin = new URL(s.relay.url).origin;
    const wsOrigin = origin.replace(/^http/, 'ws');
    const chair = await open(s.links.chair.url);
    const member = await open(s.links.members[1]!.url, { width: 360 });
    const pub = await open(s.links.public);
    const kiosk = await open(kioskUrl(s), { width: 1920, height: 1080 });
    const admin = await open(s.links.console);
    // The body allows anonymous viewing (the demo's default): the page says so, and asks for no registration.
    expect(await pub.page.getByTestId('anonymous-allowed').textContent()).toBe('Diese Sitzung können Sie ohne Anmeldung verfolgen.');
    expect(await pub.page.getByTestId('registration').count()).toBe(0);
    await pub.page.getByRole('button', { name: 'Verstanden – Übertragung ansehen' }).click();
    for (const v of [chair, member, pub, kiosk]) await whenStatus(v.page, 'online', 30_000);
    await admin.page.getByTestId('tenant-info').waitFor({ timeout: 30_000 });
    await admin.page.getByRole('button', { name: 'Einstellungen' }).click();
    await admin.page.getByTestId('registrations').waitFor();

    const views = { chair, member, pub, kiosk, admin };
    for (const [name, v] of Object.entries(views)) {
      expect(v.requests.length, name).toBeGreaterThan(0);
      expect(v.requests.filter((u) => new URL(u).origin !== origin && !/^(data|blob):/.test(u)), `${name}: requests elsewhere`).toEqual([]);
      expect(v.sockets.filter((u) => new URL(u).origin !== wsOrigin), `${name}: sockets elsewhere`).toEqual([]);
    }
    expect(chair.sockets.some((u) => u === `${wsOrigin}/sync`)).toBe(true); // the CSP let the app's own socket through

    const csp = (await fetch(`${s.relay.url}/`)).headers.get('content-security-policy')!;
    const d = Object.fromEntries(csp.split(';').map((x) => x.trim().split(/\s+/)).map(([k, ...v]) => [k, v]));
    expect(d['default-src']).toEqual(["'self'"]);
    expect(d['connect-src']).toEqual(["'self'"]);
    expect(d['object-src']).toEqual(["'none'"]);
    expect(csp).not.toMatch(/\*|unsafe-eval|https?:|ws:|wss:/);
    // What the header forbids is blocked in the browser: a fetch, a socket and an image elsewhere.
    const blocked = await pub.page.evaluate(async () => {
      const violations: string[] = [];
      document.addEventListener('securitypolicyviolation', (e) => violations.push(e.violatedDirective));
      const f = await fetch('http://localhost:9/track').then(() => 'sent', () => 'blocked');
      let ws = 'sent';
      try {
        new WebSocket('ws://localhost:9/x');
      } catch {
        ws = 'blocked';
      }
      const img = new Image();
      img.src = 'http://localhost:9/pixel.gif';
      await new Promise((r) => setTimeout(r, 200));
      return { f, ws, violations };
    });
    expect(blocked.f).toBe('blocked');
    expect(blocked.violations).toEqual(expect.arrayContaining(['connect-src', 'img-src']));
  }, 120_000);

  it('ORG-2 the registration page, the recording notice, the question form, the room display, the chair\'s questions and the administration\'s registrations are axe-clean in German and English', async () => {
    const s = await site();
    await settings(s, { public_anonymous: 'nein' });
    await s.relay.identity.registrations.register(s.demo.tenant, s.demo.meeting, 'a11y@example.org');
    await s.relay.identity.questions.add(s.demo.tenant, s.demo.meeting, { name: 'Erika Mustermann', text: 'Eine Frage zur Barrierefreiheit?' });
    /** Each page once; the language switched with a reload (the choice is kept in localStorage). */
    const both = async (v: Awaited<ReturnType<typeof open>>, what: string, ready: () => Promise<unknown>, include?: string) => {
      for (const lang of ['de', 'en'] as const) {
        if (lang === 'en') {
          await v.page.evaluate(() => localStorage.setItem('ratsraum.lang', 'en'));
          await v.page.reload();
        }
        await ready();
        expect(await axe(v.page, include), `${what} ${lang}`).toEqual([]);
      }
    };
    const gate = await open(s.links.public, { width: 360, bypassCSP: true });
    await both(gate, 'registration and question form (360 px)', () => gate.page.getByTestId('question-form').waitFor());
    await gate.page.screenshot({ path: '/tmp/pub-gate-en-360.png', fullPage: true });
    await gate.page.setViewportSize({ width: 1280, height: 900 });
    expect(await axe(gate.page), 'registration and question form (1280 px)').toEqual([]);

    await settings(s, { public_anonymous: 'ja' });
    const pub = await open(s.links.public, { bypassCSP: true });
    await both(pub, 'recording notice', () => pub.page.getByTestId('recording-notice').waitFor());
    await pub.page.getByRole('button', { name: 'Understood – watch the stream' }).click();
    await whenStatus(pub.page, 'online');
    expect(await axe(pub.page, '[data-testid="question-form"]'), 'question form on the public page en').toEqual([]);

    const kiosk = await open(kioskUrl(s), { width: 1920, height: 1080, bypassCSP: true });
    await both(kiosk, 'room display (1920 px)', () => whenStatus(kiosk.page, 'online'));
    await kiosk.page.setViewportSize({ width: 360, height: 800 });
    expect(await axe(kiosk.page), 'room display (360 px)').toEqual([]);
    expect(await kiosk.page.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(360);
    await kiosk.page.screenshot({ path: '/tmp/pub-kiosk-360.png', fullPage: true });

    const chair = await open(s.links.chair.url, { bypassCSP: true });
    await both(chair, "chair's questions", () => chair.page.locator('[data-testid="chair-questions"] li').first().waitFor({ timeout: 20_000 }), '[data-testid="chair-questions"]');

    const admin = await open(s.links.console, { bypassCSP: true });
    const registrations = async () => {
      await admin.page.getByRole('button', { name: /^(Einstellungen|Settings)$/ }).click();
      await admin.page.locator('[data-testid="registrations"] tbody tr').first().waitFor({ timeout: 20_000 });
    };
    await both(admin, "administration's registrations", registrations, '[data-testid="registrations"]');
    await admin.page.getByTestId('registrations').screenshot({ path: '/tmp/pub-admin.png' });
  }, 180_000);
});
