/**
 * The record check page #/check in Chromium against the real `ratsraum verify` (a child process) on the same
 * files: records made by Node devices against a demo relay and taken with the real `ratsraum export`; an
 * honest one, one with one changed byte, one of a session still open, one forged under another tenant key,
 * and a synthetic record of 6,000 entries for the progress bar (received in chunks of 1,000; bench/ checks 20,000). Offline after the first load; axe-clean.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { PDFDocument } from 'pdf-lib';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { fromBase64, fromHex, toBase64, toHex } from '../../crypto/bytes.js';
import { type Cert, issue } from '../../crypto/cert.js';
import { generateSeed, signerFromSeed } from '../../crypto/ed25519.js';
import { fingerprint } from '../../crypto/hash.js';
import { syntheticLog } from '../../bench/synthetic.js';
import { minutesAttachment } from '../../core/minutes/attachment.js';
import { minutesHash, type MinutesRecord } from '../../core/minutes.js';
import { minutesPdf } from '../../relay/minutes-pdf.js';
import { axe, demoSite, launch, participant } from '../helpers/browser.js';
import { cleanup, device, online, until } from '../helpers/relay.js';

let site: Awaited<ReturnType<typeof demoSite>>;
let browser: Browser;
const files: Record<string, string> = {};
let realFp: string;
let forgedFp: string;

const cli = (...args: string[]) => spawnSync(process.execPath, ['bin/ratsraum.mjs', ...args], { encoding: 'utf8' });
const exportRecord = () => execFileSync(process.execPath, ['bin/ratsraum.mjs', 'export', '--data', site.dataDir, '--tenant', site.demo.tenant, '--meeting', site.demo.meeting], { encoding: 'utf8', maxBuffer: 256 * 1024 * 1024 });
const write = (name: string, text: string) => {
  const file = join(site.dataDir, name);
  writeFileSync(file, text);
  return (files[name] = file);
};

beforeAll(async () => {
  site = await demoSite();
  browser = await launch();
  const chair = await device(site.demo, 'm01', [site.wsUrl]);
  await online(chair);
  await chair.replica.create('attendance.in', { person: 'm01', place: 'onsite' });
  await chair.replica.create('session.open', {});
  await chair.replica.create('vote.open', { vote: 'v1', item: 'top3', title: 'Radverkehrskonzept', mode: 'roll-call' });
  await chair.replica.create('vote.cast', { vote: 'v1', choice: 'yes' });
  await chair.replica.create('vote.close', { vote: 'v1' });
  await online(chair);
  await until(async () => (await site.relay.store.all(site.demo.tenant, site.demo.meeting, ['public', 'members'])).length >= chair.replica.log.size, 'the relay holds every entry', 60_000);
  write('pending.json', exportRecord());
  const close = await chair.replica.create('session.close', {});
  const hex = toHex(close.author);
  await until(async () => (await site.relay.store.beacons(site.demo.tenant, site.demo.meeting)).some((b) => b.author === hex && (b.frontier.public?.[hex] ?? 0) >= close.seq), "the chair's heads covering the close", 60_000);
  chair.client.stop();
  const honest = write('honest.json', exportRecord());

  // One changed byte in one envelope (inside its signed payload).
  const rec = JSON.parse(readFileSync(honest, 'utf8')) as { tenantKey: string; certs: Cert[]; envelopes: string[] };
  const tampered = structuredClone(rec);
  const i = tampered.envelopes.length - 2;
  const wire = fromBase64(tampered.envelopes[i]!);
  wire[wire.length - 80]! ^= 1;
  tampered.envelopes[i] = toBase64(wire);
  write('tampered.json', JSON.stringify(tampered));

  // The forger keeps every envelope and vouches for the same device keys under a tenant key of its own.
  const forger = await signerFromSeed(generateSeed());
  const forged = structuredClone(rec);
  forged.tenantKey = toHex(forger.publicKey);
  forged.certs = await Promise.all(rec.certs.map((c) => issue(c.body, forger)));
  write('forged.json', JSON.stringify(forged));
  realFp = fingerprint((await signerFromSeed(fromHex(site.demo.tenantSeed, 32))).publicKey);
  forgedFp = fingerprint(forger.publicKey);

  // The minutes of the closed session as `ratsraum minutes` writes them, and a forger's PDF: one fact changed,
  // the minutes' hash recomputed and the PDF drawn again from the changed data, so only the record tells.
  const pdf = join(site.dataDir, 'minutes.pdf');
  execFileSync(process.execPath, ['bin/ratsraum.mjs', 'minutes', '--data', site.dataDir, '--tenant', site.demo.tenant, '--meeting', site.demo.meeting, '--out', pdf], { encoding: 'utf8' });
  files['minutes.pdf'] = pdf;
  const own = minutesAttachment(await PDFDocument.load(readFileSync(pdf))) as MinutesRecord;
  const changed = structuredClone(own);
  changed.minutes.title = `${changed.minutes.title} (geändert)`;
  changed.hash = minutesHash(changed.minutes);
  files['changed.pdf'] = join(site.dataDir, 'changed.pdf');
  writeFileSync(files['changed.pdf'], await minutesPdf(changed));

  const big = await syntheticLog(6_000);
  write('big.json', JSON.stringify({ format: 'ratsraum-export/v2', tenant: big.tenant, meeting: big.meeting, docs: ['public', 'members'], tenantKey: big.tenantKey, certs: big.certs, envelopes: big.envelopes, beacons: [] }));
}, 300_000);

afterAll(async () => {
  await browser?.close();
  await site?.relay.close();
  if (site) cleanup(site.dataDir);
});

const VERDICT: Record<number, string> = { 0: 'ok', 3: 'pending', 1: 'failed' };

/** What `ratsraum verify` says of a file: exit code as verdict, counts, state hash, fingerprint. */
function cliVerdict(file: string, tenantKey?: string) {
  const r = cli('verify', file, ...(tenantKey ? ['--tenant-key', tenantKey] : []));
  const head = /^(OK|PENDING|FAILED): (\d+) envelopes, (\d+) applied, state (\S+)/.exec(r.stdout);
  expect(head, r.stdout + r.stderr).not.toBeNull();
  expect(head![1]!.toLowerCase()).toBe(VERDICT[r.status!]);
  return { verdict: VERDICT[r.status!]!, envelopes: head![2]!, applied: head![3]!, stateHash: head![4] === '-' ? '' : head![4]!, fingerprint: /tenant key fingerprint: ([0-9a-f ]+) \(/.exec(r.stdout)?.[1] ?? '', stdout: r.stdout };
}

/** What the page says of a file chosen in its file input. */
async function pageVerdict(page: Page, file: string, tenantKey?: string) {
  await page.getByLabel(/Fingerabdruck des Schlüssels|Fingerprint of the municipality/).fill(tenantKey ?? '');
  await page.locator('#check-file').setInputFiles(file);
  return resultOf(page, file);
}

async function resultOf(page: Page, file: string) {
  const result = page.locator(`[data-testid="check-result"]`);
  await page.getByRole('heading', { name: new RegExp(file.split('/').pop()!.replace('.', '\\.')) }).waitFor({ timeout: 120_000 });
  return {
    verdict: await result.getAttribute('data-verdict'),
    envelopes: await result.getAttribute('data-envelopes'),
    applied: await result.getAttribute('data-applied'),
    stateHash: await result.getAttribute('data-state-hash'),
    fingerprint: await page.getByTestId('check-fingerprint').textContent(),
    problems: await page.locator('[data-testid="check-problems"] li').evaluateAll((li) => li.map((l) => l.getAttribute('data-code'))),
    text: await result.innerText(),
  };
}

const openCheck = async (opts: { lang?: 'de' | 'en'; width?: number; bypassCSP?: boolean } = {}) => {
  const p = await participant(browser, `${site.relay.url}/#/check`, opts);
  await p.page.getByRole('heading', { level: 1 }).waitFor();
  return p;
};

describe('#/check: the record check in the browser', () => {
  it('SEC-1 the browser check gives the verdict of ratsraum verify on an honest, a tampered, a pending and a forged record', async () => {
    const { context, page } = await openCheck();
    const cases: [string, string | undefined, string][] = [
      ['honest.json', undefined, 'ok'],
      ['honest.json', realFp, 'ok'],
      ['tampered.json', undefined, 'failed'],
      ['pending.json', undefined, 'pending'],
      ['forged.json', undefined, 'ok'], // every signature holds: only the fingerprint tells
      ['forged.json', realFp, 'failed'],
    ];
    for (const [name, key, expected] of cases) {
      const c = cliVerdict(files[name]!, key);
      expect(c.verdict, `${name} by the CLI`).toBe(expected);
      // A fresh page per file: the result heading names the file, so a stale result cannot be read.
      await page.reload();
      await page.getByRole('heading', { level: 1 }).waitFor();
      const b = await pageVerdict(page, files[name]!, key);
      expect({ verdict: b.verdict, envelopes: b.envelopes, applied: b.applied, stateHash: b.stateHash, fingerprint: b.fingerprint }, `${name} ${key ?? ''}`).toEqual({ verdict: c.verdict, envelopes: c.envelopes, applied: c.applied, stateHash: c.stateHash, fingerprint: c.fingerprint });
      if (name === 'tampered.json') {
        expect(b.problems).toContain('signature');
        expect(c.stdout).toContain('rejected: bad signature');
        expect(b.text).toContain('Nicht gültig');
      }
      if (name === 'pending.json') expect(b.text).toContain('Die Sitzung ist noch nicht geschlossen.');
      if (name === 'forged.json' && key) {
        expect(b.problems).toContain('tenantKey');
        expect(b.fingerprint).toBe(forgedFp);
        expect(b.text).toContain('stimmt nicht mit dem eingegebenen überein');
      }
      if (name === 'honest.json' && !key) {
        expect(b.fingerprint).toBe(realFp);
        expect(b.text).toContain('Gültig');
        expect(b.text).toContain('nicht verglichen');
      }
      if (name === 'honest.json' && key) expect(b.text).toContain('stimmt mit dem eingegebenen überein');
    }
    // A file dropped onto the page is checked the same way.
    await page.reload();
    await page.getByRole('heading', { level: 1 }).waitFor();
    const text = readFileSync(files['tampered.json']!, 'utf8');
    await page.getByTestId('dropzone').evaluate((zone, json) => {
      const dt = new DataTransfer();
      dt.items.add(new File([json], 'dropped.json', { type: 'application/json' }));
      zone.dispatchEvent(new DragEvent('drop', { dataTransfer: dt, bubbles: true, cancelable: true }));
    }, text);
    expect((await resultOf(page, 'dropped.json')).verdict).toBe('failed');
    await context.close();
  }, 300_000);

  it('MIN-2 SEC-1 the browser check of minutes gives the verdict of ratsraum verify --minutes: the honest PDF matches the record, a PDF with a changed fact does not', async () => {
    expect(cli('verify', files['honest.json']!, '--minutes', files['minutes.pdf']!).status).toBe(0);
    const forged = cli('verify', files['honest.json']!, '--minutes', files['changed.pdf']!);
    expect(forged.status).toBe(1);
    expect(forged.stdout + forged.stderr).toContain('minutes differ from the record');
    const { context, page } = await openCheck();
    for (const [pdf, ok] of [['minutes.pdf', true], ['changed.pdf', false]] as const) {
      await page.reload();
      await page.getByRole('heading', { level: 1 }).waitFor();
      await page.locator('#check-minutes').setInputFiles(files[pdf]!); // the minutes first: choosing the record starts the check
      const b = await pageVerdict(page, files['honest.json']!);
      expect(b.verdict).toBe('ok'); // the record itself is honest either way
      const m = page.getByTestId('check-minutes');
      expect(await m.getAttribute('data-ok'), pdf).toBe(String(ok));
      const text = await m.innerText();
      if (ok) expect(text).toContain('Die Niederschrift stimmt mit dem Datensatz überein');
      else expect(text).toMatch(/stimmt nicht mit dem Datensatz überein[^]*minutes differ from the record in/);
    }
    await context.close();
  }, 300_000);

  it('SEC-1 a record of 6,000 entries shows its progress while the page stays responsive, and ends with the verdict of ratsraum verify', async () => {
    const { context, page } = await openCheck();
    await page.locator('#check-file').setInputFiles(files['big.json']!);
    // Seen mid-way: some, not all, signatures checked; the page answers an evaluate meanwhile (no frozen main thread).
    await page.waitForFunction(
      () => {
        const p = document.querySelector<HTMLProgressElement>('#check-progress');
        return !!p && p.closest('[data-step]')?.getAttribute('data-step') === 'signatures' && p.value > 0 && p.value < p.max && p.max === 6_000;
      },
      undefined,
      { timeout: 120_000, polling: 50 },
    );
    expect(await page.getByTestId('check-progress').innerText()).toMatch(/Unterschriften und Zertifikate, [\d.]+ von 6000 Einträgen/);
    const b = await resultOf(page, 'big.json');
    const c = cliVerdict(files['big.json']!);
    expect({ verdict: b.verdict, envelopes: b.envelopes, applied: b.applied, stateHash: b.stateHash }).toEqual({ verdict: c.verdict, envelopes: c.envelopes, applied: c.applied, stateHash: c.stateHash });
    expect(b.envelopes).toBe('6000');
    await context.close();
  }, 300_000);

  it('AV-3 the check page works offline after the first visit', async () => {
    const { context, page } = await openCheck();
    await page.waitForFunction(() => !!navigator.serviceWorker.controller, undefined, { timeout: 60_000 });
    await context.setOffline(true);
    await page.reload();
    await page.getByRole('heading', { level: 1 }).waitFor();
    const b = await pageVerdict(page, files['honest.json']!);
    expect(b.verdict).toBe('ok');
    expect(b.fingerprint).toBe(realFp);
    await context.close();
  });

  it('ORG-2 ORG-3 the check page and its results are axe-clean in German and English, at 360 px and on a desktop', async () => {
    for (const lang of ['de', 'en'] as const)
      for (const width of [360, 1100]) {
        const { context, page } = await openCheck({ lang, width, bypassCSP: true });
        expect(await axe(page), `${lang} ${width} empty`).toEqual([]);
        for (const name of ['forged.json', 'pending.json']) {
          await page.reload();
          await page.getByRole('heading', { level: 1 }).waitFor();
          const b = await pageVerdict(page, files[name]!, name === 'forged.json' ? realFp : undefined);
          expect(b.text).toContain(lang === 'de' ? 'Fingerabdruck des Schlüssels der Kommune' : "Fingerprint of the municipality's key");
          expect(await axe(page), `${lang} ${width} ${name}`).toEqual([]);
          expect(await page.evaluate(() => document.documentElement.scrollWidth <= window.innerWidth), `${lang} ${width} ${name} fits`).toBe(true);
        }
        await context.close();
      }
  });

  it('the start pages link to the check', async () => {
    const { context, page } = await participant(browser, `${site.relay.url}/#/public/${site.demo.tenant}`);
    await page.getByRole('link', { name: 'Sitzungsdatensatz prüfen' }).click();
    await page.getByRole('heading', { level: 1, name: 'Sitzungsdatensatz prüfen' }).waitFor();
    expect(page.url()).toMatch(/#\/check$/);
    await context.close();
  });
});
